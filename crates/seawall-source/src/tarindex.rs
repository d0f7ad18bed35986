//! Indexing of an outer tar archive (docker-archive, oci-archive): one pass over the headers, seeking past
//! the data, giving member name → (offset, size). Members are then read by seeking a fresh file handle,
//! so several layers can be read in parallel without extracting anything.
//!
//! Headers are decoded with the `tar` crate's [`tar::Header`] and [`tar::PaxExtensions`]; the loop is our
//! own so that GNU long names and PAX records are bounded ([`MAX_EXTENSION_SIZE`]) and data is skipped by
//! seeking rather than reading.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

use crate::SourceError;

/// Largest GNU long-name or PAX extension record accepted (bytes).
pub const MAX_EXTENSION_SIZE: u64 = 1 << 20;
/// Most members accepted in one outer archive.
pub const MAX_MEMBERS: usize = 1_000_000;
/// Deepest chain of symlinks or hard links followed when resolving a member.
const MAX_LINK_DEPTH: usize = 16;

/// What a member is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberKind {
    /// A regular file with data at `offset`.
    File,
    /// A symbolic link (target relative to the member's directory, or absolute within the archive).
    Symlink(String),
    /// A hard link to another member (path from the archive root).
    HardLink(String),
    /// A directory or anything else without readable data.
    Other,
}

/// One member of an indexed tar archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarMember {
    /// Offset of the member's data from the start of the archive.
    pub offset: u64,
    /// Size of the member's data.
    pub size: u64,
    /// File, link or other.
    pub kind: MemberKind,
}

/// Member name → location, for one tar archive.
#[derive(Debug, Clone, Default)]
pub struct TarIndex {
    members: HashMap<String, TarMember>,
}

impl TarIndex {
    /// Number of members indexed (directories included).
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when the archive has no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The member with exactly this (normalised) name, links not followed.
    pub fn get(&self, name: &str) -> Option<&TarMember> {
        self.members.get(name)
    }

    /// Iterates over all member names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.members.keys().map(String::as_str)
    }

    /// Resolves a name to a regular file, following symlinks and hard links inside the archive.
    /// Returns the final name and the member. `container` names the archive in errors.
    pub fn resolve(&self, container: &str, name: &str) -> Result<(String, &TarMember), SourceError> {
        let mut current = normalize(container, name)?;
        for _ in 0..MAX_LINK_DEPTH {
            let member = self.members.get(&current).ok_or_else(|| SourceError::Missing {
                container: container.to_string(),
                member: current.clone(),
            })?;
            match &member.kind {
                MemberKind::File => return Ok((current, member)),
                MemberKind::Symlink(target) => {
                    let base = current.rsplit_once('/').map_or("", |(dir, _)| dir);
                    let joined = if target.starts_with('/') || base.is_empty() {
                        target.clone()
                    } else {
                        format!("{base}/{target}")
                    };
                    current = normalize_lexically(container, &joined)?;
                }
                MemberKind::HardLink(target) => current = normalize(container, target)?,
                MemberKind::Other => {
                    return Err(SourceError::malformed(
                        format!("{container}: {current}"),
                        "not a regular file",
                    ));
                }
            }
        }
        Err(SourceError::malformed(format!("{container}: {name}"), "too many levels of links"))
    }
}

/// Normalises a member name: strips `./` and trailing `/`; rejects absolute names and `..`.
fn normalize(container: &str, name: &str) -> Result<String, SourceError> {
    let unsafe_path =
        || SourceError::UnsafePath { container: container.to_string(), member: name.to_string() };
    if name.starts_with('/') {
        return Err(unsafe_path());
    }
    let mut parts = Vec::new();
    for comp in name.split('/') {
        match comp {
            "" | "." => {}
            ".." => return Err(unsafe_path()),
            c => parts.push(c),
        }
    }
    Ok(parts.join("/"))
}

/// Like [`normalize`] but resolves `..` (for symlink targets), refusing to climb above the root.
fn normalize_lexically(container: &str, name: &str) -> Result<String, SourceError> {
    let mut parts: Vec<&str> = Vec::new();
    for comp in name.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(SourceError::UnsafePath {
                        container: container.to_string(),
                        member: name.to_string(),
                    });
                }
            }
            c => parts.push(c),
        }
    }
    Ok(parts.join("/"))
}

fn bytes_to_name(container: &str, bytes: &[u8]) -> Result<String, SourceError> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    std::str::from_utf8(&bytes[..end]).map(str::to_string).map_err(|_| {
        SourceError::malformed(
            container,
            format!("member name is not UTF-8: {:?}", String::from_utf8_lossy(bytes)),
        )
    })
}

