//! Format detection by content (magic bytes and structure), with file-name hints only as an
//! additional trigger for formats that have no magic (protobuf).

use std::io::Read;

use crate::input::Input;
use crate::pickle::vm::{Judged, Vm, VmLimits};

/// What a byte stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Raw pickle (any protocol), possibly stacked (PyTorch legacy, dill, cloudpickle, joblib).
    Pickle,
    /// Zip archive (PyTorch, TorchScript, `.keras`, `.npz`, …).
    Zip,
    /// NumPy `.npy`.
    Npy,
    /// GGUF.
    Gguf,
    /// safetensors.
    Safetensors,
    /// HDF5 (Keras `.h5`).
    Hdf5,
    /// tar (PyTorch legacy tar format, nested archives).
    Tar,
    /// gzip stream.
    Gzip,
    /// zlib stream (joblib `compress=`).
    Zlib,
    /// bzip2 stream (joblib `compress="bz2"`).
    Bzip2,
    /// xz stream (joblib `compress="xz"`).
    Xz,
    /// legacy `.lzma` ("alone") stream (joblib `compress="lzma"`).
    Lzma,
    /// zstd frame.
    Zstd,
    /// lz4 frame.
    Lz4,
    /// 7z archive.
    SevenZ,
    /// ONNX protobuf (name hint + plausible protobuf).
    Onnx,
    /// TensorFlow `saved_model.pb` (name hint + plausible protobuf).
    SavedModel,
    /// `keras_metadata.pb` of a Keras SavedModel (the layer configs, as JSON inside protobuf).
    KerasMetadata,
}

impl Format {
    /// The name used in findings and the inventory.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Format::Pickle => "pickle",
            Format::Zip => "zip",
            Format::Npy => "npy",
            Format::Gguf => "gguf",
            Format::Safetensors => "safetensors",
            Format::Hdf5 => "hdf5",
            Format::Tar => "tar",
            Format::Gzip => "gzip",
            Format::Zlib => "zlib",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
            Format::Lzma => "lzma",
            Format::Zstd => "zstd",
            Format::Lz4 => "lz4",
            Format::SevenZ => "7z",
            Format::Onnx => "onnx",
            Format::SavedModel => "tf-savedmodel",
            Format::KerasMetadata => "keras-metadata",
        }
    }

    /// A compression format (its content is judged by its own format once decompressed).
    pub(crate) fn is_compression(self) -> bool {
        matches!(
            self,
            Format::Gzip
                | Format::Zlib
                | Format::Bzip2
                | Format::Xz
                | Format::Lzma
                | Format::Zstd
                | Format::Lz4
        )
    }
}

/// What the first bytes (and the name) say about a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniff {
    /// A model format (or a container / compression whose content is a model).
    Model(Format),
    /// Undecided from the prefix: the whole stream must be looked at (a pickle whose first opcode
    /// argument runs past the window, a compressed stream whose first block is longer than the
    /// window, a file whose name says it is a model).
    Maybe,
    /// Not a model.
    No,
}

const HDF5_MAGIC: &[u8] = b"\x89HDF\r\n\x1a\n";
const SEVENZ_MAGIC: &[u8] = b"7z\xbc\xaf\x27\x1c";

/// Compression formats by magic (zlib and legacy lzma have weak magics: [`sniff`] only takes them
/// when their decompressed prefix is a model).
fn compression(head: &[u8]) -> Option<Format> {
    if head.starts_with(&[0x1f, 0x8b]) {
        return Some(Format::Gzip);
    }
    if head.len() >= 2 && head[0] == 0x78 && (u16::from(head[0]) * 256 + u16::from(head[1])) % 31 == 0 {
        return Some(Format::Zlib);
    }
    if head.starts_with(b"BZh") && head.get(3).is_some_and(|c| (b'1'..=b'9').contains(c)) {
        return Some(Format::Bzip2);
    }
    if head.starts_with(b"\xfd7zXZ\x00") {
        return Some(Format::Xz);
    }
    if head.starts_with(&[0x5d, 0x00, 0x00]) {
        return Some(Format::Lzma);
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Some(Format::Zstd);
    }
    if head.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
        return Some(Format::Lz4);
    }
    None
}

/// File names that say "model" strongly enough that content which is no known format is still
/// run through the pickle emulator (what `torch.load` / `pickle.load` / `joblib.load` would do).
pub(crate) fn strong_model_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    const EXT: &[&str] =
        &[".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".dill", ".cloudpickle", ".sav", ".mar"];
    EXT.iter().any(|e| n.ends_with(e))
        || matches!(n.as_str(), "pytorch_model.bin" | "training_args.bin" | "optimizer.pt" | "scheduler.pt")
}

