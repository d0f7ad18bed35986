//! Read-only reader for rpm's *ndb* package database (`Packages.db`, openSUSE / SLES ≥ 15):
//! yields the stored rpm header blobs.
//!
//! Hand-written: no Rust crate reads ndb. Layout as written by rpm's `lib/backend/ndb/rpmpkg.c`
//! (little-endian): a 32-byte header (`RpmP` magic, version 0, generation, number of 4 KiB slot
//! pages), then 16-byte slots (`Slot` magic, package index, block offset, block count) filling the
//! slot pages; each package blob starts at `block offset × 16` with a 16-byte head (`BlbS` magic,
//! package index, checksum, length) followed by the header blob. Every offset is bounds-checked.

use thiserror::Error;

const HEADER_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const BLOB_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");
const PAGE_SIZE: usize = 4096;
const SLOT_SIZE: usize = 16;
const BLOCK_SIZE: usize = 16;
const BLOB_HEAD: usize = 16;

/// Why an ndb file could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum NdbError {
    /// No `RpmP` magic or an unknown version.
    #[error("not an rpm ndb database")]
    NotNdb,
    /// A slot without its magic (corrupt slot pages).
    #[error("corrupt ndb slot {0}")]
    BadSlot(usize),
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    b.get(off..off.checked_add(4)?)?.try_into().ok().map(u32::from_le_bytes)
}

/// The header blobs of an ndb `Packages.db`, with the number of slots whose blob could not be read.
/// Fuzz entry point.
pub fn ndb_blobs(data: &[u8]) -> Result<(Vec<Vec<u8>>, usize), NdbError> {
    if u32_at(data, 0) != Some(HEADER_MAGIC) || u32_at(data, 4) != Some(0) {
        return Err(NdbError::NotNdb);
    }
    let slot_pages = usize::try_from(u32_at(data, 12).ok_or(NdbError::NotNdb)?).unwrap_or(usize::MAX);
    // The header takes the room of two slots on the first page.
    let nslots =
        slot_pages.saturating_mul(PAGE_SIZE / SLOT_SIZE).saturating_sub(2).min(data.len() / SLOT_SIZE);
    let mut blobs = Vec::new();
    let mut broken = 0;
    for i in 0..nslots {
        let off = 32 + i * SLOT_SIZE;
        let (Some(magic), Some(pkg), Some(blkoff)) =
            (u32_at(data, off), u32_at(data, off + 4), u32_at(data, off + 8))
        else {
            break;
        };
        if magic != SLOT_MAGIC {
            return Err(NdbError::BadSlot(i));
        }
        if pkg == 0 {
            continue;
        }
        let blob = (|| {
            let start = usize::try_from(blkoff).ok()?.checked_mul(BLOCK_SIZE)?;
            if u32_at(data, start)? != BLOB_MAGIC || u32_at(data, start + 4)? != pkg {
                return None;
            }
            let len = usize::try_from(u32_at(data, start + 12)?).ok()?;
            let body = start.checked_add(BLOB_HEAD)?;
            data.get(body..body.checked_add(len)?).map(<[u8]>::to_vec)
        })();
        match blob {
            Some(b) => blobs.push(b),
            None => broken += 1,
        }
    }
    Ok((blobs, broken))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Builds an ndb file with one slot page holding the given blobs.
    pub(crate) fn ndb(blobs: &[Vec<u8>]) -> Vec<u8> {
        let mut d = vec![0u8; PAGE_SIZE];
        d[0..4].copy_from_slice(b"RpmP");
        d[12..16].copy_from_slice(&1u32.to_le_bytes());
        for i in 0..(PAGE_SIZE / SLOT_SIZE - 2) {
            d[32 + i * SLOT_SIZE..36 + i * SLOT_SIZE].copy_from_slice(b"Slot");
        }
        for (i, b) in blobs.iter().enumerate() {
            let pkg = i as u32 + 1;
            let blkoff = (d.len() / BLOCK_SIZE) as u32;
            let s = 32 + i * SLOT_SIZE;
            d[s + 4..s + 8].copy_from_slice(&pkg.to_le_bytes());
            d[s + 8..s + 12].copy_from_slice(&blkoff.to_le_bytes());
            let blocks = (BLOB_HEAD + b.len() + 12).div_ceil(BLOCK_SIZE) as u32;
            d[s + 12..s + 16].copy_from_slice(&blocks.to_le_bytes());
            d.extend_from_slice(b"BlbS");
            d.extend_from_slice(&pkg.to_le_bytes());
            d.extend_from_slice(&0u32.to_le_bytes());
            d.extend_from_slice(&(b.len() as u32).to_le_bytes());
            d.extend_from_slice(b);
            d.resize(d.len().div_ceil(BLOCK_SIZE) * BLOCK_SIZE + BLOCK_SIZE, 0);
        }
        d
    }

    #[test]
    fn reads_blobs() {
        let (b, broken) = ndb_blobs(&ndb(&[vec![1, 2, 3], vec![4; 100]])).unwrap();
        assert_eq!(b, [vec![1, 2, 3], vec![4; 100]]);
        assert_eq!(broken, 0);
        assert_eq!(ndb_blobs(b"SQLite format 3\0"), Err(NdbError::NotNdb));
        let mut bad = ndb(&[vec![1]]);
        bad[32 + 16] = b'X';
        assert_eq!(ndb_blobs(&bad), Err(NdbError::BadSlot(1)));
        let good = ndb(&[vec![9; 40]]);
        let (b, broken) = ndb_blobs(&good[..good.len() - 30]).unwrap();
        assert!(b.is_empty());
        assert_eq!(broken, 1);
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let mut d = b"RpmP\0\0\0\0".to_vec();
            d.extend(&b);
            let _ = ndb_blobs(&d);
            let _ = ndb_blobs(&b);
        }
    }
}