fn read_exact_or_eof<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Indexes a tar archive by reading its headers and seeking past member data.
///
/// `container` names the archive in errors. Bounded: at most [`MAX_MEMBERS`] members and
/// [`MAX_EXTENSION_SIZE`] bytes per long-name or PAX record; member data must lie inside the archive.
/// This is a fuzz entry point (see [`index_tar_bytes`]).
pub fn index_tar<R: Read + Seek>(mut reader: R, container: &str) -> Result<TarIndex, SourceError> {
    let read_err = |e: std::io::Error| SourceError::Read { what: container.to_string(), source: e };
    let total = reader.seek(SeekFrom::End(0)).map_err(read_err)?;
    reader.seek(SeekFrom::Start(0)).map_err(read_err)?;
    let mut pos: u64 = 0;
    let mut index = TarIndex::default();
    let mut long_name: Option<Vec<u8>> = None;
    let mut long_link: Option<Vec<u8>> = None;
    let mut pax: Option<Vec<u8>> = None;
    let mut block = [0u8; 512];
    loop {
        let n = read_exact_or_eof(&mut reader, &mut block).map_err(read_err)?;
        if n == 0 {
            break; // EOF at a header boundary: accept (some writers omit the end blocks).
        }
        if n < 512 {
            return Err(SourceError::malformed(container, format!("truncated tar header at offset {pos}")));
        }
        if block.iter().all(|&b| b == 0) {
            break;
        }
        let header = tar::Header::from_byte_slice(&block);
        let stored_sum: u32 =
            block[..148].iter().chain(&[b' '; 8]).chain(&block[156..]).map(|&b| u32::from(b)).sum();
        match header.cksum() {
            Ok(sum) if sum == stored_sum => {}
            _ => {
                return Err(SourceError::malformed(
                    container,
                    format!("not a tar archive or corrupt header at offset {pos} (checksum mismatch)"),
                ));
            }
        }
        let header_pos = pos;
        pos += 512;
        let mut size = header.entry_size().map_err(|e| {
            SourceError::malformed(container, format!("bad size field at offset {header_pos}: {e}"))
        })?;
        let entry_type = header.entry_type();
        let is_ext = entry_type.is_gnu_longname()
            || entry_type.is_gnu_longlink()
            || entry_type.is_pax_local_extensions()
            || entry_type.is_pax_global_extensions();
        if !is_ext && let Some(p) = &pax {
            for ext in tar::PaxExtensions::new(p).flatten() {
                if ext.key() == Ok("size")
                    && let Some(s) = ext.value().ok().and_then(|v| v.parse::<u64>().ok())
                {
                    size = s;
                }
            }
        }
        let padded = size.checked_add(511).map(|s| s & !511).ok_or_else(|| {
            SourceError::malformed(container, format!("member size overflow at offset {header_pos}"))
        })?;
        let data_end = pos.saturating_add(padded);
        if pos.saturating_add(size) > total {
            return Err(SourceError::malformed(
                container,
                format!(
                    "truncated: member at offset {header_pos} claims {size} bytes past the end of the archive"
                ),
            ));
        }
        if is_ext {
            if size > MAX_EXTENSION_SIZE {
                return Err(SourceError::TooLarge {
                    what: format!("{container}: tar extension header at offset {header_pos}"),
                    limit: MAX_EXTENSION_SIZE,
                });
            }
            let mut data = vec![0u8; usize::try_from(size).unwrap_or(0)];
            reader.read_exact(&mut data).map_err(read_err)?;
            if entry_type.is_gnu_longname() {
                long_name = Some(data);
            } else if entry_type.is_gnu_longlink() {
                long_link = Some(data);
            } else if entry_type.is_pax_local_extensions() {
                pax = Some(data);
            }
            // Global PAX headers carry nothing we need.
            pos = data_end;
            reader.seek(SeekFrom::Start(pos)).map_err(read_err)?;
            continue;
        }
        let mut name_bytes = long_name.take().unwrap_or_else(|| header.path_bytes().into_owned());
        let mut link_bytes = long_link.take().or_else(|| header.link_name_bytes().map(|c| c.into_owned()));
        if let Some(p) = pax.take() {
            for ext in tar::PaxExtensions::new(&p).flatten() {
                match ext.key() {
                    Ok("path") => name_bytes = ext.value_bytes().to_vec(),
                    Ok("linkpath") => link_bytes = Some(ext.value_bytes().to_vec()),
                    _ => {}
                }
            }
        }
        let raw_name = bytes_to_name(container, &name_bytes)?;
        let name = normalize(container, &raw_name)?;
        let kind = if entry_type.is_file() || entry_type.is_contiguous() {
            MemberKind::File
        } else if entry_type.is_symlink() {
            MemberKind::Symlink(bytes_to_name(container, &link_bytes.unwrap_or_default())?)
        } else if entry_type.is_hard_link() {
            let target = bytes_to_name(container, &link_bytes.unwrap_or_default())?;
            MemberKind::HardLink(normalize(container, &target)?)
        } else {
            MemberKind::Other
        };
        if !name.is_empty() {
            if index.members.len() >= MAX_MEMBERS && !index.members.contains_key(&name) {
                return Err(SourceError::TooLarge {
                    what: format!("{container}: member count"),
                    limit: MAX_MEMBERS as u64,
                });
            }
            let size = if kind == MemberKind::File { size } else { 0 };
            index.members.insert(name, TarMember { offset: pos, size, kind });
        }
        pos = data_end;
        reader.seek(SeekFrom::Start(pos)).map_err(read_err)?;
    }
    Ok(index)
}

