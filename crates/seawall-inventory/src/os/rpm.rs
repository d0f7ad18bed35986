//! rpm databases: `rpmdb.sqlite` (RHEL ≥ 9, Fedora ≥ 33, Rocky, Alma, UBI 9) and Berkeley DB
//! `Packages` (RHEL/CentOS ≤ 8, Amazon Linux 2, UBI 8; read by [`crate::os::bdb`]) and ndb
//! `Packages.db` (openSUSE / SLES; [`crate::os::ndb`]).
//!
//! The SQLite file is loaded into an in-memory connection with `Connection::deserialize_read_exact`
//! (rusqlite's `serialize` feature): nothing is written to disk. The header blobs of the `Packages`
//! table are parsed by hand ([`parse_rpm_header`]): the blob format is a 40-line binary layout and the
//! Rust rpm crates (`rpm`) parse whole `.rpm` files with leads and signatures, not database blobs.

use std::io::Read;

use rusqlite::{Connection, OpenFlags};
use seawall_analyzer::{AnalyzerError, EntryMeta, Facts, FileAnalyzer, Interest};
use seawall_core::SourcePackage;
use thiserror::Error;

use crate::common::{Out, read_bounded};
use crate::os::bdb::{BdbError, bdb_hash_values};
use crate::os::ndb::ndb_blobs;
use crate::os::{ECOSYSTEM_REDHAT, OsEntry, PROP_RPM_EPOCH, PROP_RPM_EVR, push_os_package};

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_I18NSTRING: u32 = 9;

/// rpm's own limits (`HEADER_TAGS_MAX`, `HEADER_DATA_MAX`).
const MAX_TAGS: u32 = 0xffff;
const MAX_DATA: u32 = 256 * 1024 * 1024;

/// Why a header blob could not be parsed.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RpmHeaderError {
    /// The blob is shorter than its declared index and data.
    #[error("rpm header truncated: need {need} bytes, have {have}")]
    Truncated {
        /// Bytes required by the declared sizes.
        need: u64,
        /// Bytes present.
        have: usize,
    },
    /// Index count or data length exceed rpm's own limits.
    #[error("rpm header too large: {tags} tags, {data} data bytes")]
    TooLarge {
        /// Declared tag count.
        tags: u32,
        /// Declared data length.
        data: u32,
    },
    /// A required tag is missing.
    #[error("rpm header lacks tag {0}")]
    MissingTag(u32),
}

/// The fields seawall reads from an rpm header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RpmHeader {
    /// `NAME`.
    pub name: String,
    /// `VERSION`.
    pub version: String,
    /// `RELEASE`.
    pub release: String,
    /// `EPOCH`, if present.
    pub epoch: Option<u32>,
    /// `ARCH`.
    pub arch: String,
    /// `SOURCERPM` (`bash-5.1.8-6.el9.src.rpm`).
    pub source_rpm: Option<String>,
}

/// Parses an rpm header blob as stored in the rpm database (no lead, no magic: big-endian index
/// count, data length, 16-byte index entries, data store). Fuzz entry point.
pub fn parse_rpm_header(blob: &[u8]) -> Result<RpmHeader, RpmHeaderError> {
    let be32 = |off: usize| -> Option<u32> {
        blob.get(off..off.checked_add(4)?).and_then(|b| b.try_into().ok()).map(u32::from_be_bytes)
    };
    let (Some(il), Some(dl)) = (be32(0), be32(4)) else {
        return Err(RpmHeaderError::Truncated { need: 8, have: blob.len() });
    };
    if il > MAX_TAGS || dl > MAX_DATA {
        return Err(RpmHeaderError::TooLarge { tags: il, data: dl });
    }
    let index_len = u64::from(il) * 16;
    let need = 8 + index_len + u64::from(dl);
    if (blob.len() as u64) < need {
        return Err(RpmHeaderError::Truncated { need, have: blob.len() });
    }
    // Bounded by the checks above (≤ 1 MiB + 256 MiB), so these conversions are exact.
    let data_start = 8 + usize::try_from(index_len).unwrap_or(usize::MAX);
    let data = blob.get(data_start..data_start.saturating_add(dl as usize)).unwrap_or(&[]);
    let mut h = RpmHeader::default();
    for i in 0..il as usize {
        let e = 8 + i * 16;
        let (Some(tag), Some(ty), Some(off), Some(count)) = (be32(e), be32(e + 4), be32(e + 8), be32(e + 12))
        else {
            break;
        };
        let off = off as usize;
        let string = || -> Option<String> {
            if ty != TYPE_STRING && ty != TYPE_I18NSTRING {
                return None;
            }
            let s = data.get(off..)?;
            let end = memchr::memchr(0, s)?;
            Some(String::from_utf8_lossy(s.get(..end)?).into_owned())
        };
        match tag {
            TAG_NAME => h.name = string().unwrap_or_default(),
            TAG_VERSION => h.version = string().unwrap_or_default(),
            TAG_RELEASE => h.release = string().unwrap_or_default(),
            TAG_ARCH => h.arch = string().unwrap_or_default(),
            TAG_SOURCERPM => h.source_rpm = string(),
            TAG_EPOCH if ty == TYPE_INT32 && count >= 1 => {
                h.epoch = data
                    .get(off..off.saturating_add(4))
                    .and_then(|b| b.try_into().ok())
                    .map(u32::from_be_bytes);
            }
            _ => {}
        }
    }
    if h.name.is_empty() {
        return Err(RpmHeaderError::MissingTag(TAG_NAME));
    }
    if h.version.is_empty() {
        return Err(RpmHeaderError::MissingTag(TAG_VERSION));
    }
    Ok(h)
}

