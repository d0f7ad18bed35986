//! Read-only Berkeley DB *hash* reader for rpm's legacy `Packages` database (RHEL/CentOS ≤ 8,
//! Amazon Linux 2, UBI 8): yields the stored values, which are rpm header blobs.
//!
//! Hand-written: no maintained Rust crate reads Berkeley DB hash files (the `rpmdb` crate pins an
//! old rusqlite whose bundled SQLite cannot be linked next to ours, and reads from paths on disk).
//! The layout follows Berkeley DB's `dbinc/db_page.h`: a metadata page, hash pages whose index
//! holds key/value item offsets, and values stored off-page (`H_OFFPAGE`) in chains of overflow
//! pages. Both byte orders are accepted (the metadata magic tells which). Every offset is checked
//! against the buffer, overflow chains are bounded by the page count, so hostile files end in an
//! error, never a panic or a loop.

use thiserror::Error;

const HASH_MAGIC: u32 = 0x0006_1561;
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_HASH: u8 = 13;
const P_OVERFLOW: u8 = 7;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;

/// Why a Berkeley DB file could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum BdbError {
    /// Not a Berkeley DB hash database.
    #[error("not a Berkeley DB hash database")]
    NotHash,
    /// Encrypted databases are not supported.
    #[error("encrypted Berkeley DB")]
    Encrypted,
    /// Page size outside 512..=65536 or not a power of two.
    #[error("invalid Berkeley DB page size {0}")]
    PageSize(u32),
}

struct Db<'a> {
    data: &'a [u8],
    page_size: usize,
    le: bool,
}

impl<'a> Db<'a> {
    fn page(&self, pgno: u32) -> Option<&'a [u8]> {
        let start = usize::try_from(pgno).ok()?.checked_mul(self.page_size)?;
        self.data.get(start..start.checked_add(self.page_size)?)
    }

    fn u16_at(&self, b: &[u8], off: usize) -> Option<u16> {
        let s: [u8; 2] = b.get(off..off.checked_add(2)?)?.try_into().ok()?;
        Some(if self.le { u16::from_le_bytes(s) } else { u16::from_be_bytes(s) })
    }

    fn u32_at(&self, b: &[u8], off: usize) -> Option<u32> {
        let s: [u8; 4] = b.get(off..off.checked_add(4)?)?.try_into().ok()?;
        Some(if self.le { u32::from_le_bytes(s) } else { u32::from_be_bytes(s) })
    }

    /// Follows an overflow chain from `pgno`, collecting at most `total` bytes.
    fn overflow(&self, mut pgno: u32, total: usize) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(total.min(self.data.len()));
        let max_pages = self.data.len() / self.page_size + 1;
        for _ in 0..max_pages {
            let page = self.page(pgno)?;
            if *page.get(25)? != P_OVERFLOW {
                return None;
            }
            let used = usize::from(self.u16_at(page, 22)?);
            let chunk = page.get(PAGE_HEADER..PAGE_HEADER.checked_add(used)?)?;
            let want = total.saturating_sub(out.len()).min(chunk.len());
            out.extend_from_slice(chunk.get(..want)?);
            pgno = self.u32_at(page, 16)?;
            if pgno == 0 || out.len() >= total {
                return (out.len() == total).then_some(out);
            }
        }
        None
    }
}

/// What [`bdb_hash_values`] read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BdbContents {
    /// The values (for rpm: the header blobs), in page order.
    pub values: Vec<Vec<u8>>,
    /// Values whose overflow chain or item could not be followed.
    pub broken: usize,
    /// Pages the metadata declares (`last_pgno`) that the file does not hold: a truncated database.
    pub missing_pages: u64,
}