/// Fuzz entry point: indexes an in-memory tar archive. Never panics.
pub fn index_tar_bytes(bytes: &[u8]) -> Result<TarIndex, SourceError> {
    index_tar(std::io::Cursor::new(bytes), "<memory>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn build(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn indexes_offsets_and_sizes() {
        let long = format!("{}/layer.tar", "d".repeat(200));
        let bytes = build(&[("./manifest.json", b"[]"), (&long, b"hello world")]);
        let idx = index_tar_bytes(&bytes).unwrap();
        let m = idx.get(&long).unwrap();
        assert_eq!(m.size, 11);
        let off = usize::try_from(m.offset).unwrap();
        assert_eq!(&bytes[off..off + 11], b"hello world");
        assert_eq!(idx.get("manifest.json").unwrap().size, 2);
    }

    #[test]
    fn follows_symlinks_inside_the_archive() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        b.append_data(&mut h, "a/layer.tar", &b"abc"[..]).unwrap();
        let mut l = tar::Header::new_gnu();
        l.set_entry_type(tar::EntryType::Symlink);
        l.set_size(0);
        b.append_link(&mut l, "b/layer.tar", "../a/layer.tar").unwrap();
        let mut esc = tar::Header::new_gnu();
        esc.set_entry_type(tar::EntryType::Symlink);
        esc.set_size(0);
        b.append_link(&mut esc, "c/layer.tar", "../../etc/passwd").unwrap();
        let bytes = b.into_inner().unwrap();
        let idx = index_tar_bytes(&bytes).unwrap();
        let (name, m) = idx.resolve("t", "b/layer.tar").unwrap();
        assert_eq!(name, "a/layer.tar");
        assert_eq!(m.size, 3);
        assert!(matches!(idx.resolve("t", "c/layer.tar"), Err(SourceError::UnsafePath { .. })));
        assert!(matches!(idx.resolve("t", "nope"), Err(SourceError::Missing { .. })));
    }

    #[test]
    fn rejects_traversal_names() {
        let mut bytes = build(&[("x", b"1")]);
        // Rewrite the name field to "../evil" and fix the checksum.
        bytes[..100].fill(0);
        bytes[..7].copy_from_slice(b"../evil");
        let h = tar::Header::from_byte_slice(&bytes[..512]).clone();
        let mut h = h;
        h.set_cksum();
        bytes[..512].copy_from_slice(h.as_bytes());
        let err = index_tar_bytes(&bytes).unwrap_err();
        assert!(matches!(err, SourceError::UnsafePath { ref member, .. } if member == "../evil"), "{err}");
    }

    #[test]
    fn rejects_huge_extension_headers_and_truncation() {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::GNULongName);
        h.set_size(MAX_EXTENSION_SIZE + 1);
        h.set_path("././@LongLink").unwrap();
        h.set_cksum();
        let mut bytes = h.as_bytes().to_vec();
        bytes.resize(bytes.len() + usize::try_from(MAX_EXTENSION_SIZE).unwrap() + 512 + 512, 0);
        assert!(matches!(index_tar_bytes(&bytes), Err(SourceError::TooLarge { .. })));

        let full = build(&[("big", &[7u8; 4096])]);
        let err = index_tar_bytes(&full[..1024]).unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        assert!(index_tar_bytes(b"definitely not a tar archive").is_err());
        assert!(index_tar_bytes(&[1u8; 512]).is_err());
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let _ = index_tar_bytes(&bytes);
        }

        #[test]
        fn never_panics_on_mutated_archives(pos in 0usize..2048, val in any::<u8>()) {
            let mut bytes = build(&[("a/json", b"{}"), ("a/layer.tar", &[1u8; 700])]);
            if pos < bytes.len() { bytes[pos] = val; }
            let _ = index_tar_bytes(&bytes);
        }
    }
}
