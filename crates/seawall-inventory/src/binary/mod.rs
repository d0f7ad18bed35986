//! Dependencies compiled into executables (ELF, and the Mach-O and PE files that cross-compiled
//! tools leave in images and trees): Go build info and `cargo auditable` data.
//!
//! * **Go** (≥ 1.18): the `\xff Go buildinf:` blob (section `.go.buildinfo`, or found by scanning
//!   when section headers are stripped) holds the Go version and the module list as
//!   varint-prefixed strings. Reported: `stdlib` at the Go version (OSV's Go ecosystem lists standard
//!   library vulnerabilities under `stdlib`), the main module (`properties["go.main"] = "true"`,
//!   version often `(devel)`), every `dep` (with `=>` replacements applied), ecosystem `Go`, purl
//!   `pkg:golang/<path>@<version>`. Go < 1.18 binaries store pointers to the strings instead; they
//!   are resolved through the ELF section table (in-memory path only; elsewhere a warning).
//!   Parsed by hand in `go.rs`: the format is tiny and no maintained crate parses it from bytes.
//! * **Rust**: section `.dep-v0` written by `cargo auditable` — zlib-compressed JSON
//!   `{"packages":[{"name","version","source","kind","root"}]}`, inflated with a hard output cap.
//!   Ecosystem `crates.io`; build-only dependencies are tagged `properties["cargo.kind"] = "build"`
//!   (`auditable.rs`).
//!
//! **Which files.** Regular files of at least 64 bytes that are executable (any x bit) or named
//! like shared objects (`*.so`, `*.so.N`, `*.dylib`) or Windows programs (`*.exe`, `*.dll`), minus
//! common data extensions, are sniffed for the ELF, thin Mach-O or PE magic. In ELF files with
//! section headers the Go build info is read from `.go.buildinfo`, in Mach-O from
//! `__go_buildinfo`; elsewhere (PE keeps it in `.data`, stripped ELF has no sections) the magic is
//! searched.
//!
//! **Size.** Files up to [`IN_MEMORY_MAX`] are read whole and their
//! section headers parsed with the `object` crate. Larger files (`libtorch_cuda.so`, 1 GB) are
//! streamed once with bounded memory: the Go magic is searched in overlapping chunks, and the last
//! [`TAIL_KEEP`] bytes are kept so that the section headers at the end can be checked for a
//! `.dep-v0` section; if one exists but lies outside the kept tail a warning says it was not read.

mod auditable;
mod elf;
mod go;

use std::collections::VecDeque;
use std::io::Read;

use memchr::memmem;
use object::{Object, ObjectSection};
use seawall_analyzer::{AnalyzerError, EntryMeta, Facts, FileAnalyzer, Interest, read_full};

use crate::common::{Out, read_bounded};
use auditable::cargo_packages;
pub use auditable::parse_cargo_auditable;
use elf::{TailSection, find_section_in_tail};
use go::go_packages;
pub use go::{GoBuildInfo, GoBuildInfoError, parse_go_buildinfo, parse_go_buildinfo_pointers};

/// Ecosystem of Go modules.
pub const ECOSYSTEM_GO: &str = "Go";
/// Property: `"true"` on a Go binary's main module.
pub const PROP_GO_MAIN: &str = "go.main";
/// Property: `cargo auditable` dependency kind when not `runtime`.
pub const PROP_CARGO_KIND: &str = "cargo.kind";
/// Largest binary read whole.
pub const IN_MEMORY_MAX: u64 = 64 * 1024 * 1024;
/// Bytes kept from the end of a streamed binary.
pub const TAIL_KEEP: usize = 4 * 1024 * 1024;
/// Cap on inflated `cargo auditable` JSON.
pub(crate) const AUDITABLE_MAX: u64 = 8 * 1024 * 1024;
/// Cap on the Go build-info blob examined after the magic.
pub(crate) const GO_BLOB_MAX: usize = 4 * 1024 * 1024;