/// `bash-5.1.8-6.el9.src.rpm` → (`bash`, `5.1.8-6.el9`).
pub(crate) fn split_source_rpm(s: &str) -> Option<(String, String)> {
    let base = s.strip_suffix(".src.rpm").or_else(|| s.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = base.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name.to_string(), format!("{version}-{release}")))
}

/// Reads rpm databases in memory: `rpmdb.sqlite` (any directory), and Berkeley DB `Packages` / ndb
/// `Packages.db` in `var/lib/rpm`, `usr/lib/sysimage/rpm` and `usr/share/rpm`. Packages get
/// ecosystem `Red Hat` (rewritten by [`crate::apply_os`]), version `[epoch:]version-release`,
/// `source` from `SOURCERPM`, `properties["arch"]`, `["rpm.epoch"]`, `["rpm.version_release"]` and a
/// `pkg:rpm/redhat/…` purl. `gpg-pubkey` pseudo-packages are skipped. An empty file, unreadable
/// rows, broken overflow chains and pages missing from a truncated file are warnings naming the file.
#[derive(Debug, Default, Clone, Copy)]
pub struct RpmAnalyzer;

/// Largest rpm database read (128 MiB; typical databases are 5–40 MiB).
const RPM_MAX_SIZE: u64 = 128 * 1024 * 1024;

/// The directories rpm keeps its database in (RHEL/Fedora, openSUSE ≥ 15 / SLES, and the
/// `%_dbpath` some distributions configure).
const RPM_DIRS: &[&str] = &["var/lib/rpm/", "usr/lib/sysimage/rpm/", "usr/share/rpm/"];

impl RpmAnalyzer {
    /// Berkeley DB `Packages` or ndb `Packages.db` in one of [`RPM_DIRS`].
    fn is_legacy(rel: &str) -> bool {
        RPM_DIRS.iter().any(|d| rel.strip_prefix(d).is_some_and(|n| n == "Packages" || n == "Packages.db"))
    }

    /// The header blobs of a Berkeley DB or ndb file, with warnings for what could not be read.
    fn legacy_blobs(bytes: &[u8], out: &mut Out<'_, '_>) -> Result<Vec<(i64, Vec<u8>)>, AnalyzerError> {
        match bdb_hash_values(bytes) {
            Ok(c) => {
                if c.broken > 0 {
                    out.warn(
                        None,
                        format!(
                            "{} Berkeley DB values could not be followed (truncated or corrupt database)",
                            c.broken
                        ),
                    );
                }
                if c.missing_pages > 0 {
                    out.warn(
                        None,
                        format!("Berkeley DB truncated: {} declared pages missing", c.missing_pages),
                    );
                }
                // rpm's bookkeeping record (key 0: the next header number) is 4 bytes: not a header.
                Ok(c.values.into_iter().filter(|v| v.len() >= 24).zip(1..).map(|(v, i)| (i, v)).collect())
            }
            Err(BdbError::NotHash) => {
                match ndb_blobs(bytes) {
                    Ok((blobs, broken)) => {
                        if broken > 0 {
                            out.warn(
                            None,
                            format!("{broken} ndb package blobs could not be read (truncated or corrupt database)"),
                        );
                        }
                        Ok(blobs.into_iter().zip(1..).map(|(v, i)| (i, v)).collect())
                    }
                    Err(e) => Err(AnalyzerError::parse(format!("rpm Packages database: {e}"))),
                }
            }
            Err(e) => Err(AnalyzerError::parse(format!("rpm Berkeley DB: {e}"))),
        }
    }
}