/// The values of a Berkeley DB hash database, in page order. Values that cannot be followed (broken
/// chains) and pages missing from a truncated file are counted, never silently dropped. Fuzz entry
/// point.
pub fn bdb_hash_values(data: &[u8]) -> Result<BdbContents, BdbError> {
    let magic_le = data.get(12..16).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let magic_be = data.get(12..16).and_then(|b| b.try_into().ok()).map(u32::from_be_bytes);
    let le = match (magic_le, magic_be) {
        (Some(HASH_MAGIC), _) => true,
        (_, Some(HASH_MAGIC)) => false,
        _ => return Err(BdbError::NotHash),
    };
    let probe = Db { data, page_size: 512, le };
    let page_size = probe.u32_at(data, 20).ok_or(BdbError::NotHash)?;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(BdbError::PageSize(page_size));
    }
    if data.get(24).is_some_and(|&e| e != 0) {
        return Err(BdbError::Encrypted);
    }
    let db = Db { data, page_size: page_size as usize, le };
    let last = db.u32_at(data, 32).ok_or(BdbError::NotHash)?;
    let pages = u32::try_from(data.len() / db.page_size).unwrap_or(u32::MAX);
    let missing_pages = (u64::from(last) + 1).saturating_sub(u64::from(pages));
    let mut values = Vec::new();
    let mut broken = 0;
    for pgno in 0..=last.min(pages.saturating_sub(1)) {
        let Some(page) = db.page(pgno) else { break };
        let ty = page.get(25).copied().unwrap_or(0);
        if ty != P_HASH && ty != P_HASH_UNSORTED {
            continue;
        }
        let entries = usize::from(db.u16_at(page, 20).unwrap_or(0));
        let offsets: Vec<usize> =
            (0..entries).map_while(|i| db.u16_at(page, PAGE_HEADER + 2 * i).map(usize::from)).collect();
        // Items are (key, value) pairs; item i ends where item i-1 starts (item 0 at the page end).
        for i in (1..offsets.len()).step_by(2) {
            let (Some(&off), Some(&end)) = (offsets.get(i), offsets.get(i - 1)) else { break };
            match page.get(off).copied() {
                Some(H_OFFPAGE) => {
                    let item = (db.u32_at(page, off + 4), db.u32_at(page, off + 8));
                    match item {
                        (Some(pg), Some(len)) => match db.overflow(pg, len as usize) {
                            Some(v) => values.push(v),
                            None => broken += 1,
                        },
                        _ => broken += 1,
                    }
                }
                Some(H_KEYDATA) => match page.get(off + 1..end) {
                    Some(v) => values.push(v.to_vec()),
                    None => broken += 1,
                },
                _ => {}
            }
        }
    }
    Ok(BdbContents { values, broken, missing_pages })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::os::rpm::parse_rpm_header;
    use proptest::prelude::*;

    const REAL: &[u8] = include_bytes!("../../testdata/rpm-bdb-Packages");

    #[test]
    fn reads_real_bdb_file() {
        let BdbContents { values, broken, missing_pages } = bdb_hash_values(REAL).unwrap();
        assert_eq!((broken, missing_pages), (0, 0));
        // four headers and rpm's 4-byte bookkeeping record
        assert_eq!(values.len(), 5);
        let mut names: Vec<String> =
            values.iter().filter_map(|v| parse_rpm_header(v).ok()).map(|h| h.name).collect();
        names.sort();
        assert_eq!(names, ["bash", "gpg-pubkey", "hello-sw", "openssl-libs"]);
        let real =
            values.iter().filter_map(|v| parse_rpm_header(v).ok()).find(|h| h.name == "hello-sw").unwrap();
        assert_eq!((real.version.as_str(), real.release.as_str(), real.epoch), ("2.12.1", "3.el9", Some(2)));
        assert_eq!(real.arch, "noarch");
        assert_eq!(real.source_rpm.as_deref(), Some("hello-sw-2.12.1-3.el9.src.rpm"));
        let bash = values.iter().filter_map(|v| parse_rpm_header(v).ok()).find(|h| h.name == "bash").unwrap();
        assert_eq!((bash.version.as_str(), bash.release.as_str(), bash.epoch), ("5.1.8", "6.el9", Some(1)));
    }

    #[test]
    fn rejects_other_files() {
        assert_eq!(bdb_hash_values(b"SQLite format 3\0"), Err(BdbError::NotHash));
        let mut bad = REAL.to_vec();
        bad[20] = 3; // page size 515
        assert!(matches!(bdb_hash_values(&bad), Err(BdbError::PageSize(_))));
    }

    #[test]
    fn truncated_file_skips_broken_chains() {
        let c = bdb_hash_values(&REAL[..REAL.len() - 512]).unwrap();
        assert!(c.values.len() + c.broken <= 5);
        assert!(c.broken >= 1 || c.values.len() < 5);
        assert_eq!(c.missing_pages, 1, "the truncation itself is visible");
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = bdb_hash_values(&b);
        }
        #[test]
        fn never_panics_mutated(idx in 0usize..5632, val in any::<u8>(), idx2 in 0usize..5632, val2 in any::<u8>()) {
            let mut d = REAL.to_vec();
            d[idx] = val;
            d[idx2] = val2;
            let _ = bdb_hash_values(&d);
        }
    }
}
