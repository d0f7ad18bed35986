//! The vulnerability step: find or fetch the local OSV database, warn when it is stale or lacks an
//! ecosystem the target needs, and match packages.

use std::collections::BTreeSet;
use std::path::PathBuf;

use seawall_core::{Finding, OsInfo, Package, ScanWarning, WarningKind};
use seawall_vulndb::{DEFAULT_ECOSYSTEMS, DEFAULT_SOURCE, DbError, VulnDb, match_packages, update};

use crate::{ScanError, ScanOptions};

/// A DB older than this triggers a warning (the scan still runs).
const STALE_AFTER_SECONDS: u64 = 7 * 24 * 3600;

/// The default database location in `env` (`SEAWALL_DB`, else the XDG cache): see
/// [`seawall_vulndb::default_db_path`].
pub fn default_db_path(env: &seawall_core::Environment) -> Option<PathBuf> {
    Some(seawall_vulndb::default_db_path(env))
}

/// Outcome of the vulnerability step.
pub(crate) struct VulnOutcome {
    pub(crate) findings: Vec<Finding>,
    pub(crate) warnings: Vec<ScanWarning>,
    /// `Some(reason)` when matching was skipped.
    pub(crate) skipped: Option<String>,
}

/// Runs the step. A database file that exists but is corrupt is an error ([`ScanError::Database`]);
/// a missing one is fetched (unless offline) or the step is skipped, which makes the scan incomplete.
pub(crate) fn run(
    packages: &[Package],
    os: Option<&OsInfo>,
    opts: &ScanOptions,
) -> Result<VulnOutcome, ScanError> {
    let mut out = VulnOutcome { findings: Vec::new(), warnings: Vec::new(), skipped: None };
    let Some(path) = opts.db.clone().or_else(|| default_db_path(&opts.env)) else {
        out.skipped = Some("no database path: set --db or SEAWALL_DB".into());
        return Ok(out);
    };
    // The OSV exports this target needs (ecosystems with no OSV export, like `CPython` or `cuda`,
    // have nothing to fetch).
    let needed: BTreeSet<String> = seawall_vulndb::ecosystems_for(packages, os)
        .into_iter()
        .filter(|e| DEFAULT_ECOSYSTEMS.contains(&e.as_str()))
        .collect();
    // A database of another schema is rebuilt like a missing one; a corrupt one is an error.
    let unusable = if path.exists() {
        match VulnDb::open_verified(&path) {
            Ok(_) => false,
            Err(DbError::Schema { .. }) => true,
            Err(e) => return Err(ScanError::Database(e)),
        }
    } else {
        false
    };
    if unusable && !opts.offline {
        out.warnings.push(ScanWarning::notice(
            "vuln",
            format!("the vulnerability database {} is of another schema: rebuilding it", path.display()),
        ));
    }
    if !path.exists() || (unusable && !opts.offline) {
        if opts.offline {
            out.skipped = Some(format!(
                "no usable vulnerability database at {} and --offline is set: run `seawall db update` (or `seawall db import`) first",
                path.display()
            ));
            return Ok(out);
        }
        let source = opts.db_source.clone().unwrap_or_else(|| DEFAULT_SOURCE.to_string());
        let ecosystems: Vec<&str> = needed.iter().map(String::as_str).collect();
        if let Some(p) = &opts.progress {
            p.phase("fetching vulnerability database");
        }
        let progress = |done: u64, total: u64| {
            if let Some(p) = &opts.progress {
                p.download(done, total);
            }
        };
        match update(&path, &source, &ecosystems, &progress) {
            Ok(summary) => {
                for (eco, err) in summary.failures() {
                    out.warnings.push(
                        ScanWarning::general(
                            "vuln",
                            format!("cannot fetch {eco} advisories from {source}: {err}"),
                        )
                        .with_kind(WarningKind::DatabaseUnavailable),
                    );
                }
            }
            Err(e) => {
                out.skipped =
                    Some(format!("cannot create the vulnerability database at {}: {e}", path.display()));
                return Ok(out);
            }
        }
        if !path.exists() {
            out.skipped = Some(format!(
                "no vulnerability database could be fetched from {source} (see warnings); vulnerability scanning skipped"
            ));
            return Ok(out);
        }
    }
    let db = match VulnDb::open_verified(&path) {
        Ok(db) => db,
        Err(e @ DbError::Schema { .. }) => {
            out.skipped = Some(format!("cannot use the vulnerability database {}: {e}", path.display()));
            return Ok(out);
        }
        Err(e) => return Err(ScanError::Database(e)),
    };
    if let Ok(status) = db.status() {
        if status.age_seconds.is_some_and(|a| a > STALE_AFTER_SECONDS) {
            out.warnings.push(ScanWarning::notice(
                "vuln",
                format!(
                    "the vulnerability database {} is {} days old: run `seawall db update`",
                    path.display(),
                    status.age_seconds.unwrap_or(0) / 86_400
                ),
            ));
        }
        for eco in &needed {
            if !status.records_by_ecosystem.contains_key(eco) {
                let n = packages
                    .iter()
                    .filter(|p| {
                        let base = p.ecosystem.split(':').next().unwrap_or("");
                        base == eco || (eco == "PyPI" && base == "conda")
                    })
                    .count();
                out.warnings.push(
                    ScanWarning::general(
                        "vuln",
                        format!(
                            "the vulnerability database has no {eco} advisories: {n} {eco} package(s) were not checked (run `seawall db update`)"
                        ),
                    )
                    .with_kind(WarningKind::DatabaseUnavailable),
                );
            }
        }
    }
    match match_packages(&db, packages, os) {
        Ok(mut f) => {
            // The minimal upgrade per package: the lowest version that fixes every matched advisory.
            if let Ok(plan) = seawall_vulndb::upgrade_plan(&db, &f) {
                for u in plan {
                    let Some(target) = &u.target else { continue };
                    for finding in f.iter_mut().filter(|x| {
                        x.package.as_ref().is_some_and(|p| {
                            p.ecosystem == u.ecosystem && p.name == u.name && p.version == u.installed
                        }) && u.fixes.contains(&x.id)
                    }) {
                        finding.details.insert("upgrade_to".into(), target.clone());
                    }
                }
            }
            out.findings = f;
        }
        Err(e) => out.skipped = Some(format!("vulnerability matching failed: {e}")),
    }
    Ok(out)
}