impl FileAnalyzer for RpmAnalyzer {
    fn name(&self) -> &'static str {
        "rpm"
    }

    fn version(&self) -> u32 {
        2
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        if !meta.is_file() {
            return Interest::No;
        }
        let rel = meta.rel_path();
        if meta.file_name() == "rpmdb.sqlite" || Self::is_legacy(rel) { Interest::Yes } else { Interest::No }
    }

    fn max_size(&self) -> u64 {
        RPM_MAX_SIZE
    }

    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        facts: &mut Facts,
    ) -> Result<(), AnalyzerError> {
        if meta.size > RPM_MAX_SIZE {
            return Err(AnalyzerError::Limit(format!("rpm database larger than {RPM_MAX_SIZE} bytes")));
        }
        let size = usize::try_from(meta.size).map_err(|_| AnalyzerError::Limit("rpmdb too large".into()))?;
        if size == 0 {
            return Err(AnalyzerError::parse("empty rpm database (0 bytes)"));
        }
        let mut out = Out::new(self.name(), meta, facts);
        let blobs = if Self::is_legacy(meta.rel_path()) {
            let bytes = read_bounded(content, RPM_MAX_SIZE)?;
            Self::legacy_blobs(&bytes, &mut out)?
        } else {
            // Streamed into SQLite's own buffer: the database is held once, not twice.
            read_packages_table(content, size)
                .map_err(|e| AnalyzerError::parse(format!("rpmdb.sqlite: {e}")))?
        };
        for (hnum, blob) in blobs {
            let h = match parse_rpm_header(&blob) {
                Ok(h) => h,
                Err(e) => {
                    out.warn(None, format!("Packages row {hnum}: {e}"));
                    continue;
                }
            };
            if h.name == "gpg-pubkey" {
                continue;
            }
            push_os_package(&mut out, ECOSYSTEM_REDHAT, entry(h));
        }
        Ok(())
    }
}

/// An rpm header as an [`OsEntry`]: version `[epoch:]version-release`, epoch and version-release
/// as properties (the purl carries them separately), source from `SOURCERPM`.
fn entry(h: RpmHeader) -> OsEntry {
    let evr = if h.release.is_empty() { h.version.clone() } else { format!("{}-{}", h.version, h.release) };
    let version = match h.epoch {
        Some(e) => format!("{e}:{evr}"),
        None => evr.clone(),
    };
    let mut properties = vec![(PROP_RPM_EVR, evr)];
    if let Some(e) = h.epoch {
        properties.push((PROP_RPM_EPOCH, e.to_string()));
    }
    let source = h
        .source_rpm
        .as_deref()
        .and_then(split_source_rpm)
        .map(|(name, version)| SourcePackage { name, version });
    OsEntry { name: h.name, version, arch: h.arch, source, line: None, properties }
}

/// Loads the database bytes into an in-memory, read-only SQLite connection and returns the
/// `(hnum, blob)` rows of the `Packages` table. Refuses a `Packages` that is a view (a hostile
/// database could make a view arbitrarily expensive).
fn read_packages_table(content: &mut dyn Read, size: usize) -> rusqlite::Result<Vec<(i64, Vec<u8>)>> {
    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.deserialize_read_exact(rusqlite::MAIN_DB, NoWal { inner: content, pos: 0 }, size, true)?;
    conn.execute_batch("PRAGMA trusted_schema = OFF; PRAGMA query_only = ON;")?;
    let is_table: bool = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'Packages'",
        [],
        |r| r.get::<_, i64>(0).map(|n| n == 1),
    )?;
    if !is_table {
        return Err(rusqlite::Error::QueryReturnedNoRows);
    }
    let mut stmt = conn.prepare("SELECT hnum, blob FROM Packages")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
    rows.collect()
}

/// rpm keeps its database in WAL mode (header bytes 18–19 = 2), which SQLite's in-memory VFS cannot
/// open; this reader rewrites those two bytes to 1 (rollback journal) as they stream past. The WAL
/// file itself, if any, is a separate file that a checkpointed image does not need.
struct NoWal<'a> {
    inner: &'a mut dyn Read,
    pos: u64,
}