pub(crate) const GO_MAGIC: &[u8] = b"\xff Go buildinf:";
const ELF_MAGIC: &[u8] = b"\x7fELF";
/// Thin Mach-O magics, both byte orders, 32 and 64 bit (fat binaries share `cafebabe` with Java
/// class files and are not sniffed).
const MACHO_MAGICS: [[u8; 4]; 4] =
    [[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe]];

/// ELF, thin Mach-O or PE (`MZ` with a `PE\0\0` header where the DOS header points).
fn is_executable_format(head: &[u8]) -> bool {
    if head.starts_with(ELF_MAGIC) || MACHO_MAGICS.iter().any(|m| head.starts_with(m)) {
        return true;
    }
    if !head.starts_with(b"MZ") {
        return false;
    }
    let pe_at = head.get(0x3c..0x40).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    match pe_at.and_then(|o| usize::try_from(o).ok()) {
        // The PE header may lie past the sniff window: the parse decides then.
        Some(o) if o.saturating_add(4) <= head.len() => head.get(o..o + 4) == Some(b"PE\0\0"),
        Some(_) => true,
        None => false,
    }
}

/// Reads Go build info and `cargo auditable` data from ELF files.
///
/// `BinaryAnalyzer::default()` reads ELF files up to [`IN_MEMORY_MAX`] whole; lower it with
/// [`BinaryAnalyzer::with_in_memory_max`] to trade peak memory (one buffer of that size per walker
/// thread) for coverage (larger files are streamed: Go ≥ 1.18 build info is still found, pre-1.18
/// pointer-format build info and `.dep-v0` sections outside the kept tail become warnings).
#[derive(Debug, Clone, Copy)]
pub struct BinaryAnalyzer {
    in_memory_max: u64,
}

impl Default for BinaryAnalyzer {
    fn default() -> Self {
        BinaryAnalyzer { in_memory_max: IN_MEMORY_MAX }
    }
}

impl BinaryAnalyzer {
    /// An analyzer that reads ELF files of at most `bytes` whole and streams larger ones.
    pub fn with_in_memory_max(bytes: u64) -> Self {
        BinaryAnalyzer { in_memory_max: bytes }
    }

    fn go(blob: &[u8], out: &mut Out<'_, '_>) {
        match parse_go_buildinfo(blob) {
            Ok(info) => go_packages(out, &info),
            Err(GoBuildInfoError::NoMagic) => {}
            Err(e) => out.warn(None, e.to_string()),
        }
    }

    fn in_memory(data: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        let file = object::File::parse(data).ok();
        let section =
            |name: &str| file.as_ref().and_then(|f| f.section_by_name(name)).and_then(|s| s.data().ok());
        // ELF with section headers: trust them (no scan of every shared library for the magic).
        // Mach-O keeps the build info in `__go_buildinfo`; PE in `.data` beside other data, so
        // there (and in stripped ELF files) the magic is searched.
        let has_sections = file.as_ref().is_some_and(|f| f.sections().next().is_some());
        let is_elf = data.starts_with(ELF_MAGIC);
        let blob = match section(".go.buildinfo")
            .or_else(|| section("__go_buildinfo"))
            .filter(|d| d.starts_with(GO_MAGIC))
        {
            Some(d) => Some(d),
            None if is_elf && has_sections => None,
            None => memmem::find(data, GO_MAGIC)
                .and_then(|at| data.get(at..at.saturating_add(GO_BLOB_MAX).min(data.len()))),
        };
        match blob {
            Some(d) if d.get(15).is_some_and(|f| f & 2 == 0) => {
                // Pre-1.18: resolve the pointers through the section table.
                let read_at = |addr: u64, len: usize| -> Option<&[u8]> {
                    let f = file.as_ref()?;
                    f.sections().find_map(|s| {
                        let off = usize::try_from(addr.checked_sub(s.address())?).ok()?;
                        if addr >= s.address().checked_add(s.size())? {
                            return None;
                        }
                        s.data().ok()?.get(off..off.checked_add(len)?)
                    })
                };
                match parse_go_buildinfo_pointers(d, read_at) {
                    Ok(info) => go_packages(out, &info),
                    Err(e) => out.warn(None, e.to_string()),
                }
            }
            Some(d) => Self::go(d, out),
            None => {}
        }
        if let Some(d) = section(".dep-v0") {
            cargo_packages(out, d)?;
        }
        Ok(())
    }

