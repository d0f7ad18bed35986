//! The worker's local OSV database: updated on an interval from the configured source, with a
//! content version recorded in every result, and a sequence lock so that a scan knows which version
//! it matched against.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

/// The content version of a database: a hash of its schema and, per source, the archive's ETag,
/// size, CRC32C and record count — equal on every worker that loaded the same data, whenever it did.
/// `None` when there is no usable database.
pub fn db_version(path: &Path) -> Option<String> {
    let db = seawall_vulndb::VulnDb::open_read_only(path).ok()?;
    let status = db.status().ok()?;
    if status.sources.is_empty() {
        return None;
    }
    let mut h = Sha256::new();
    h.update(status.schema_version.to_le_bytes());
    for s in &status.sources {
        for part in [
            s.name.as_str(),
            s.etag.as_deref().unwrap_or(""),
            &s.size.map(|n| n.to_string()).unwrap_or_default(),
            s.crc32c.as_deref().unwrap_or(""),
            &s.records.to_string(),
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
    }
    Some(format!("osv-{}", &hex::encode(h.finalize())[..16]))
}

/// The database shared by a worker's scans and its updater.
///
/// `epoch` is a sequence lock: odd while an update may be replacing the file. A scan notes the
/// epoch before it starts and checks it after; a change means the DB may have been swapped under it,
/// and the scan is repeated, so the version stored with a result is the one it was matched against.
#[derive(Debug)]
pub struct LocalDb {
    /// The database file.
    pub path: PathBuf,
    /// Where updates come from (URL or directory).
    pub source: String,
    /// Ecosystems to fetch.
    pub ecosystems: Vec<String>,
    epoch: AtomicU64,
    version: Mutex<Option<String>>,
}

impl LocalDb {
    /// A database at `path`, updated from `source`.
    pub fn new(path: PathBuf, source: String, ecosystems: Vec<String>) -> Arc<LocalDb> {
        let version = db_version(&path);
        Arc::new(LocalDb { path, source, ecosystems, epoch: AtomicU64::new(0), version: Mutex::new(version) })
    }

    /// The current content version.
    pub fn version(&self) -> Option<String> {
        self.version.lock().map(|v| v.clone()).unwrap_or(None)
    }

    /// The epoch to note before a scan; waits while an update is in progress.
    pub fn begin_read(&self) -> u64 {
        loop {
            let e = self.epoch.load(Ordering::SeqCst);
            if e.is_multiple_of(2) {
                return e;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Whether the database stayed unchanged since `begin_read` returned `epoch`.
    pub fn unchanged_since(&self, epoch: u64) -> bool {
        self.epoch.load(Ordering::SeqCst) == epoch
    }

    /// Runs `seawall db update` (blocking). Returns a one-line summary for the log.
    pub fn update(&self) -> Result<String, String> {
        let ecos: Vec<&str> = self.ecosystems.iter().map(String::as_str).collect();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        let result = seawall_vulndb::update(&self.path, &self.source, &ecos, &|_, _| {});
        let version = db_version(&self.path);
        if let Ok(mut v) = self.version.lock() {
            *v = version.clone();
        }
        self.epoch.fetch_add(1, Ordering::SeqCst);
        let summary = result.map_err(|e| format!("database update failed: {e}"))?;
        let failed: Vec<String> = summary.failures().map(|(eco, e)| format!("{eco}: {e}")).collect();
        Ok(format!(
            "vulnerability database {} ({}){}{}",
            version.as_deref().unwrap_or("missing"),
            if summary.replaced { "updated" } else { "unchanged" },
            if failed.is_empty() { "" } else { "; failed: " },
            failed.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_database_has_no_version() {
        let d = tempfile::tempdir().ok();
        let p = d.as_ref().map(|d| d.path().join("none.db")).unwrap_or_default();
        assert_eq!(db_version(&p), None);
    }

    #[test]
    fn epoch_detects_an_update_during_a_scan() {
        let db = LocalDb::new(PathBuf::from("/nonexistent/osv.db"), "/nonexistent".into(), vec![]);
        let e = db.begin_read();
        assert!(db.unchanged_since(e));
        let _ = db.update();
        assert!(!db.unchanged_since(e));
        assert!(db.begin_read().is_multiple_of(2));
    }
}
