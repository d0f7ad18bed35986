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
    /// lz4 / zstd: recognised, not decompressed.
    OtherCompressed,
    /// ONNX protobuf (name hint + plausible protobuf).
    Onnx,
    /// TensorFlow `saved_model.pb` (name hint + plausible protobuf).
    SavedModel,
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
            Format::OtherCompressed => "compressed",
            Format::Onnx => "onnx",
            Format::SavedModel => "tf-savedmodel",
        }
    }
}

const HDF5_MAGIC: &[u8] = b"\x89HDF\r\n\x1a\n";

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
    if model_name_hint(name) {
        if head.starts_with(&[0x1f, 0x8b]) {
            return Some(Format::Gzip);
        }
        if head.len() >= 2 && head[0] == 0x78 && (u16::from(head[0]) * 256 + u16::from(head[1])) % 31 == 0 {
            return Some(Format::Zlib);
        }
        if head.starts_with(b"BZh") {
            return Some(Format::Bzip2);
        }
        if head.starts_with(b"\xfd7zXZ\x00") {
            return Some(Format::Xz);
        }
        if head.starts_with(&[0x5d, 0x00, 0x00]) {
            return Some(Format::Lzma);
        }
        if head.starts_with(&[0x04, 0x22, 0x4d, 0x18]) || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            return Some(Format::OtherCompressed);
        }
    }
    None
}

/// safetensors: u64 little-endian header length, then a JSON object.
fn safetensors_head(head: &[u8]) -> bool {
    if head.len() < 10 {
        return false;
    }
    let n = u64::from_le_bytes([head[0], head[1], head[2], head[3], head[4], head[5], head[6], head[7]]);
    // the length is little-endian and far below 2^48: its top bytes are NUL, which text never has
    n >= 2 && head[6] == 0 && head[7] == 0 && head[8] == b'{' && matches!(head[9], b'"' | b'}' | b' ' | b'\n')
}

/// Bytes that can start a pickle in protocols 0/1 (no `PROTO`).
fn proto01_starter(b: u8) -> bool {
    b"(}])NIJKLMFGSVXUTcidlqph".contains(&b)
}

/// True when the head is a pickle with strong evidence: it starts with `PROTO` or a protocol-0/1
/// opcode *and* the emulator runs through it (to `STOP`, or up to the end of the head after at least
/// 12 opcodes, or 3 opcodes including an identifier-shaped global). Ordinary text and source files fail within a few opcodes.
pub(crate) fn sniff_pickle(head: &[u8]) -> bool {
    let Some(&first) = head.first() else {
        return false;
    };
    let proto = first == 0x80;
    if proto {
        if head.len() < 3 || head[1] > 5 {
            return false;
        }
    } else if !proto01_starter(first) {
        return false;
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
        return true;
    }
    match r {
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
        assert_eq!(detect(&[0x1f, 0x8b, 8, 0], "changelog.gz"), None);
        assert_eq!(detect(&[0x1f, 0x8b, 8, 0], "model.pkl.gz"), Some(Format::Gzip));
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
