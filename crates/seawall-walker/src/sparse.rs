//! GNU sparse files in tar archives: the maps of the old GNU format and of the PAX formats 0.0, 0.1
//! and 1.0, validated as Go's `archive/tar` validates them, so that the walker expands a sparse
//! entry into exactly the content a runtime writes.
//!
//! * 0.0 — repeated `GNU.sparse.offset` / `GNU.sparse.numbytes` PAX records (folded into one map by
//!   `tar::parse_pax`), `GNU.sparse.size`, `GNU.sparse.numblocks`.
//! * 0.1 — `GNU.sparse.map=off,len,off,len…`, `GNU.sparse.numblocks`, `GNU.sparse.size`,
//!   `GNU.sparse.name`.
//! * 1.0 — `GNU.sparse.major=1`, `GNU.sparse.minor=0`, `GNU.sparse.name`, `GNU.sparse.realsize`;
//!   the map is in the entry's data: decimal numbers one per line (count, then offset/length pairs),
//!   padded to a 512-byte block, followed by the stored fragments.
//!
//! Hand-written: no maintained crate reads these formats (the `tar` crate reads only the old GNU one).

use std::io::Read;

use crate::tar::pax_get;

/// Most fragments accepted in one sparse map (Go has no bound; a layer needing more is refused).
pub(crate) const MAX_SPARSE_ENTRIES: usize = 1 << 20;

/// One stored fragment of a sparse file: `length` bytes at logical `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SparseEntry {
    /// Logical offset of the fragment.
    pub offset: u64,
    /// Bytes stored for it.
    pub length: u64,
}

/// A sparse map that a runtime would refuse (Go: `ErrHeader`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid sparse file: {0}")]
pub struct SparseError(pub String);

fn err(m: impl Into<String>) -> SparseError {
    SparseError(m.into())
}

/// What the PAX records of a GNU sparse entry say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PaxSparse {
    /// `GNU.sparse.name`, which replaces the entry's name.
    pub(crate) name: Option<Vec<u8>>,
    /// `GNU.sparse.size` or `GNU.sparse.realsize`: the expanded size.
    pub(crate) size: Option<i64>,
    /// The map from the records (0.0, 0.1); `None` for 1.0, whose map starts the data.
    pub(crate) map: Option<Vec<(i64, i64)>>,
}

fn parse_i64(v: &[u8]) -> Result<i64, SparseError> {
    std::str::from_utf8(v).ok().and_then(|s| s.parse::<i64>().ok()).ok_or_else(|| err("number expected"))
}

/// Reads the GNU sparse PAX records of an entry (Go's `readGNUSparsePAXHeaders`). `Ok(None)` when
/// the entry is not a PAX sparse file, or of an unknown sparse version (then a plain file, as in Go).
pub(crate) fn from_pax(records: &[(Vec<u8>, Vec<u8>)]) -> Result<Option<PaxSparse>, SparseError> {
    let get = |k: &str| pax_get(records, k).unwrap_or(b"");
    let (major, minor) = (get("GNU.sparse.major"), get("GNU.sparse.minor"));
    let is_1_0 = match (major, minor) {
        (b"0", b"0" | b"1") => false,
        (b"1", b"0") => true,
        _ if !major.is_empty() || !minor.is_empty() => return Ok(None),
        _ if !get("GNU.sparse.map").is_empty() => false,
        _ => return Ok(None),
    };
    let name = Some(get("GNU.sparse.name").to_vec()).filter(|n| !n.is_empty());
    let size_v = Some(get("GNU.sparse.size")).filter(|v| !v.is_empty()).or(Some(get("GNU.sparse.realsize")));
    let size = match size_v.filter(|v| !v.is_empty()) {
        Some(v) => Some(parse_i64(v)?),
        None => None,
    };
    if is_1_0 {
        return Ok(Some(PaxSparse { name, size, map: None }));
    }
    let count =
        parse_i64(get("GNU.sparse.numblocks")).map_err(|_| err("GNU.sparse.numblocks missing or invalid"))?;
    if count < 0 || usize::try_from(count).map_or(true, |c| c > MAX_SPARSE_ENTRIES) {
        return Err(err("GNU.sparse.numblocks out of range"));
    }
    let raw = get("GNU.sparse.map");
    let parts: Vec<&[u8]> = if raw.is_empty() { Vec::new() } else { raw.split(|&b| b == b',').collect() };
    if parts.len() as i64 != 2 * count {
        return Err(err("GNU.sparse.map does not have numblocks pairs"));
    }
    let mut map = Vec::with_capacity(parts.len() / 2);
    for pair in parts.chunks(2) {
        map.push((parse_i64(pair[0])?, parse_i64(pair[1])?));
    }
    Ok(Some(PaxSparse { name, size, map: Some(map) }))
}

