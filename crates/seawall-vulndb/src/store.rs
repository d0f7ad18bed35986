//! The SQLite store: schema, record insertion, indexed lookups, status.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::DbError;
use crate::names::{ecosystem_base, normalize_name};
use crate::osv::Vulnerability;

/// Schema version written into `meta`; bump when the layout changes.
pub const SCHEMA_VERSION: u32 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources(
    name TEXT PRIMARY KEY, location TEXT NOT NULL, etag TEXT, size INTEGER, crc32c TEXT,
    fetched_at TEXT NOT NULL, records INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS vulns(
    id TEXT PRIMARY KEY, source TEXT NOT NULL, modified TEXT NOT NULL, json BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS affected(
    ecosystem TEXT NOT NULL, name TEXT NOT NULL, vuln_id TEXT NOT NULL,
    PRIMARY KEY(ecosystem, name, vuln_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aliases(
    alias TEXT NOT NULL, vuln_id TEXT NOT NULL, PRIMARY KEY(alias, vuln_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS affected_by_vuln ON affected(vuln_id);
CREATE INDEX IF NOT EXISTS aliases_by_vuln ON aliases(vuln_id);
CREATE INDEX IF NOT EXISTS vulns_by_source ON vulns(source);
";

/// A local OSV vulnerability database (one SQLite file).
#[derive(Debug)]
pub struct VulnDb {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

/// Where one set of records came from, as recorded in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    /// Source name: the ecosystem for `update` (`PyPI`), `import:<path>` for imports.
    pub name: String,
    /// URL or path it was loaded from.
    pub location: String,
    /// HTTP ETag of the downloaded file, if any.
    pub etag: Option<String>,
    /// Size in bytes of the downloaded or imported archive, if known.
    pub size: Option<u64>,
    /// CRC32C (base64, as in `x-goog-hash`) of the archive, if known.
    pub crc32c: Option<String>,
    /// When it was loaded (RFC 3339, UTC).
    pub fetched_at: String,
    /// Records loaded from it (withdrawn ones excluded).
    pub records: u64,
}

/// What `VulnDb::status` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct DbStatus {
    /// Database file.
    pub path: PathBuf,
    /// Schema version.
    pub schema_version: u32,
    /// When the database content last changed (RFC 3339), if ever.
    pub updated_at: Option<String>,
    /// Seconds since `updated_at` (age of the data), if known.
    pub age_seconds: Option<u64>,
    /// Sources, sorted by name.
    pub sources: Vec<SourceStatus>,
    /// Total records.
    pub records: u64,
    /// Records per ecosystem base (`PyPI`, `Debian`, …); a record counts once per ecosystem.
    pub records_by_ecosystem: BTreeMap<String, u64>,
    /// File size in bytes.
    pub file_size: u64,
}

/// Counts from one import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Source name recorded in the database.
    pub source: String,
    /// Records stored (new or replaced).
    pub records: u64,
    /// Withdrawn records skipped (and removed if present).
    pub withdrawn: u64,
    /// Files that could not be parsed: `(file, error)`, at most 100 kept.
    pub errors: Vec<(String, String)>,
    /// Number of files that could not be parsed (may exceed `errors.len()`).
    pub error_count: u64,
}

impl ImportSummary {
    pub(crate) fn error(&mut self, file: String, message: String) {
        self.error_count += 1;
        if self.errors.len() < 100 {
            self.errors.push((file, message));
        }
    }
}

pub(crate) fn now_rfc3339() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl VulnDb {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<VulnDb, DbError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs_err::create_dir_all(parent).map_err(DbError::io(parent))?;
        }
        let conn = Connection::open(&path).map_err(DbError::sqlite(&path))?;
        let db = VulnDb { conn, path };
        db.init()?;
        Ok(db)
    }

    /// Opens an existing database read-only (fails if it does not exist).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<VulnDb, DbError> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(DbError::sqlite(&path))?;
        let db = VulnDb { conn, path };
        db.check_schema()?;
        Ok(db)
    }

    /// Opens an existing database read-only and proves it intact before it is used for matching: the
    /// file is a SQLite database whose size is exactly its page count times its page size (not
    /// truncated), `PRAGMA quick_check` passes (no zeroed or malformed pages), and the schema is this
    /// build's. A corrupt file is [`DbError::Corrupt`] (naming the fix); an intact file of another
    /// schema is [`DbError::Schema`] (rebuildable).
    pub fn open_verified(path: impl AsRef<Path>) -> Result<VulnDb, DbError> {
        let path = path.as_ref().to_path_buf();
        let corrupt = |message: String| DbError::Corrupt { path: path.clone(), message };
        let len = fs_err::metadata(&path).map_err(DbError::io(&path))?.len();
        if len == 0 {
            return Err(corrupt("the file is empty".into()));
        }
        let conn = Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| corrupt(e.to_string()))?;
        let pragma = |name: &str| -> Result<i64, DbError> {
            conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0))
                .map_err(|e| corrupt(format!("PRAGMA {name}: {e}")))
        };
        let (pages, page_size) = (pragma("page_count")?, pragma("page_size")?);
        let expected = u64::try_from(pages.saturating_mul(page_size)).unwrap_or(0);
        if expected != len {
            return Err(corrupt(format!(
                "{len} bytes on disk but {pages} pages of {page_size} bytes ({expected} bytes): truncated or extended"
            )));
        }
        let check: String = conn
            .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
            .map_err(|e| corrupt(format!("integrity check: {e}")))?;
        if check != "ok" {
            return Err(corrupt(format!("integrity check: {check}")));
        }
        let has_meta: bool = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n > 0)
            .map_err(|e| corrupt(e.to_string()))?;
        if !has_meta {
            return Err(corrupt("not a seawall vulnerability database (no meta table)".into()));
        }
        let db = VulnDb { conn, path };
        db.check_schema()?;
        Ok(db)
    }

    /// An in-memory database (tests, one-off matching).
    pub fn in_memory() -> Result<VulnDb, DbError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(DbError::sqlite(&path))?;
        let db = VulnDb { conn, path };
        db.init()?;
        Ok(db)
    }

    /// The database file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn init(&self) -> Result<(), DbError> {
        self.conn
            .execute_batch("PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL;")
            .map_err(DbError::sqlite(&self.path))?;
        self.conn.execute_batch(SCHEMA).map_err(DbError::sqlite(&self.path))?;
        let found: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key='schema_version'", [], |r| r.get(0))
            .optional()
            .map_err(DbError::sqlite(&self.path))?;
        match found {
            None => {
                self.conn
                    .execute(
                        "INSERT INTO meta(key, value) VALUES('schema_version', ?1)",
                        params![SCHEMA_VERSION.to_string()],
                    )
                    .map_err(DbError::sqlite(&self.path))?;
                Ok(())
            }
            Some(_) => self.check_schema(),
        }
    }

    fn check_schema(&self) -> Result<(), DbError> {
        let found: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key='schema_version'", [], |r| r.get(0))
            .optional()
            .map_err(DbError::sqlite(&self.path))?;
        let found = found.unwrap_or_default();
        if found != SCHEMA_VERSION.to_string() {
            return Err(DbError::Schema { path: self.path.clone(), found, expected: SCHEMA_VERSION });
        }
        Ok(())
    }

    /// Starts a write batch; records are inserted with [`Batch::put`] and committed together.
    pub(crate) fn batch(&mut self, source: &str) -> Result<Batch<'_>, DbError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(DbError::sqlite(&path))?;
        Ok(Batch { tx, path, source: source.to_string() })
    }

    /// Removes every record whose source is `source` (used before re-loading a source).
    pub(crate) fn delete_source_records(
        tx: &rusqlite::Transaction<'_>,
        source: &str,
    ) -> rusqlite::Result<()> {
        tx.execute(
            "DELETE FROM affected WHERE vuln_id IN (SELECT id FROM vulns WHERE source = ?1)",
            params![source],
        )?;
        tx.execute(
            "DELETE FROM aliases WHERE vuln_id IN (SELECT id FROM vulns WHERE source = ?1)",
            params![source],
        )?;
        tx.execute("DELETE FROM vulns WHERE source = ?1", params![source])?;
        Ok(())
    }

    /// Ids of the records that affect `(ecosystem base, name)`; the name is normalised here.
    pub fn ids_for_package(&self, ecosystem: &str, name: &str) -> Result<Vec<String>, DbError> {
        let base = ecosystem_base(ecosystem);
        let norm = normalize_name(base, name);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT vuln_id FROM affected WHERE ecosystem = ?1 AND name = ?2 ORDER BY vuln_id",
            )
            .map_err(DbError::sqlite(&self.path))?;
        let rows = stmt
            .query_map(params![base, norm], |r| r.get::<_, String>(0))
            .map_err(DbError::sqlite(&self.path))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(DbError::sqlite(&self.path))
    }

    /// Loads one record by id.
    pub fn get(&self, id: &str) -> Result<Option<Vulnerability>, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT json FROM vulns WHERE id = ?1")
            .map_err(DbError::sqlite(&self.path))?;
        let blob: Option<Vec<u8>> =
            stmt.query_row(params![id], |r| r.get(0)).optional().map_err(DbError::sqlite(&self.path))?;
        let Some(blob) = blob else { return Ok(None) };
        let rerr =
            |message: String| DbError::Record { path: format!("{}#{id}", self.path.display()), message };
        // Records are stored as zstd-compressed JSON; the cap bounds memory on a damaged file.
        let cap = usize::try_from(crate::MAX_RECORD_BYTES).unwrap_or(usize::MAX);
        let json = zstd::bulk::decompress(&blob, cap).map_err(|e| rerr(e.to_string()))?;
        serde_json::from_slice(&json).map(Some).map_err(|e| rerr(e.to_string()))
    }

    /// Record ids that list `alias` (a CVE, GHSA, …) as an alias, plus `alias` itself if stored.
    pub fn ids_for_alias(&self, alias: &str) -> Result<Vec<String>, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT vuln_id FROM aliases WHERE alias = ?1 UNION SELECT id FROM vulns WHERE id = ?1 ORDER BY 1",
            )
            .map_err(DbError::sqlite(&self.path))?;
        let rows =
            stmt.query_map(params![alias], |r| r.get::<_, String>(0)).map_err(DbError::sqlite(&self.path))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(DbError::sqlite(&self.path))
    }

    /// Age, sources and record counts.
    pub fn status(&self) -> Result<DbStatus, DbError> {
        let e = DbError::sqlite;
        let updated_at: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key='updated_at'", [], |r| r.get(0))
            .optional()
            .map_err(e(&self.path))?;
        let age_seconds = updated_at.as_deref().and_then(|u| u.parse::<jiff::Timestamp>().ok()).map(|t| {
            let secs = jiff::Timestamp::now().as_second() - t.as_second();
            u64::try_from(secs).unwrap_or(0)
        });
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name, location, etag, size, crc32c, fetched_at, records FROM sources ORDER BY name",
            )
            .map_err(e(&self.path))?;
        let sources = stmt
            .query_map([], |r| {
                Ok(SourceStatus {
                    name: r.get(0)?,
                    location: r.get(1)?,
                    etag: r.get(2)?,
                    size: r.get::<_, Option<i64>>(3)?.and_then(|s| u64::try_from(s).ok()),
                    crc32c: r.get(4)?,
                    fetched_at: r.get(5)?,
                    records: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
                })
            })
            .map_err(e(&self.path))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(e(&self.path))?;
        let records: i64 =
            self.conn.query_row("SELECT COUNT(*) FROM vulns", [], |r| r.get(0)).map_err(e(&self.path))?;
        let mut by_eco = BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare("SELECT ecosystem, COUNT(DISTINCT vuln_id) FROM affected GROUP BY ecosystem")
            .map_err(e(&self.path))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(e(&self.path))?;
        for row in rows {
            let (k, v) = row.map_err(e(&self.path))?;
            by_eco.insert(k, u64::try_from(v).unwrap_or(0));
        }
        let file_size = fs_err::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        Ok(DbStatus {
            path: self.path.clone(),
            schema_version: SCHEMA_VERSION,
            updated_at,
            age_seconds,
            sources,
            records: u64::try_from(records).unwrap_or(0),
            records_by_ecosystem: by_eco,
            file_size,
        })
    }
}

