//! A bounded reader for tar archives that can only be read front to back (a `docker save` stream, a
//! compressed archive): member headers one after another, each member's data readable once.
//!
//! Same header rules as [`crate::tarindex`] (checksums, GNU long names and PAX records bounded by
//! [`MAX_EXTENSION_SIZE`], no `..` or absolute names); data a caller does not read is skipped.

use std::io::Read;

use crate::SourceError;
use crate::tarindex::{MAX_EXTENSION_SIZE, MemberKind};

/// One member header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StreamMember {
    /// Normalised name (no `./`, no trailing `/`).
    pub(crate) name: String,
    /// File, link (raw target for symlinks, normalised for hard links) or other.
    pub(crate) kind: MemberKind,
    /// Data size.
    pub(crate) size: u64,
}

/// Sequential tar reader.
pub(crate) struct TarStream<R> {
    inner: R,
    container: String,
    /// Unread data of the current member, then its padding.
    remaining: u64,
    padding: u64,
    offset: u64,
    done: bool,
}

fn name_of(container: &str, bytes: &[u8]) -> Result<String, SourceError> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    std::str::from_utf8(&bytes[..end]).map(str::to_string).map_err(|_| {
        SourceError::malformed(
            container,
            format!("member name is not UTF-8: {:?}", String::from_utf8_lossy(bytes)),
        )
    })
}

fn normalize(container: &str, name: &str) -> Result<String, SourceError> {
    if name.starts_with('/') || name.split('/').any(|c| c == "..") {
        return Err(SourceError::UnsafePath { container: container.to_string(), member: name.to_string() });
    }
    Ok(name.split('/').filter(|c| !c.is_empty() && *c != ".").collect::<Vec<_>>().join("/"))
}

impl<R: Read> TarStream<R> {
    /// Wraps a stream; `container` names it in errors.
    pub(crate) fn new(inner: R, container: &str) -> Self {
        TarStream {
            inner,
            container: container.to_string(),
            remaining: 0,
            padding: 0,
            offset: 0,
            done: false,
        }
    }

    fn read_err(&self, e: std::io::Error) -> SourceError {
        SourceError::Read { what: self.container.clone(), source: e }
    }

    fn skip(&mut self, n: u64) -> Result<(), SourceError> {
        let copied = std::io::copy(&mut (&mut self.inner).take(n), &mut std::io::sink())
            .map_err(|e| self.read_err(e))?;
        self.offset += copied;
        if copied < n {
            return Err(SourceError::malformed(
                &self.container,
                format!("truncated member data at offset {}", self.offset),
            ));
        }
        Ok(())
    }

    fn read_block(&mut self, block: &mut [u8; 512]) -> Result<usize, SourceError> {
        let mut filled = 0;
        while filled < block.len() {
            match self.inner.read(&mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.read_err(e)),
            }
        }
        self.offset += filled as u64;
        Ok(filled)
    }

    fn read_extension(&mut self, size: u64, at: u64) -> Result<Vec<u8>, SourceError> {
        if size > MAX_EXTENSION_SIZE {
            return Err(SourceError::TooLarge {
                what: format!("{}: tar extension header at offset {at}", self.container),
                limit: MAX_EXTENSION_SIZE,
            });
        }
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        let n = (&mut self.inner).take(size).read_to_end(&mut data).map_err(|e| self.read_err(e))?;
        self.offset += n as u64;
        if (n as u64) < size {
            return Err(SourceError::malformed(
                &self.container,
                format!("truncated extension header at offset {at}"),
            ));
        }
        self.skip(size.next_multiple_of(512) - size)?;
        Ok(data)
    }

    /// The next member, skipping whatever data of the previous one was not read. `None` at the end.
    pub(crate) fn next_member(&mut self) -> Result<Option<StreamMember>, SourceError> {
        if self.done {
            return Ok(None);
        }
        let rest = self.remaining + self.padding;
        self.remaining = 0;
        self.padding = 0;
        self.skip(rest)?;
        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        let mut pax: Option<Vec<u8>> = None;
        let mut block = [0u8; 512];
        loop {
            let at = self.offset;
            let n = self.read_block(&mut block)?;
            if n == 0 || block.iter().all(|&b| b == 0) && n == 512 {
                self.done = true;
                return Ok(None);
            }
            if n < 512 {
                return Err(SourceError::malformed(
                    &self.container,
                    format!("truncated tar header at offset {at}"),
                ));
            }
            let header = tar::Header::from_byte_slice(&block);
            let sum: u32 =
                block[..148].iter().chain(&[b' '; 8]).chain(&block[156..]).map(|&b| u32::from(b)).sum();
            if header.cksum().ok() != Some(sum) {
                return Err(SourceError::malformed(
                    &self.container,
                    format!("not a tar archive or corrupt header at offset {at} (checksum mismatch)"),
                ));
            }
            let mut size = header.entry_size().map_err(|e| {
                SourceError::malformed(&self.container, format!("bad size field at offset {at}: {e}"))
            })?;
            let t = header.entry_type();
            if t.is_gnu_longname() {
                long_name = Some(self.read_extension(size, at)?);
                continue;
            }
            if t.is_gnu_longlink() {
                long_link = Some(self.read_extension(size, at)?);
                continue;
            }
            if t.is_pax_local_extensions() {
                pax = Some(self.read_extension(size, at)?);
                continue;
            }
            if t.is_pax_global_extensions() {
                self.read_extension(size, at)?;
                continue;
            }
            let mut name_bytes = long_name.take().unwrap_or_else(|| header.path_bytes().into_owned());
            let mut link_bytes =
                long_link.take().or_else(|| header.link_name_bytes().map(|c| c.into_owned()));
            if let Some(p) = pax.take() {
                for ext in tar::PaxExtensions::new(&p).flatten() {
                    match ext.key() {
                        Ok("path") => name_bytes = ext.value_bytes().to_vec(),
                        Ok("linkpath") => link_bytes = Some(ext.value_bytes().to_vec()),
                        Ok("size") => {
                            if let Some(s) = ext.value().ok().and_then(|v| v.parse::<u64>().ok()) {
                                size = s;
                            }
                        }
                        _ => {}
                    }
                }
            }
            let name = normalize(&self.container, &name_of(&self.container, &name_bytes)?)?;
            let kind = if t.is_file() || t.is_contiguous() {
                MemberKind::File
            } else if t.is_symlink() {
                MemberKind::Symlink(name_of(&self.container, &link_bytes.unwrap_or_default())?)
            } else if t.is_hard_link() {
                let target = name_of(&self.container, &link_bytes.unwrap_or_default())?;
                MemberKind::HardLink(normalize(&self.container, &target)?)
            } else {
                MemberKind::Other
            };
            self.remaining = size;
            self.padding = size.checked_next_multiple_of(512).unwrap_or(size) - size;
            if name.is_empty() {
                let rest = self.remaining + self.padding;
                self.remaining = 0;
                self.padding = 0;
                self.skip(rest)?;
                continue;
            }
            return Ok(Some(StreamMember { name, kind, size }));
        }
    }

    /// Reader over the current member's data (at most its size; an early end is an error).
    pub(crate) fn data(&mut self) -> MemberData<'_, R> {
        MemberData { stream: self }
    }
}