    fn streamed(&self, content: &mut dyn Read, out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        const CHUNK: usize = 1024 * 1024;
        let finder = memmem::Finder::new(GO_MAGIC);
        let mut head: Vec<u8> = Vec::new();
        // The last bytes of the file are kept as the chunks they were read into, oldest first, at
        // least TAIL_KEEP bytes of them: the oldest chunk is recycled as the next read buffer once the
        // others hold TAIL_KEEP bytes. No byte is copied on the way (copying each byte of a large
        // shared library into a sliding tail and compacting it was a third of an image scan's
        // memmove); the kept chunks are joined once at the end. At most TAIL_KEEP / CHUNK + 2 chunks.
        let mut ring: VecDeque<(Vec<u8>, usize)> = VecDeque::new();
        let mut kept = 0usize;
        // The last GO_MAGIC.len() - 1 bytes before the current chunk: a magic that straddles two
        // chunks is found in `carry` + the chunk's first bytes.
        let mut carry: Vec<u8> = Vec::with_capacity(2 * GO_MAGIC.len());
        let mut go_blob: Option<Vec<u8>> = None;
        let mut total: u64 = 0;
        loop {
            let recycle = ring.front().is_some_and(|(_, len)| kept - len >= TAIL_KEEP);
            let mut buf = match recycle.then(|| ring.pop_front()).flatten() {
                Some((buf, len)) => {
                    kept -= len;
                    buf
                }
                None => vec![0u8; CHUNK],
            };
            let n = read_full(content, &mut buf)?;
            if n == 0 {
                break;
            }
            let chunk = buf.get(..n).unwrap_or(&[]);
            total += n as u64;
            if head.len() < 64 {
                head.extend(chunk.iter().take(64 - head.len()));
            }
            match &mut go_blob {
                Some(b) => {
                    let want = GO_BLOB_MAX.saturating_sub(b.len()).min(chunk.len());
                    b.extend_from_slice(chunk.get(..want).unwrap_or(&[]));
                }
                None => go_blob = find_go_blob(&finder, &carry, chunk),
            }
            carry_last(&mut carry, chunk, GO_MAGIC.len() - 1);
            ring.push_back((buf, n));
            kept += n;
            if n < CHUNK {
                break; // end of the stream (`read_full` fills the buffer unless the stream ends)
            }
        }
        let mut tail: Vec<u8> = Vec::with_capacity(kept.min(TAIL_KEEP));
        let mut skip = kept.saturating_sub(TAIL_KEEP);
        for (buf, len) in &ring {
            let part = buf.get(..*len).unwrap_or(&[]);
            let drop = skip.min(part.len());
            skip -= drop;
            tail.extend_from_slice(part.get(drop..).unwrap_or(&[]));
        }
        if let Some(b) = go_blob {
            Self::go(&b, out);
        }
        let tail_start = total - tail.len() as u64;
        match find_section_in_tail(&head, &tail, tail_start, ".dep-v0") {
            TailSection::Absent => {}
            TailSection::Data(d) => cargo_packages(out, d)?,
            TailSection::OutOfReach => out.warn_kind(
                None,
                seawall_core::WarningKind::BudgetExceeded,
                format!(
                    "cargo auditable section of a binary larger than {} bytes not read (outside the last {TAIL_KEEP} bytes)",
                    self.in_memory_max
                ),
            ),
        }
        Ok(())
    }
}