/// A write transaction for one source.
pub(crate) struct Batch<'a> {
    tx: rusqlite::Transaction<'a>,
    path: PathBuf,
    source: String,
}

impl Batch<'_> {
    /// Removes the records previously loaded from this batch's source.
    pub(crate) fn clear_source(&self) -> Result<(), DbError> {
        VulnDb::delete_source_records(&self.tx, &self.source).map_err(DbError::sqlite(&self.path))
    }

    /// Stores one record (replacing any record with the same id); withdrawn records are removed
    /// instead. Returns whether the record was stored.
    pub(crate) fn put(&self, v: &Vulnerability) -> Result<bool, DbError> {
        let err = DbError::sqlite;
        let tx = &self.tx;
        tx.prepare_cached("DELETE FROM affected WHERE vuln_id = ?1")
            .and_then(|mut s| s.execute(params![v.id]))
            .map_err(err(&self.path))?;
        tx.prepare_cached("DELETE FROM aliases WHERE vuln_id = ?1")
            .and_then(|mut s| s.execute(params![v.id]))
            .map_err(err(&self.path))?;
        if v.is_withdrawn() || v.id.trim().is_empty() {
            tx.prepare_cached("DELETE FROM vulns WHERE id = ?1")
                .and_then(|mut s| s.execute(params![v.id]))
                .map_err(err(&self.path))?;
            return Ok(false);
        }
        let json = serde_json::to_vec(v)
            .map_err(|e| DbError::Record { path: v.id.clone(), message: e.to_string() })?;
        let json = zstd::bulk::compress(&json, 3)
            .map_err(|e| DbError::Record { path: v.id.clone(), message: format!("compression: {e}") })?;
        tx.prepare_cached("INSERT OR REPLACE INTO vulns(id, source, modified, json) VALUES(?1, ?2, ?3, ?4)")
            .and_then(|mut s| s.execute(params![v.id, self.source, v.modified, json]))
            .map_err(err(&self.path))?;
        let mut aff = tx
            .prepare_cached("INSERT OR IGNORE INTO affected(ecosystem, name, vuln_id) VALUES(?1, ?2, ?3)")
            .map_err(err(&self.path))?;
        for a in &v.affected {
            if let Some(p) = &a.package {
                let base = ecosystem_base(&p.ecosystem);
                if base.is_empty() || p.name.trim().is_empty() {
                    continue;
                }
                aff.execute(params![base, normalize_name(base, &p.name), v.id]).map_err(err(&self.path))?;
            }
        }
        let mut al = tx
            .prepare_cached("INSERT OR IGNORE INTO aliases(alias, vuln_id) VALUES(?1, ?2)")
            .map_err(err(&self.path))?;
        for a in v.aliases.iter().chain(v.upstream.iter()) {
            al.execute(params![a, v.id]).map_err(err(&self.path))?;
        }
        Ok(true)
    }

    /// Records the source row and commits.
    pub(crate) fn commit(self, location: &str, meta: &SourceMeta) -> Result<u64, DbError> {
        let err = DbError::sqlite;
        let records: i64 = self
            .tx
            .query_row("SELECT COUNT(*) FROM vulns WHERE source = ?1", params![self.source], |r| r.get(0))
            .map_err(err(&self.path))?;
        let now = now_rfc3339();
        self.tx
            .execute(
                "INSERT OR REPLACE INTO sources(name, location, etag, size, crc32c, fetched_at, records)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    self.source,
                    location,
                    meta.etag,
                    meta.size.and_then(|s| i64::try_from(s).ok()),
                    meta.crc32c,
                    now,
                    records
                ],
            )
            .map_err(err(&self.path))?;
        self.tx
            .execute("INSERT OR REPLACE INTO meta(key, value) VALUES('updated_at', ?1)", params![now])
            .map_err(err(&self.path))?;
        self.tx.commit().map_err(err(&self.path))?;
        Ok(u64::try_from(records).unwrap_or(0))
    }
}

/// Change-detection data of a source archive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMeta {
    /// HTTP ETag.
    pub etag: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// CRC32C, base64 of the big-endian value (the `x-goog-hash: crc32c=` format).
    pub crc32c: Option<String>,
}

impl VulnDb {
    /// The stored change-detection data of `source`, if it was loaded before.
    pub fn source_meta(&self, source: &str) -> Result<Option<SourceMeta>, DbError> {
        self.conn
            .query_row("SELECT etag, size, crc32c FROM sources WHERE name = ?1", params![source], |r| {
                Ok(SourceMeta {
                    etag: r.get(0)?,
                    size: r.get::<_, Option<i64>>(1)?.and_then(|s| u64::try_from(s).ok()),
                    crc32c: r.get(2)?,
                })
            })
            .optional()
            .map_err(DbError::sqlite(&self.path))
    }
}