/// The data of the current member of a [`TarStream`].
pub(crate) struct MemberData<'a, R> {
    stream: &'a mut TarStream<R>,
}

impl<R: Read> Read for MemberData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let max = usize::try_from(self.stream.remaining).unwrap_or(usize::MAX).min(buf.len());
        if max == 0 {
            return Ok(0);
        }
        let n = self.stream.inner.read(&mut buf[..max])?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("{}: member data truncated", self.stream.container),
            ));
        }
        self.stream.remaining -= n as u64;
        self.stream.offset += n as u64;
        Ok(n)
    }
}

/// Fuzz entry point: reads every member header and all data of an in-memory tar stream; returns the
/// number of members. Never panics.
pub fn read_tar_stream_bytes(bytes: &[u8]) -> Result<usize, SourceError> {
    let mut s = TarStream::new(bytes, "<memory>");
    let mut n = 0;
    while s.next_member()?.is_some() {
        std::io::copy(&mut s.data(), &mut std::io::sink())
            .map_err(|e| SourceError::Read { what: "<memory>".to_string(), source: e })?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn members(bytes: &[u8]) -> Result<Vec<(StreamMember, Vec<u8>)>, SourceError> {
        let mut s = TarStream::new(bytes, "t");
        let mut out = Vec::new();
        while let Some(m) = s.next_member()? {
            let mut v = Vec::new();
            // Read only the first half: the rest must be skipped correctly.
            let half = m.size / 2;
            s.data()
                .take(half)
                .read_to_end(&mut v)
                .map_err(|e| SourceError::Read { what: "t".into(), source: e })?;
            out.push((m, v));
        }
        Ok(out)
    }

    #[test]
    fn reads_members_and_skips_unread_data() {
        let mut b = tar::Builder::new(Vec::new());
        let long = format!("{}/layer.tar", "x".repeat(150));
        for (name, data) in [("./a/json", &b"{\"id\":1}"[..]), (long.as_str(), &[7u8; 1500][..])] {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            b.append_data(&mut h, name, data).unwrap();
        }
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, "b/layer.tar", "../a/json").unwrap();
        let bytes = b.into_inner().unwrap();
        let got = members(&bytes).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].0.name, "a/json");
        assert_eq!(got[0].1, b"{\"id".to_vec());
        assert_eq!(got[1].0.name, long);
        assert_eq!(got[1].0.size, 1500);
        assert_eq!(got[1].1, vec![7u8; 750]);
        assert_eq!(got[2].0.kind, MemberKind::Symlink("../a/json".into()));
    }

    #[test]
    fn hostile_streams_are_errors() {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::GNULongName);
        h.set_size(MAX_EXTENSION_SIZE + 1);
        h.set_path("././@LongLink").unwrap();
        h.set_cksum();
        assert!(matches!(members(h.as_bytes()), Err(SourceError::TooLarge { .. })));
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(4096);
        b.append_data(&mut h, "big", &[1u8; 4096][..]).unwrap();
        let bytes = b.into_inner().unwrap();
        assert!(members(&bytes[..1024]).unwrap_err().to_string().contains("truncated"));
        let mut bad = bytes.clone();
        bad[..3].copy_from_slice(b"../");
        let mut hh = tar::Header::from_byte_slice(&bad[..512]).clone();
        hh.set_cksum();
        bad[..512].copy_from_slice(hh.as_bytes());
        assert!(matches!(members(&bad), Err(SourceError::UnsafePath { .. })));
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let _ = members(&bytes);
            let _ = read_tar_stream_bytes(&bytes);
        }
    }
}