/// The Go build-info blob (up to GO_BLOB_MAX bytes from the magic) whose magic starts in `carry`
/// (the bytes just before `chunk`) or in `chunk`; only the bytes of `carry` and `chunk` are returned
/// (later chunks extend it).
fn find_go_blob(finder: &memmem::Finder<'_>, carry: &[u8], chunk: &[u8]) -> Option<Vec<u8>> {
    if !carry.is_empty() {
        // A magic that starts inside `carry` ends within the chunk's first GO_MAGIC.len() - 1 bytes.
        let mut seam = carry.to_vec();
        seam.extend_from_slice(chunk.get(..GO_MAGIC.len() - 1).unwrap_or(chunk));
        if let Some(at) = finder.find(&seam).filter(|&at| at < carry.len()) {
            let mut b = carry.get(at..).unwrap_or(&[]).to_vec();
            let want = GO_BLOB_MAX.saturating_sub(b.len()).min(chunk.len());
            b.extend_from_slice(chunk.get(..want).unwrap_or(&[]));
            return Some(b);
        }
    }
    let at = finder.find(chunk)?;
    let end = at.saturating_add(GO_BLOB_MAX).min(chunk.len());
    Some(chunk.get(at..end).unwrap_or(&[]).to_vec())
}

/// Keeps in `carry` the last `keep` bytes of `carry` followed by `chunk`.
fn carry_last(carry: &mut Vec<u8>, chunk: &[u8], keep: usize) {
    if chunk.len() >= keep {
        carry.clear();
        carry.extend_from_slice(chunk.get(chunk.len() - keep..).unwrap_or(&[]));
    } else {
        carry.extend_from_slice(chunk);
        let excess = carry.len().saturating_sub(keep);
        carry.drain(..excess);
    }
}

