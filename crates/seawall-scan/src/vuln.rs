//! The vulnerability step: find or fetch the local OSV database, warn when it is stale or lacks an
//! ecosystem the target needs, and match packages.

use std::collections::BTreeSet;
use std::path::PathBuf;

use seawall_core::{Finding, OsInfo, Package, ScanWarning};
use seawall_vulndb::{DEFAULT_SOURCE, VulnDb, match_packages, update};

use crate::ScanOptions;

/// A DB older than this triggers a warning (the scan still runs).
const STALE_AFTER_SECONDS: u64 = 7 * 24 * 3600;

/// The default database location: `$XDG_CACHE_HOME/seawall/osv.db` or `~/.cache/seawall/osv.db`.
pub fn default_db_path() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(d).join("seawall").join("osv.db"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("seawall").join("osv.db"))
}

/// The OSV export (bucket folder) that holds advisories for a package ecosystem.
fn osv_export(ecosystem: &str) -> Option<&'static str> {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    Some(match base {
        "PyPI" | "conda" => "PyPI",
        "Debian" => "Debian",
        "Ubuntu" => "Ubuntu",
        "Alpine" => "Alpine",
        "npm" => "npm",
        "crates.io" => "crates.io",
        "Go" => "Go",
        "Maven" => "Maven",
        "Red Hat" => "Red Hat",
        "Rocky Linux" => "Rocky Linux",
        "AlmaLinux" => "AlmaLinux",
        "Wolfi" => "Wolfi",
        "Chainguard" => "Chainguard",
        _ => return None,
    })
}

/// Outcome of the vulnerability step.
pub(crate) struct VulnOutcome {
    pub(crate) findings: Vec<Finding>,
    pub(crate) warnings: Vec<ScanWarning>,
    /// `Some(reason)` when matching was skipped.
    pub(crate) skipped: Option<String>,
}

pub(crate) fn run(packages: &[Package], os: Option<&OsInfo>, opts: &ScanOptions) -> VulnOutcome {
    let mut out = VulnOutcome { findings: Vec::new(), warnings: Vec::new(), skipped: None };
    let Some(path) = opts.db.clone().or_else(default_db_path) else {
        out.skipped = Some("no database path: set --db or SEAWALL_DB".into());
        return out;
    };
    let needed: BTreeSet<&'static str> = packages.iter().filter_map(|p| osv_export(&p.ecosystem)).collect();
    // A database this seawall cannot read (older schema, corrupt) is rebuilt like a missing one.
    let unusable = path.exists() && VulnDb::open_read_only(&path).is_err();
    if unusable && !opts.offline {
        out.warnings.push(ScanWarning::general(
            "vuln",
            format!(
                "the vulnerability database {} is unreadable or of an older schema: rebuilding it",
                path.display()
            ),
        ));
    }
    if !path.exists() || (unusable && !opts.offline) {
        if opts.offline {
            out.skipped = Some(format!(
                "no vulnerability database at {} and --offline is set: run `seawall db update` (or `seawall db import`) first",
                path.display()
            ));
            return out;
        }
        let source = opts.db_source.clone().unwrap_or_else(|| DEFAULT_SOURCE.to_string());
        let ecosystems: Vec<&str> = needed.iter().copied().collect();
        if let Some(p) = &opts.progress {
            p.phase("fetching vulnerability database");
        }
        match update(&path, &source, &ecosystems, &|_, _| {}) {
            Ok(summary) => {
                for (eco, err) in summary.failures() {
                    out.warnings.push(ScanWarning::general(
                        "vuln",
                        format!("cannot fetch {eco} advisories from {source}: {err}"),
                    ));
                }
            }
            Err(e) => {
                out.skipped =
                    Some(format!("cannot create the vulnerability database at {}: {e}", path.display()));
                return out;
            }
        }
        if !path.exists() {
            out.skipped = Some(format!(
                "no vulnerability database could be fetched from {source} (see warnings); vulnerability scanning skipped"
            ));
            return out;
        }
    }
    let db = match VulnDb::open_read_only(&path) {
        Ok(db) => db,
        Err(e) => {
            out.skipped = Some(format!("cannot open the vulnerability database {}: {e}", path.display()));
            return out;
        }
    };
    if let Ok(status) = db.status() {
        if status.age_seconds.is_some_and(|a| a > STALE_AFTER_SECONDS) {
            out.warnings.push(ScanWarning::general(
                "vuln",
                format!(
                    "the vulnerability database {} is {} days old: run `seawall db update`",
                    path.display(),
                    status.age_seconds.unwrap_or(0) / 86_400
                ),
            ));
        }
        for eco in &needed {
            if !status.records_by_ecosystem.contains_key(*eco) {
                let n = packages.iter().filter(|p| osv_export(&p.ecosystem) == Some(eco)).count();
                out.warnings.push(ScanWarning::general(
                    "vuln",
                    format!(
                        "the vulnerability database has no {eco} advisories: {n} {eco} package(s) were not checked (run `seawall db update`)"
                    ),
                ));
            }
        }
    }
    match match_packages(&db, packages, os) {
        Ok(f) => out.findings = f,
        Err(e) => out.skipped = Some(format!("vulnerability matching failed: {e}")),
    }
    out
}
