//! Helpers for the CLI and the scan pipeline: where the database lives, which ecosystems a scan
//! needs, and whether the data is stale.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use seawall_core::{OsInfo, Package};

use crate::names::{conda_to_pypi, ecosystem_base};
use crate::store::DbStatus;

/// Environment variable naming the database file (`--db` overrides it).
pub const DB_ENV: &str = "SEAWALL_DB";

/// Default age after which the data is called stale (the CLI warns and still scans).
pub const STALE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// The database path: `$SEAWALL_DB`, else `$XDG_CACHE_HOME/seawall/osv.db`, else
/// `$HOME/.cache/seawall/osv.db`, else `./.seawall/osv.db`.
pub fn default_db_path() -> PathBuf {
    if let Some(p) = std::env::var_os(DB_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    if let Some(c) = std::env::var_os("XDG_CACHE_HOME").filter(|p| !p.is_empty()) {
        return PathBuf::from(c).join("seawall").join("osv.db");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|p| !p.is_empty()) {
        return PathBuf::from(h).join(".cache").join("seawall").join("osv.db");
    }
    PathBuf::from(".seawall").join("osv.db")
}

/// The OSV ecosystems (bucket folder names) whose data matching `packages` needs: the package
/// ecosystems' bases, the image OS's ecosystem, and `PyPI` for conda packages. Sorted.
pub fn ecosystems_for(packages: &[Package], os: Option<&OsInfo>) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    if let Some(e) = os.and_then(OsInfo::osv_ecosystem) {
        out.insert(ecosystem_base(&e).to_string());
    }
    for p in packages {
        let base = ecosystem_base(&p.ecosystem);
        if base.eq_ignore_ascii_case("conda") {
            let hint = p.properties.get("conda.python_dist").map(|v| v == "true");
            if conda_to_pypi(&p.name, hint).is_some() {
                out.insert("PyPI".into());
            }
        } else if !base.is_empty() {
            out.insert(base.to_string());
        }
    }
    out.into_iter().collect()
}

impl DbStatus {
    /// Whether the data is older than `max_age` (or its age is unknown).
    pub fn is_stale(&self, max_age: Duration) -> bool {
        self.age_seconds.is_none_or(|a| a > max_age.as_secs())
    }

    /// Ecosystems in `wanted` for which the database holds no record.
    pub fn missing_ecosystems<'a>(&self, wanted: &'a [String]) -> Vec<&'a str> {
        wanted
            .iter()
            .filter(|w| !self.records_by_ecosystem.keys().any(|k| k.eq_ignore_ascii_case(w)))
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_core::Location;

    #[test]
    fn ecosystems_needed() {
        let pkgs = [
            Package::new("numpy", "1.0", "PyPI", Location::file("a")),
            Package::new("pytorch", "2.0", "conda", Location::file("b")),
            Package::new("libc6", "2.36", "Debian", Location::file("c")),
            Package::new("openssl", "3", "conda", Location::file("d")),
        ];
        let os = OsInfo { id: "debian".into(), version_id: "12".into(), ..Default::default() };
        assert_eq!(ecosystems_for(&pkgs, Some(&os)), ["Debian", "PyPI"]);
    }
}