/// Reads a 1.0 sparse map from the start of an entry's data (Go's `readGNUSparseMap1x0`): whole
/// 512-byte blocks until the count and every offset/length line have been read.
pub fn read_map_1_0(r: &mut dyn Read) -> Result<Vec<(i64, i64)>, SparseError> {
    let mut buf: Vec<u8> = Vec::new();
    let mut pos = 0usize;
    let mut next_token = |buf: &mut Vec<u8>, pos: &mut usize| -> Result<i64, SparseError> {
        loop {
            if let Some(nl) = buf[*pos..].iter().position(|&b| b == b'\n') {
                let tok = &buf[*pos..*pos + nl];
                let v = parse_i64(tok);
                *pos += nl + 1;
                if *pos > 64 << 10 {
                    buf.drain(..*pos);
                    *pos = 0;
                }
                return v;
            }
            let mut block = [0u8; 512];
            r.read_exact(&mut block).map_err(|e| err(format!("sparse map truncated: {e}")))?;
            buf.extend_from_slice(&block);
        }
    };
    let count = next_token(&mut buf, &mut pos)?;
    if count < 0 || usize::try_from(count).map_or(true, |c| c > MAX_SPARSE_ENTRIES) {
        return Err(err("sparse map entry count out of range"));
    }
    let mut map = Vec::new();
    for _ in 0..count {
        let offset = next_token(&mut buf, &mut pos)?;
        let length = next_token(&mut buf, &mut pos)?;
        map.push((offset, length));
    }
    Ok(map)
}

/// Validates a map against the expanded size (Go's `validateSparseEntries`: non-negative, in order,
/// not overlapping, within the size) and returns the fragments and the size.
pub fn checked(entries: &[(i64, i64)], size: i64) -> Result<(Vec<SparseEntry>, u64), SparseError> {
    let size = u64::try_from(size).map_err(|_| err("negative size"))?;
    if entries.len() > MAX_SPARSE_ENTRIES {
        return Err(err("sparse map too long"));
    }
    let mut out = Vec::with_capacity(entries.len());
    let mut prev_end = 0u64;
    for &(offset, length) in entries {
        let (Ok(offset), Ok(length)) = (u64::try_from(offset), u64::try_from(length)) else {
            return Err(err("negative offset or length"));
        };
        if offset > i64::MAX as u64 - length {
            return Err(err("fragment end overflows"));
        }
        let end = offset + length;
        if end > size {
            return Err(err(format!("fragment {offset}+{length} extends beyond the size {size}")));
        }
        if prev_end > offset {
            return Err(err("fragments overlap or are out of order"));
        }
        prev_end = end;
        if length > 0 {
            out.push(SparseEntry { offset, length });
        }
    }
    Ok((out, size))
}

/// Fuzz entry point: parses `data` as a 1.0 map, as PAX records and as a 0.x map, and validates what
/// parses. Never panics.
pub fn fuzz_sparse(data: &[u8]) {
    if let Ok(map) = read_map_1_0(&mut &data[..]) {
        let _ = checked(&map, i64::MAX);
        let _ = checked(&map, 1 << 20);
    }
    if let Ok(records) = crate::tar::parse_pax(data)
        && let Ok(Some(s)) = from_pax(&records)
        && let Some(map) = s.map
    {
        let _ = checked(&map, s.size.unwrap_or(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recs(pairs: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
        pairs.iter().map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec())).collect()
    }

    #[test]
    fn pax_versions_are_recognised_like_go() {
        let s = from_pax(&recs(&[
            ("GNU.sparse.major", "0"),
            ("GNU.sparse.minor", "1"),
            ("GNU.sparse.numblocks", "2"),
            ("GNU.sparse.map", "0,5,100,3"),
            ("GNU.sparse.size", "200"),
            ("GNU.sparse.name", "etc/shadow"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(s.map, Some(vec![(0, 5), (100, 3)]));
        assert_eq!((s.size, s.name.as_deref()), (Some(200), Some(&b"etc/shadow"[..])));
        let one = from_pax(&recs(&[
            ("GNU.sparse.major", "1"),
            ("GNU.sparse.minor", "0"),
            ("GNU.sparse.realsize", "9"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!((one.map, one.size), (None, Some(9)));
        // Unknown versions are plain files in Go.
        assert_eq!(from_pax(&recs(&[("GNU.sparse.major", "2"), ("GNU.sparse.minor", "0")])).unwrap(), None);
        assert_eq!(from_pax(&recs(&[("path", "x")])).unwrap(), None);
        assert!(from_pax(&recs(&[("GNU.sparse.map", "0,5"), ("GNU.sparse.numblocks", "2")])).is_err());
    }

    #[test]
    fn map_1_0_reads_whole_blocks() {
        let mut data = b"2\n0\n5\n600\n3\n".to_vec();
        data.resize(512, 0);
        data.extend_from_slice(b"after");
        let mut r = &data[..];
        assert_eq!(read_map_1_0(&mut r).unwrap(), vec![(0, 5), (600, 3)]);
        assert_eq!(r, b"after");
        assert!(read_map_1_0(&mut &b"2\n0\n"[..]).is_err());
    }

    #[test]
    fn validation_follows_go() {
        assert!(checked(&[(0, 5), (10, 2)], 12).is_ok());
        assert!(checked(&[(0, 5), (4, 2)], 12).is_err(), "overlap");
        assert!(checked(&[(10, 2), (0, 5)], 12).is_err(), "order");
        assert!(checked(&[(0, 13)], 12).is_err(), "beyond size");
        assert!(checked(&[(-1, 2)], 12).is_err());
        assert!(checked(&[], -1).is_err());
        assert_eq!(checked(&[(0, 0), (3, 1)], 4).unwrap().0, vec![SparseEntry { offset: 3, length: 1 }]);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            fuzz_sparse(&data);
        }
    }
}
