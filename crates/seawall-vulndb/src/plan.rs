//! Helpers for the CLI and the scan pipeline: where the database lives, which ecosystems a scan
//! needs, and whether the data is stale.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use seawall_core::{Environment, OsInfo, Package};

use crate::names::{conda_to_pypi, ecosystem_base};
use crate::store::DbStatus;

/// Environment variable naming the database file (`--db` overrides it).
pub const DB_ENV: &str = seawall_core::env::SEAWALL_DB;

/// Default age after which the data is called stale (the CLI warns and still scans).
pub const STALE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// The database path in `env`: `$SEAWALL_DB`, else `$XDG_CACHE_HOME/seawall/osv.db`, else
/// `$HOME/.cache/seawall/osv.db`, else `./.seawall/osv.db` (empty values count as unset).
pub fn default_db_path(env: &Environment) -> PathBuf {
    let set = |v: &Option<std::ffi::OsString>| v.clone().filter(|p| !p.is_empty());
    if let Some(p) = set(&env.seawall_db) {
        return PathBuf::from(p);
    }
    if let Some(c) = set(&env.xdg_cache_home) {
        return PathBuf::from(c).join("seawall").join("osv.db");
    }
    if let Some(h) = set(&env.home) {
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
    fn default_db_path_precedence() {
        let all = [("SEAWALL_DB", "/db/osv.db"), ("XDG_CACHE_HOME", "/xdg"), ("HOME", "/home/u")];
        let at = |pairs: &[(&str, &str)]| default_db_path(&Environment::from_pairs(pairs.iter().copied()));
        assert_eq!(at(&all), PathBuf::from("/db/osv.db"));
        assert_eq!(at(&[("SEAWALL_DB", ""), all[1], all[2]]), PathBuf::from("/xdg/seawall/osv.db"));
        assert_eq!(at(&[("XDG_CACHE_HOME", ""), all[2]]), PathBuf::from("/home/u/.cache/seawall/osv.db"));
        assert_eq!(at(&[("HOME", "")]), PathBuf::from(".seawall/osv.db"));
        assert_eq!(default_db_path(&Environment::default()), PathBuf::from(".seawall/osv.db"));
    }

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