impl Read for NoWal<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for off in [18u64, 19] {
            let idx = off.checked_sub(self.pos).and_then(|i| usize::try_from(i).ok());
            if let Some(b) = idx.and_then(|i| buf.get_mut(..n)?.get_mut(i))
                && *b == 2
            {
                *b = 1;
            }
        }
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Builds a header blob from (tag, type, payload) entries.
    pub(crate) fn header(entries: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, ty, payload) in entries {
            if *ty == TYPE_INT32 {
                while data.len() % 4 != 0 {
                    data.push(0);
                }
            }
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&ty.to_be_bytes());
            index.extend_from_slice(&(data.len() as u32).to_be_bytes());
            index.extend_from_slice(&1u32.to_be_bytes());
            data.extend_from_slice(payload);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    fn s(v: &str) -> Vec<u8> {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        b
    }

    pub(crate) fn bash_header() -> Vec<u8> {
        header(&[
            (TAG_NAME, TYPE_STRING, s("bash")),
            (TAG_VERSION, TYPE_STRING, s("5.1.8")),
            (TAG_RELEASE, TYPE_STRING, s("6.el9")),
            (TAG_EPOCH, TYPE_INT32, 1u32.to_be_bytes().to_vec()),
            (TAG_ARCH, TYPE_STRING, s("x86_64")),
            (TAG_SOURCERPM, TYPE_STRING, s("bash-5.1.8-6.el9.src.rpm")),
        ])
    }

    #[test]
    fn parses_header() {
        let h = parse_rpm_header(&bash_header()).unwrap();
        assert_eq!(h.name, "bash");
        assert_eq!(h.version, "5.1.8");
        assert_eq!(h.release, "6.el9");
        assert_eq!(h.epoch, Some(1));
        assert_eq!(h.arch, "x86_64");
        assert_eq!(
            split_source_rpm(h.source_rpm.as_deref().unwrap()),
            Some(("bash".into(), "5.1.8-6.el9".into()))
        );
    }

    #[test]
    fn rejects_bad_headers() {
        assert!(matches!(parse_rpm_header(&[0, 0]), Err(RpmHeaderError::Truncated { .. })));
        assert!(matches!(parse_rpm_header(&[0xff; 8]), Err(RpmHeaderError::TooLarge { .. })));
        let b = bash_header();
        assert!(matches!(parse_rpm_header(&b[..b.len() - 1]), Err(RpmHeaderError::Truncated { .. })));
        let only_version = header(&[(TAG_VERSION, TYPE_STRING, s("1"))]);
        assert_eq!(parse_rpm_header(&only_version), Err(RpmHeaderError::MissingTag(TAG_NAME)));
    }

    fn sqlite_bytes(blobs: &[Vec<u8>]) -> Vec<u8> {
        let mut c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);",
        )
        .unwrap();
        for b in blobs {
            c.execute("INSERT INTO Packages (blob) VALUES (?1)", [b]).unwrap();
        }
        c.serialize(rusqlite::MAIN_DB).unwrap().to_vec()
    }

    #[test]
    fn analyzer_reads_sqlite_in_memory() {
        let gpg =
            header(&[(TAG_NAME, TYPE_STRING, s("gpg-pubkey")), (TAG_VERSION, TYPE_STRING, s("fd431d51"))]);
        let mut bytes = sqlite_bytes(&[bash_header(), gpg, vec![1, 2, 3]]);
        // as rpm leaves it: WAL mode in the header
        bytes[18] = 2;
        bytes[19] = 2;
        let meta = EntryMeta::file("/var/lib/rpm/rpmdb.sqlite", bytes.len() as u64, Some(0));
        let a = RpmAnalyzer;
        assert_eq!(a.required(&meta), Interest::Yes);
        let mut f = Facts::default();
        a.analyze(&meta, &mut bytes.as_slice(), &mut f).unwrap();
        assert_eq!(f.packages.len(), 1);
        let p = &f.packages[0];
        assert_eq!(p.name, "bash");
        assert_eq!(p.version, "1:5.1.8-6.el9");
        assert_eq!(p.ecosystem, "Red Hat");
        assert_eq!(
            p.purl.as_deref(),
            Some("pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64&epoch=1&upstream=bash-5.1.8-6.el9.src.rpm")
        );
        assert_eq!(p.source.as_ref().unwrap().name, "bash");
        assert_eq!(f.warnings.len(), 1, "corrupt row reported");
    }

    #[test]
    fn garbage_sqlite_is_an_error_not_a_panic() {
        let bytes = b"SQLite format 3\0 garbage garbage".to_vec();
        let meta = EntryMeta::file("var/lib/rpm/rpmdb.sqlite", bytes.len() as u64, None);
        let mut f = Facts::default();
        assert!(RpmAnalyzer.analyze(&meta, &mut bytes.as_slice(), &mut f).is_err());
        // size in meta larger than the content: read_exact fails cleanly
        let meta = EntryMeta::file("var/lib/rpm/rpmdb.sqlite", 4096, None);
        assert!(RpmAnalyzer.analyze(&meta, &mut &b"x"[..], &mut f).is_err());
    }

    #[test]
    fn reads_ndb() {
        let bytes = crate::os::ndb::tests::ndb(&[bash_header()]);
        let meta = EntryMeta::file("/usr/lib/sysimage/rpm/Packages.db", bytes.len() as u64, Some(0));
        assert_eq!(RpmAnalyzer.required(&meta), Interest::Yes);
        let mut f = Facts::default();
        RpmAnalyzer.analyze(&meta, &mut bytes.as_slice(), &mut f).unwrap();
        assert_eq!(f.packages.len(), 1);
        assert_eq!(f.packages[0].version, "1:5.1.8-6.el9");
        let mut f = Facts::default();
        assert!(RpmAnalyzer.analyze(&meta, &mut &b"garbage..."[..], &mut f).is_err());
    }

    #[test]
    fn reads_berkeley_db() {
        let bytes = include_bytes!("../../testdata/rpm-bdb-Packages");
        let meta = EntryMeta::file("/var/lib/rpm/Packages", bytes.len() as u64, Some(0));
        assert_eq!(RpmAnalyzer.required(&meta), Interest::Yes);
        let mut f = Facts::default();
        RpmAnalyzer.analyze(&meta, &mut &bytes[..], &mut f).unwrap();
        let mut got: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        got.sort();
        assert_eq!(
            got,
            [("bash", "1:5.1.8-6.el9"), ("hello-sw", "2:2.12.1-3.el9"), ("openssl-libs", "3.0.7-25.el9_3")]
        );
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);
        let ssl = f.packages.iter().find(|p| p.name == "openssl-libs").unwrap();
        assert_eq!(ssl.source.as_ref().map(|s| s.name.as_str()), Some("openssl"));
    }

    #[test]
    fn empty_database_is_an_error_naming_nothing_silently() {
        // A 0-byte rpm database (sqlite or Berkeley DB) is never a clean empty inventory.
        for path in ["/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages", "/usr/share/rpm/Packages"] {
            let meta = EntryMeta::file(path, 0, Some(0));
            assert_eq!(RpmAnalyzer.required(&meta), Interest::Yes, "{path}");
            let mut f = Facts::default();
            let err = RpmAnalyzer.analyze(&meta, &mut &b""[..], &mut f).unwrap_err();
            assert!(err.to_string().contains("empty rpm database"), "{err}");
        }
    }

    #[test]
    fn truncated_berkeley_db_warns() {
        let bytes = include_bytes!("../../testdata/rpm-bdb-Packages");
        let cut = &bytes[..bytes.len() - 512];
        let meta = EntryMeta::file("/usr/share/rpm/Packages", cut.len() as u64, Some(0));
        let mut f = Facts::default();
        RpmAnalyzer.analyze(&meta, &mut &cut[..], &mut f).unwrap();
        assert!(f.warnings.iter().any(|w| w.message.contains("truncated")), "{:?}", f.warnings);
        assert!(f.warnings.iter().all(|w| w.location.as_ref().unwrap().path == "/usr/share/rpm/Packages"));
    }

    #[test]
    fn database_directories() {
        crate::common::assert_interest(
            &RpmAnalyzer,
            Interest::Yes,
            &[
                "/var/lib/rpm/Packages",
                "/usr/lib/sysimage/rpm/Packages.db",
                "/usr/share/rpm/Packages",
                "/usr/share/rpm/Packages.db",
                "/usr/share/rpm/rpmdb.sqlite",
            ],
        );
        crate::common::assert_interest(
            &RpmAnalyzer,
            Interest::No,
            &["/opt/Packages", "/var/lib/rpm/Packages.bak", "/var/lib/rpm/x/Packages"],
        );
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_rpm_header(&b);
        }
        #[test]
        fn never_panics_small_index(il in 0u32..8, dl in 0u32..64, rest in proptest::collection::vec(any::<u8>(), 0..256)) {
            let mut b = il.to_be_bytes().to_vec();
            b.extend_from_slice(&dl.to_be_bytes());
            b.extend(rest);
            let _ = parse_rpm_header(&b);
        }
    }
}
