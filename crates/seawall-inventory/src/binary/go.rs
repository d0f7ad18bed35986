//! Go build info (`\xff Go buildinf:`): the ≥ 1.18 inline-string format and the older pointer
//! format, and the packages derived from it. Hand-written because the format is tiny and no
//! maintained crate parses it from a byte slice.

use super::{ECOSYSTEM_GO, GO_BLOB_MAX, GO_MAGIC, PROP_GO_MAIN};
use crate::common::{Out, purl};

/// Why Go build info could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GoBuildInfoError {
    /// No `\xff Go buildinf:` magic.
    #[error("no Go build info magic")]
    NoMagic,
    /// Pre-1.18 pointer format, which needs the binary's section table
    /// ([`parse_go_buildinfo_pointers`]); not available when streaming files above
    /// [`IN_MEMORY_MAX`](super::IN_MEMORY_MAX) or without section headers.
    #[error("Go build info in the pre-1.18 pointer format cannot be resolved here")]
    PointerFormat,
    /// Truncated or malformed varint strings.
    #[error("malformed Go build info at offset {0}")]
    Malformed(usize),
}

/// Parsed Go build info.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GoBuildInfo {
    /// `go1.21.5` (as recorded).
    pub go_version: String,
    /// Main module path and version.
    pub main: Option<(String, String)>,
    /// Dependencies `(path, version)` with replacements applied.
    pub deps: Vec<(String, String)>,
}

fn uvarint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut x: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*pos)?;
        *pos += 1;
        x |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(x);
        }
    }
    None
}

fn varint_str<'a>(b: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let len = usize::try_from(uvarint(b, pos)?).ok()?;
    let s = b.get(*pos..pos.checked_add(len)?)?;
    *pos += len;
    Some(s)
}

/// Parses Go build info starting at the magic (`blob` begins with `\xff Go buildinf:`). Fuzz entry
/// point.
pub fn parse_go_buildinfo(blob: &[u8]) -> Result<GoBuildInfo, GoBuildInfoError> {
    if !blob.starts_with(GO_MAGIC) {
        return Err(GoBuildInfoError::NoMagic);
    }
    let flags = *blob.get(15).ok_or(GoBuildInfoError::Malformed(15))?;
    if flags & 2 == 0 {
        return Err(GoBuildInfoError::PointerFormat);
    }
    let mut pos = 32;
    let version = varint_str(blob, &mut pos).ok_or(GoBuildInfoError::Malformed(pos))?;
    let modinfo = varint_str(blob, &mut pos).ok_or(GoBuildInfoError::Malformed(pos))?;
    Ok(buildinfo_from_strings(version, modinfo))
}

/// Parses pre-1.18 Go build info, whose header holds two pointers to Go string headers
/// (`{data pointer, length}`) in the binary's memory image; `read_at(vaddr, len)` resolves virtual
/// addresses (for ELF: through the section table). Fuzz entry point (with any resolver).
pub fn parse_go_buildinfo_pointers<'a>(
    blob: &[u8],
    read_at: impl Fn(u64, usize) -> Option<&'a [u8]>,
) -> Result<GoBuildInfo, GoBuildInfoError> {
    if !blob.starts_with(GO_MAGIC) {
        return Err(GoBuildInfoError::NoMagic);
    }
    let ptr_size = usize::from(*blob.get(14).ok_or(GoBuildInfoError::Malformed(14))?);
    let big_endian = blob.get(15).is_some_and(|f| f & 1 == 1);
    if ptr_size != 4 && ptr_size != 8 {
        return Err(GoBuildInfoError::Malformed(14));
    }
    let word = |b: &[u8]| -> Option<u64> {
        let b = b.get(..ptr_size)?;
        let mut v = 0u64;
        for i in 0..ptr_size {
            let byte = if big_endian { *b.get(i)? } else { *b.get(ptr_size - 1 - i)? };
            v = (v << 8) | u64::from(byte);
        }
        Some(v)
    };
    let string = |hdr_addr: u64| -> Option<&'a [u8]> {
        let hdr = read_at(hdr_addr, 2 * ptr_size)?;
        let data = word(hdr)?;
        let len = usize::try_from(word(hdr.get(ptr_size..)?)?).ok()?;
        if len > GO_BLOB_MAX {
            return None;
        }
        read_at(data, len)
    };
    let at = |off: usize| blob.get(off..).and_then(word).ok_or(GoBuildInfoError::Malformed(off));
    let (vaddr, maddr) = (at(16)?, at(16 + ptr_size)?);
    let version = string(vaddr).ok_or(GoBuildInfoError::Malformed(16))?;
    let modinfo = string(maddr).unwrap_or(&[]);
    Ok(buildinfo_from_strings(version, modinfo))
}

fn buildinfo_from_strings(version: &[u8], modinfo: &[u8]) -> GoBuildInfo {
    // Strip the 16-byte sentinels around the module info.
    let modinfo = if modinfo.len() >= 33 && modinfo.get(modinfo.len() - 17) == Some(&b'\n') {
        modinfo.get(16..modinfo.len() - 16).unwrap_or(&[])
    } else {
        modinfo
    };
    let mut info =
        GoBuildInfo { go_version: String::from_utf8_lossy(version).into_owned(), ..Default::default() };
    for line in String::from_utf8_lossy(modinfo).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            ["mod", path, version, ..] => info.main = Some(((*path).to_string(), (*version).to_string())),
            ["dep", path, version, ..] => info.deps.push(((*path).to_string(), (*version).to_string())),
            ["=>", path, version, ..] => {
                if let Some(last) = info.deps.last_mut() {
                    *last = ((*path).to_string(), (*version).to_string());
                }
            }
            _ => {}
        }
    }
    info
}

fn go_purl(path: &str, version: &str) -> Option<String> {
    match path.rsplit_once('/') {
        Some((ns, name)) => purl("golang", Some(ns), name, Some(version), &[]),
        None => purl("golang", None, path, Some(version), &[]),
    }
}

pub(crate) fn go_packages(out: &mut Out<'_, '_>, info: &GoBuildInfo) {
    let mut add = |path: &str, version: &str, main: bool| {
        let mut p = out.package(path, version, ECOSYSTEM_GO, None);
        p.purl = go_purl(path, version);
        if main {
            p.properties.insert(PROP_GO_MAIN.into(), "true".into());
        }
        out.push(p);
    };
    // `go1.21.5 X:boringcrypto` → `1.21.5`
    let go = info.go_version.split_whitespace().next().unwrap_or("");
    if let Some(v) = go.strip_prefix("go").filter(|v| v.starts_with(|c: char| c.is_ascii_digit())) {
        add("stdlib", v, false);
    }
    if let Some((path, version)) = &info.main {
        add(path, version, true);
    }
    for (path, version) in &info.deps {
        add(path, version, false);
    }
}