impl FileAnalyzer for BinaryAnalyzer {
    fn name(&self) -> &'static str {
        "binary"
    }

    fn version(&self) -> u32 {
        2
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        if !meta.is_file() || meta.size < 64 {
            return Interest::No;
        }
        let n = meta.file_name();
        // Executables (any x bit), shared objects and Windows programs only: Go and Rust programs are
        // installed executable; data files (0644) are not even sniffed, which spares directory scans
        // an open() per file.
        let library = n.ends_with(".so") || n.contains(".so.") || n.ends_with(".dylib");
        let windows = n.len() > 4
            && (n.ends_with(".exe") || n.ends_with(".dll") || n.ends_with(".EXE") || n.ends_with(".DLL"));
        if meta.mode & 0o111 == 0 && !library && !windows {
            return Interest::No;
        }
        // Common non-ELF files in ML images; everything else is sniffed.
        const SKIP: &[&str] = &[
            ".py",
            ".pyc",
            ".pyi",
            ".h",
            ".hpp",
            ".txt",
            ".json",
            ".md",
            ".html",
            ".js",
            ".ts",
            ".css",
            ".png",
            ".jpg",
            ".gz",
            ".zip",
            ".whl",
            ".pt",
            ".pth",
            ".bin",
            ".safetensors",
            ".onnx",
            ".pb",
            ".a",
            ".o",
            ".cu",
            ".cuh",
            ".c",
            ".cc",
            ".cpp",
            ".yaml",
            ".yml",
            ".xml",
            ".svg",
            ".pkl",
            ".npy",
            ".npz",
        ];
        if SKIP.iter().any(|s| n.ends_with(s)) { Interest::No } else { Interest::Sniff }
    }

    fn required_by_content(&self, _meta: &EntryMeta<'_>, head: &[u8]) -> bool {
        is_executable_format(head)
    }

    fn max_size(&self) -> u64 {
        self.in_memory_max
    }

    fn streams(&self) -> bool {
        true
    }

    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        out: &mut Facts,
    ) -> Result<(), AnalyzerError> {
        let mut out = Out::new(self.name(), meta, out);
        if meta.size <= self.in_memory_max {
            let data = read_bounded(content, self.in_memory_max)?;
            Self::in_memory(&data, &mut out)
        } else {
            self.streamed(content, &mut out)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flate2::write::ZlibEncoder;
    use proptest::prelude::*;
    use std::io::Write;

    fn put_varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// A Go ≥ 1.18 build-info blob.
    pub(crate) fn go_blob(version: &str, modinfo: &str) -> Vec<u8> {
        let mut b = GO_MAGIC.to_vec();
        b.push(8);
        b.push(2);
        b.resize(32, 0);
        put_varint(&mut b, version.len() as u64);
        b.extend_from_slice(version.as_bytes());
        let mut m = vec![0x30u8; 16];
        m.extend_from_slice(modinfo.as_bytes());
        m.extend_from_slice(&[0xf9; 16]);
        put_varint(&mut b, m.len() as u64);
        b.extend(m);
        b
    }

    const MODINFO: &str = "path\texample.com/cmd/tool\nmod\texample.com/cmd\t(devel)\t\ndep\tgolang.org/x/net\tv0.7.0\th1:abc=\ndep\tgithub.com/old/lib\tv1.0.0\n=>\tgithub.com/new/lib\tv1.2.0\th1:x=\nbuild\t-compiler=gc\n";

    fn deflate(b: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    const AUDIT: &str = r#"{"packages":[{"name":"app","version":"0.1.0","source":"local","dependencies":[1],"root":true},{"name":"hyper","version":"0.14.10","source":"crates.io"},{"name":"cc","version":"1.0.0","source":"crates.io","kind":"build"}]}"#;

    /// An ELF file with the given extra sections, built with `object::write`.
    pub(crate) fn elf(sections: &[(&str, Vec<u8>)], padding: usize) -> Vec<u8> {
        use object::write::{Object as WObject, StandardSegment};
        use object::{Architecture, BinaryFormat, Endianness, SectionKind};
        let mut o = WObject::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
        if padding > 0 {
            let id = o.add_section(
                o.segment_name(StandardSegment::Data).to_vec(),
                b".padding".to_vec(),
                SectionKind::Data,
            );
            o.append_section_data(id, &vec![0u8; padding], 1);
        }
        for (name, data) in sections {
            let id = o.add_section(Vec::new(), name.as_bytes().to_vec(), SectionKind::Data);
            o.append_section_data(id, data, 16);
        }
        o.write().unwrap()
    }

    #[test]
    fn parses_go_buildinfo() {
        let info = parse_go_buildinfo(&go_blob("go1.21.5 X:boringcrypto", MODINFO)).unwrap();
        assert_eq!(info.go_version, "go1.21.5 X:boringcrypto");
        assert_eq!(info.main, Some(("example.com/cmd".into(), "(devel)".into())));
        assert_eq!(
            info.deps,
            [("golang.org/x/net".into(), "v0.7.0".into()), ("github.com/new/lib".into(), "v1.2.0".into())]
        );
        let mut old = go_blob("go1.16", "");
        old[15] = 0;
        assert_eq!(parse_go_buildinfo(&old), Err(GoBuildInfoError::PointerFormat));
        assert_eq!(parse_go_buildinfo(b"nope"), Err(GoBuildInfoError::NoMagic));
        let b = go_blob("go1.22.0", MODINFO);
        assert!(matches!(parse_go_buildinfo(&b[..40]), Err(GoBuildInfoError::Malformed(_))));
    }

    #[test]
    fn go_pointer_format() {
        // Memory image: string headers at 0x1000, string data at 0x2000 / 0x3000.
        let version = b"go1.16.15".to_vec();
        let mut modinfo = vec![0x30u8; 16];
        modinfo.extend_from_slice(MODINFO.as_bytes());
        modinfo.extend_from_slice(&[0xf9; 16]);
        let mut hdrs = Vec::new();
        for (addr, len) in [(0x2000u64, version.len() as u64), (0x3000, modinfo.len() as u64)] {
            hdrs.extend_from_slice(&addr.to_le_bytes());
            hdrs.extend_from_slice(&len.to_le_bytes());
        }
        let mem = [(0x1000u64, hdrs), (0x2000, version), (0x3000, modinfo)];
        let read_at = |addr: u64, len: usize| -> Option<&[u8]> {
            mem.iter()
                .find_map(|(base, d)| d.get(usize::try_from(addr.checked_sub(*base)?).ok()?..)?.get(..len))
        };
        let mut blob = GO_MAGIC.to_vec();
        blob.push(8);
        blob.push(0);
        blob.extend_from_slice(&0x1000u64.to_le_bytes());
        blob.extend_from_slice(&0x1010u64.to_le_bytes());
        let info = parse_go_buildinfo_pointers(&blob, read_at).unwrap();
        assert_eq!(info.go_version, "go1.16.15");
        assert_eq!(info.deps.len(), 2);
        assert!(parse_go_buildinfo_pointers(&blob, |_, _| None).is_err());
        blob[14] = 3;
        assert_eq!(parse_go_buildinfo_pointers(&blob, read_at).err(), Some(GoBuildInfoError::Malformed(14)));
    }

    #[test]
    fn go_binary_in_memory() {
        let bin = elf(&[(".go.buildinfo", go_blob("go1.21.5", MODINFO))], 0);
        let a = BinaryAnalyzer::default();
        let mut m = EntryMeta::file("/usr/local/bin/tool", bin.len() as u64, Some(3));
        assert_eq!(a.required(&m), Interest::No, "0644 data file is not sniffed");
        m.mode = 0o755;
        assert_eq!(a.required(&m), Interest::Sniff);
        assert_eq!(a.required(&EntryMeta::file("/usr/lib/libx.so.1", 100, None)), Interest::Sniff);
        assert_eq!(
            a.required(&EntryMeta::file("/m/_x.cpython-311-x86_64-linux-gnu.so", 100, None)),
            Interest::Sniff
        );
        let mut py = EntryMeta::file("/usr/bin/script.py", 100, None);
        py.mode = 0o755;
        assert_eq!(a.required(&py), Interest::No);
        assert!(a.required_by_content(&m, &bin[..64]));
        assert!(!a.required_by_content(&m, b"#!/bin/sh\n"));
        let mut f = Facts::default();
        a.analyze(&m, &mut bin.as_slice(), &mut f).unwrap();
        let names: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        assert_eq!(
            names,
            [
                ("stdlib", "1.21.5"),
                ("example.com/cmd", "(devel)"),
                ("golang.org/x/net", "v0.7.0"),
                ("github.com/new/lib", "v1.2.0")
            ]
        );
        assert_eq!(f.packages[2].purl.as_deref(), Some("pkg:golang/golang.org/x/net@v0.7.0"));
        assert_eq!(f.packages[0].ecosystem, "Go");
    }

    #[test]
    fn go_buildinfo_in_macho_and_pe() {
        use object::write::Object as WObject;
        use object::{Architecture, BinaryFormat, Endianness, SectionKind};
        // Mach-O (as `GOOS=darwin` builds it): section `__go_buildinfo` in `__DATA`.
        let mut o = WObject::new(BinaryFormat::MachO, Architecture::Aarch64, Endianness::Little);
        let id = o.add_section(b"__DATA".to_vec(), b"__go_buildinfo".to_vec(), SectionKind::Data);
        o.append_section_data(id, &go_blob("go1.22.0", MODINFO), 16);
        let macho = o.write().unwrap();
        // PE (as `GOOS=windows` builds it): the blob lies in `.data` among other data.
        let mut pe = b"MZ".to_vec();
        pe.resize(0x3c, 0);
        pe.extend_from_slice(&0x80u32.to_le_bytes());
        pe.resize(0x80, 0);
        pe.extend_from_slice(b"PE\0\0");
        pe.resize(0x400, 0);
        pe.extend(go_blob("go1.22.0", MODINFO));
        for (name, bin) in [("tool", macho), ("tool.exe", pe)] {
            let mut m = EntryMeta::file(name, bin.len() as u64, None);
            let a = BinaryAnalyzer::default();
            if name == "tool" {
                m.mode = 0o755;
            }
            assert_eq!(a.required(&m), Interest::Sniff, "{name}");
            assert!(a.required_by_content(&m, &bin[..64]), "{name}");
            let mut f = Facts::default();
            a.analyze(&m, &mut bin.as_slice(), &mut f).unwrap();
            let got: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
            assert_eq!(
                got,
                [
                    ("stdlib", "1.22.0"),
                    ("example.com/cmd", "(devel)"),
                    ("golang.org/x/net", "v0.7.0"),
                    ("github.com/new/lib", "v1.2.0")
                ],
                "{name}"
            );
        }
        // A DOS stub without a PE header, and a Java class file, are not sniffed.
        let mut dos = b"MZ".to_vec();
        dos.resize(0x3c, 0);
        dos.extend_from_slice(&0x40u32.to_le_bytes());
        dos.resize(0x60, 0);
        assert!(!is_executable_format(&dos));
        assert!(!is_executable_format(b"\xca\xfe\xba\xbe\0\0\0\x34"));
    }

    #[test]
    fn go_magic_without_section_headers() {
        let mut bin = b"\x7fELF".to_vec();
        bin.resize(100, 0);
        bin.extend(go_blob("go1.20.1", MODINFO));
        let mut f = Facts::default();
        BinaryAnalyzer::default()
            .analyze(&EntryMeta::file("x", bin.len() as u64, None), &mut bin.as_slice(), &mut f)
            .unwrap();
        assert_eq!(f.packages.len(), 4);
    }

    #[test]
    fn cargo_auditable_in_memory() {
        let bin = elf(&[(".dep-v0", deflate(AUDIT.as_bytes()))], 0);
        let mut f = Facts::default();
        BinaryAnalyzer::default()
            .analyze(&EntryMeta::file("/bin/app", bin.len() as u64, None), &mut bin.as_slice(), &mut f)
            .unwrap();
        assert_eq!(f.packages.len(), 3);
        let hyper = f.packages.iter().find(|p| p.name == "hyper").unwrap();
        assert_eq!(hyper.ecosystem, "crates.io");
        assert_eq!(hyper.purl.as_deref(), Some("pkg:cargo/hyper@0.14.10"));
        let cc = f.packages.iter().find(|p| p.name == "cc").unwrap();
        assert_eq!(cc.properties.get(PROP_CARGO_KIND).map(String::as_str), Some("build"));
    }

    #[test]
    fn auditable_bomb_is_limited() {
        let bomb = deflate(&vec![b' '; (AUDITABLE_MAX + 10) as usize]);
        assert!(matches!(parse_cargo_auditable(&bomb), Err(AnalyzerError::Limit(_))));
        assert!(parse_cargo_auditable(b"not zlib").is_err());
    }

    #[test]
    fn configurable_in_memory_limit() {
        let bin = elf(&[(".go.buildinfo", go_blob("go1.22.1", MODINFO))], 0);
        let a = BinaryAnalyzer::with_in_memory_max(16);
        assert_eq!(a.max_size(), 16);
        let mut f = Facts::default();
        a.analyze(&EntryMeta::file("/bin/x", bin.len() as u64, None), &mut bin.as_slice(), &mut f).unwrap();
        assert_eq!(f.packages.len(), 4, "found by the streaming path");
    }

    #[test]
    fn streamed_large_binary() {
        // Pretend the file is larger than IN_MEMORY_MAX to take the streaming path.
        let blob = go_blob("go1.22.1", MODINFO);
        let bin =
            elf(&[(".go.buildinfo", blob), (".dep-v0", deflate(AUDIT.as_bytes()))], 3 * 1024 * 1024 + 7);
        let m = EntryMeta::file("/opt/big.so", IN_MEMORY_MAX + 1, None);
        let mut f = Facts::default();
        // Small reads so that the magic straddles chunk boundaries in some runs.
        let mut r = std::io::BufReader::with_capacity(4093, bin.as_slice());
        BinaryAnalyzer::default().analyze(&m, &mut r, &mut f).unwrap();
        assert!(f.packages.iter().any(|p| p.name == "stdlib" && p.version == "1.22.1"));
        // the .dep-v0 section is inside the kept tail here
        assert!(f.packages.iter().any(|p| p.name == "hyper"), "{:?}", f.warnings);
    }

    /// Regression (copy-free tail of streamed binaries): over many 1 MiB chunks, read in odd-sized
    /// pieces, the Go magic is found wherever it falls relative to a chunk boundary, and the
    /// `.dep-v0` section near the end of a 10 MiB file is still inside the kept tail.
    #[test]
    fn streamed_chunk_boundaries_and_long_files() {
        const MIB: usize = 1024 * 1024;
        let m = EntryMeta::file("/opt/big.so", IN_MEMORY_MAX + 1, None);
        let blob = go_blob("go1.22.1", MODINFO);
        for at in [0, 1, MIB - GO_MAGIC.len(), MIB - 5, MIB - 1, MIB, MIB + 1, 3 * MIB - 7] {
            let mut data = vec![0x41u8; at];
            data.extend_from_slice(&blob);
            data.resize(data.len() + 6 * MIB + 3, 0x42);
            for piece in [4093, 1 << 20, 3 << 20] {
                let mut f = Facts::default();
                let mut r = std::io::BufReader::with_capacity(piece, data.as_slice());
                BinaryAnalyzer::default().analyze(&m, &mut r, &mut f).unwrap();
                assert!(
                    f.packages.iter().any(|p| p.name == "stdlib" && p.version == "1.22.1"),
                    "magic at {at}, pieces of {piece}: {:?}",
                    f.warnings
                );
            }
        }
        let bin = elf(&[(".dep-v0", deflate(AUDIT.as_bytes()))], 10 * MIB + 11);
        for piece in [4093, 1 << 20] {
            let mut f = Facts::default();
            let mut r = std::io::BufReader::with_capacity(piece, bin.as_slice());
            BinaryAnalyzer::default().analyze(&m, &mut r, &mut f).unwrap();
            assert!(f.packages.iter().any(|p| p.name == "hyper"), "pieces of {piece}: {:?}", f.warnings);
        }
    }

    #[test]
    fn streamed_out_of_reach_warns() {
        let bin =
            elf(&[(".dep-v0", deflate(AUDIT.as_bytes())), ("zz.padding", vec![1u8; TAIL_KEEP + 1024])], 0);
        let m = EntryMeta::file("/opt/big.so", IN_MEMORY_MAX + 1, None);
        let mut f = Facts::default();
        BinaryAnalyzer::default().analyze(&m, &mut bin.as_slice(), &mut f).unwrap();
        assert!(f.packages.is_empty());
        assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// The streamed path finds a Go build-info blob at any offset, whatever the read sizes.
        #[test]
        fn streamed_finds_go_blob_anywhere(at in 0usize..(3 << 20), piece in 1usize..70_000, tail in 0usize..(5 << 20)) {
            let mut data = vec![0x41u8; at];
            data.extend_from_slice(&go_blob("go1.21.3", MODINFO));
            data.resize(data.len() + tail, 0x43);
            let m = EntryMeta::file("/opt/big", IN_MEMORY_MAX + 1, None);
            let mut f = Facts::default();
            let mut r = std::io::BufReader::with_capacity(piece, data.as_slice());
            BinaryAnalyzer::default().analyze(&m, &mut r, &mut f).unwrap();
            prop_assert!(f.packages.iter().any(|p| p.name == "stdlib" && p.version == "1.21.3"), "{:?}", f.warnings);
        }
    }

    proptest! {
        #[test]
        fn never_panics_go(b in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut blob = GO_MAGIC.to_vec();
            blob.extend(&b);
            let _ = parse_go_buildinfo(&blob);
            let _ = parse_go_buildinfo_pointers(&blob, |a, l| b.get(usize::try_from(a).ok()?..)?.get(..l));
            let _ = parse_cargo_auditable(&b);
        }
        #[test]
        fn never_panics_analyzer(b in proptest::collection::vec(any::<u8>(), 0..2048), big in any::<bool>()) {
            let mut data = ELF_MAGIC.to_vec();
            data.extend(&b);
            let size = if big { IN_MEMORY_MAX + 1 } else { data.len() as u64 };
            let mut f = Facts::default();
            let _ = BinaryAnalyzer::default().analyze(&EntryMeta::file("x", size, None), &mut data.as_slice(), &mut f);
        }
    }
}