/// Decompresses up to [`crate::SNIFF`] bytes of a compressed prefix. The second value is false
/// when the prefix ran out before that many bytes came out of a stream that may go on.
fn inflate_head(fmt: Format, head: &[u8]) -> Option<(Vec<u8>, bool)> {
    let mut src = head;
    let mut r: Box<dyn Read + '_> = match fmt {
        Format::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(&mut src)),
        Format::Zlib => Box::new(flate2::bufread::ZlibDecoder::new(&mut src)),
        Format::Xz => Box::new(liblzma::bufread::XzDecoder::new_stream(
            &mut src,
            liblzma::stream::Stream::new_stream_decoder(64 << 20, liblzma::stream::CONCATENATED).ok()?,
        )),
        Format::Lzma => Box::new(liblzma::bufread::XzDecoder::new_stream(
            &mut src,
            liblzma::stream::Stream::new_lzma_decoder(64 << 20).ok()?,
        )),
        _ => return None,
    };
    let mut out = vec![0u8; crate::SNIFF];
    let mut n = 0;
    let mut failed = false;
    while n < out.len() {
        match r.read(&mut out[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    out.truncate(n);
    if failed && n == 0 {
        return None;
    }
    let whole = head.len() < crate::SNIFF;
    Some((out, n >= crate::SNIFF || whole))
}

/// The decision on a prefix (`head`, up to [`crate::SNIFF`] bytes; shorter only when it is the
/// whole stream) and the name. Never "not a model" for a prefix that could still be one.
pub(crate) fn sniff(head: &[u8], name: &str) -> Sniff {
    sniff_depth(head, name, 0)
}

fn sniff_depth(head: &[u8], name: &str, depth: u32) -> Sniff {
    match detect(head, name) {
        Some(f @ (Format::Gzip | Format::Zlib | Format::Xz | Format::Lzma)) => {
            match inflate_head(f, head) {
                // decompression fails at once: no loader gets anything out of it
                None => Sniff::No,
                Some((inner, complete)) => {
                    let inner_name = inner_name(name);
                    match (
                        if depth < 2 { sniff_depth(&inner, &inner_name, depth + 1) } else { Sniff::Maybe },
                        complete,
                    ) {
                        (Sniff::Model(_), _) => Sniff::Model(f),
                        (Sniff::Maybe, _) | (Sniff::No, false) => Sniff::Maybe,
                        (Sniff::No, true) => Sniff::No,
                    }
                }
            }
        }
        // the first block of these can be far longer than the prefix: decided on the content
        Some(Format::Bzip2 | Format::Zstd | Format::Lz4) => Sniff::Maybe,
        Some(f) => Sniff::Model(f),
        None => {
            if pickle_state(head) == PickleSniff::Inconclusive {
                return Sniff::Maybe;
            }
            if strong_model_name(name) && head.len() >= 2 {
                return Sniff::Maybe;
            }
            Sniff::No
        }
    }
}

/// The name of the content of a compressed file (`model.pkl.gz` → `model.pkl`, `x.tgz` → `x.tar`).
pub(crate) fn inner_name(name: &str) -> String {
    let l = name.to_ascii_lowercase();
    for (ext, repl) in [(".tgz", ".tar"), (".tbz2", ".tar"), (".txz", ".tar"), (".tzst", ".tar")] {
        if l.ends_with(ext) {
            return format!("{}{repl}", &name[..name.len() - ext.len()]);
        }
    }
    for ext in [".gz", ".z", ".bz2", ".xz", ".lzma", ".zst", ".zstd", ".lz4"] {
        if l.ends_with(ext) {
            return name[..name.len() - ext.len()].to_owned();
        }
    }
    name.to_owned()
}

/// File names that suggest a model (used only to widen detection: compressed streams and protobufs).
pub(crate) fn model_name_hint(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    const EXT: &[&str] = &[
        ".pkl",
        ".pickle",
        ".joblib",
        ".pt",
        ".pth",
        ".bin",
        ".ckpt",
        ".model",
        ".npy",
        ".npz",
        ".h5",
        ".hdf5",
        ".keras",
        ".onnx",
        ".pb",
        ".gguf",
        ".safetensors",
        ".dill",
        ".cloudpickle",
        ".sav",
        ".mar",
        ".tar",
        ".z",
        ".gz",
        ".bz2",
        ".xz",
        ".lzma",
        ".zst",
    ];
    let base =
        n.trim_end_matches(".gz").trim_end_matches(".z").trim_end_matches(".xz").trim_end_matches(".bz2");
    let compressed = base.len() != n.len();
    if compressed {
        return EXT
            .iter()
            .any(|e| base.ends_with(e) && !matches!(*e, ".gz" | ".z" | ".xz" | ".bz2" | ".tar"));
    }
    EXT.iter()
        .any(|e| n.ends_with(e) && !matches!(*e, ".gz" | ".z" | ".xz" | ".bz2" | ".lzma" | ".zst" | ".tar"))
}

fn protobuf_plausible(head: &[u8]) -> bool {
    // first field: a small field number with wire type varint (0) or length-delimited (2)
    matches!(head.first(), Some(b) if (b & 7 == 0 || b & 7 == 2) && (b >> 3) >= 1 && (b >> 3) <= 30)
}

/// Detects the format from the first bytes (`head`, up to 512 bytes) and the file name.
///
/// `name_hint` only widens detection for formats without magic (`*.onnx`, `saved_model.pb`) and for
/// generic compression (`*.joblib`, `*.pkl.gz`): it never causes a format with a magic to be assumed.
pub(crate) fn detect(head: &[u8], name: &str) -> Option<Format> {
    if head.starts_with(b"PK\x03\x04") {
        return Some(Format::Zip);
    }
    if head.starts_with(b"\x93NUMPY") {
        return Some(Format::Npy);
    }
    if head.starts_with(b"GGUF") {
        return Some(Format::Gguf);
    }
    if head.starts_with(HDF5_MAGIC) {
        return Some(Format::Hdf5);
    }
    if head.starts_with(SEVENZ_MAGIC) {
        return Some(Format::SevenZ);
    }
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return Some(Format::Tar);
    }
    if safetensors_head(head) {
        return Some(Format::Safetensors);
    }
    if sniff_pickle(head) {
        return Some(Format::Pickle);
    }
    let lname = name.to_ascii_lowercase();
    if lname.ends_with(".onnx") && protobuf_plausible(head) {
        return Some(Format::Onnx);
    }
    if (lname.ends_with("saved_model.pb") || lname.ends_with(".savedmodel")) && protobuf_plausible(head) {
        return Some(Format::SavedModel);
    }
    if lname.ends_with("keras_metadata.pb") && protobuf_plausible(head) {
        return Some(Format::KerasMetadata);
    }
    compression(head).or_else(|| {
        let lname = name.to_ascii_lowercase();
        (lname.ends_with(".safetensors") && head.len() >= 8).then_some(Format::Safetensors)
    })
}

/// safetensors: u64 little-endian header length, then a JSON object.
fn safetensors_head(head: &[u8]) -> bool {
    if head.len() < 10 {
        return false;
    }
    // The length is binary: a text prefix (`var x = {"…`) never has control or high bytes in its
    // first eight bytes. Absurd lengths (u64::MAX) are still safetensors — malformed ones.
    let binary_len = head[..8].iter().any(|b| !(0x20..0x7f).contains(b));
    binary_len && head[8] == b'{' && matches!(head[9], b'"' | b'}' | b' ' | b'\n')
}

/// Bytes that can start a pickle in protocols 0/1 (no `PROTO`).
fn proto01_starter(b: u8) -> bool {
    b"(}])NIJKLMFGSVXUTcidlqph".contains(&b)
}

/// True when the head is a pickle with strong evidence: it starts with `PROTO` or a protocol-0/1
/// opcode *and* the emulator runs through it (to `STOP`, or up to the end of the head after at least
/// 12 opcodes, or 3 opcodes including an identifier-shaped global). Ordinary text and source files fail within a few opcodes.
pub(crate) fn sniff_pickle(head: &[u8]) -> bool {
    pickle_state(head) == PickleSniff::Yes
}

/// The pickle decision on a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PickleSniff {
    /// A pickle.
    Yes,
    /// Not a pickle.
    No,
    /// The prefix is a full window that ended inside the first opcodes (a long string or bytes
    /// argument): only the whole stream can tell.
    Inconclusive,
}

/// [`sniff_pickle`] with the undecided case made explicit.
pub(crate) fn pickle_state(head: &[u8]) -> PickleSniff {
    let Some(&first) = head.first() else {
        return PickleSniff::No;
    };
    let proto = first == 0x80;
    if proto {
        if head.len() < 3 || head[1] > 5 {
            return PickleSniff::No;
        }
    } else if !proto01_starter(first) {
        return PickleSniff::No;
    }
    let mut j = Judged::default();
    let lim =
        VmLimits { max_ops: 10_000, max_stack: 10_000, max_memo: 10_000, max_globals: 1000, max_nesting: 0 };
    let mut slice = head;
    let mut inp = Input::with_capacity(&mut slice as &mut dyn Read, 4096);
    let r = Vm::new(&mut j, lim, true).run(&mut inp);
    let ops = j.ops;
    // a call or mutation was emulated: CPython would have executed it before any later error
    if !j.issues.is_empty() {
        return PickleSniff::Yes;
    }
    let yes = match &r {
        Ok(()) => {
            ops >= if proto {
                2
            } else if j.globals.is_empty() {
                4
            } else {
                3
            }
        }
        Err(_) if proto => ops >= 4,
        // lists of dotted names (Java service files, class lists) parse as GLOBALs only: require
        // pickle structure (marks, tuples, memo, containers) as well
        Err(f) => {
            f.eof
                && if j.globals.is_empty() { j.structure_ops >= 3 && ops >= 12 } else { j.structure_ops >= 2 }
        }
    };
    match r {
        _ if yes => PickleSniff::Yes,
        // the window ran out inside the first opcodes (a long argument): undecided
        Err(f) if f.eof && head.len() >= crate::SNIFF => PickleSniff::Inconclusive,
        _ => PickleSniff::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_magics() {
        assert_eq!(detect(b"PK\x03\x04rest", "x"), Some(Format::Zip));
        assert_eq!(detect(b"\x93NUMPY\x01\x00", "x"), Some(Format::Npy));
        assert_eq!(detect(b"GGUF\x03\x00\x00\x00", "x"), Some(Format::Gguf));
        assert_eq!(detect(b"\x80\x02cos\nsystem\nq\x00.", "x"), Some(Format::Pickle));
        assert_eq!(detect(b"cos\nsystem\n(S'id'\ntR.", "notes.txt"), Some(Format::Pickle));
        assert_eq!(detect(b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":1}", "x"), Some(Format::Safetensors));
        assert_eq!(detect(b"\x08\x07\x12\x04", "model.onnx"), Some(Format::Onnx));
        assert_eq!(detect(b"\x08\x07\x12\x04", "model.bin2"), None);
        assert_eq!(detect(&[0x1f, 0x8b, 8, 0], "changelog.gz"), Some(Format::Gzip));
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0], "changelog.gz"), Sniff::No);
        assert_eq!(detect(b"7z\xbc\xaf\x27\x1c\x00\x04", "x"), Some(Format::SevenZ));
        assert_eq!(detect(b"\x28\xb5\x2f\xfd\x00", "x"), Some(Format::Zstd));
        assert_eq!(sniff(b"\x28\xb5\x2f\xfd\x00", "x"), Sniff::Maybe);
    }

    #[test]
    fn safetensors_absurd_header_length_is_safetensors() {
        let mut h = vec![0xffu8; 8];
        h.extend_from_slice(b"{\"a\": {\"dtype\": \"F32\"}}");
        assert_eq!(detect(&h, "x"), Some(Format::Safetensors));
        // a text prefix is not a length
        assert_eq!(detect(b"var x = {\"a\": 1}", "x.js"), None);
        assert_eq!(detect(b"garbage!", "model.safetensors"), Some(Format::Safetensors));
    }

    #[test]
    fn long_first_argument_is_undecided_not_rejected() {
        // protocol 2, BINUNICODE of 4096 bytes: the 512-byte window ends inside the argument
        let mut p = b"\x80\x02X\x00\x10\x00\x00".to_vec();
        p.extend(std::iter::repeat_n(b'a', 4096));
        p.extend_from_slice(b"q\x00.");
        let head = &p[..crate::SNIFF];
        assert_eq!(pickle_state(head), PickleSniff::Inconclusive);
        assert_eq!(sniff(head, "blob"), Sniff::Maybe);
        // the whole stream is conclusive
        assert_eq!(pickle_state(&p), PickleSniff::Yes);
        // a short text file is decided on its prefix
        assert_eq!(sniff(b"The quick brown fox\n", "notes.txt"), Sniff::No);
    }

    #[test]
    fn text_is_not_pickle() {
        for t in [
            &b"import os\nprint('hello')\n"[..],
            b"class Foo:\n    pass\n",
            b"Note: this is a README\n",
            b"(defun foo () nil)\n",
            b"I like turtles\n",
            b"Some text here\n",
            b"#!/bin/sh\necho hi\n",
            b"{\"a\": 1}",
            b"[section]\nkey=value\n",
            b"N\n",
            b"com.google.appengine.api.urlfetch.IURLFetchServiceFactoryProvider\ncom.google.appengine.api.datastore.IDatastoreServiceFactoryProvider\ncom.google.appengine.api.users.IUserServiceFactoryProvider\n",
            b"lorem ipsum dolor sit amet\n",
        ] {
            assert!(!sniff_pickle(t), "{:?}", String::from_utf8_lossy(t));
        }
    }
}
