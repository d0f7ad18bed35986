//! # seawall-policy — what to report and when to fail
//!
//! Turns a raw scan [`Report`] into the report a team wants to see, and decides the exit code:
//!
//! * [`Config`] — `seawall.toml` (fail-on thresholds per kind, enabled scanners and rules, allowed
//!   registries, severity overrides, ignore entries), found upward from the target by [`find_config`].
//! * [`IgnoreEntry`] — one ignore rule, from `seawall.toml` or a `.seawallignore` file
//!   ([`parse_ignore_file`]; the format is documented in the [`ignore`] module). Expired entries stop
//!   applying and leave a warning in the report.
//! * [`VexDocument`] — OpenVEX statements; `not_affected` / `fixed` suppress vulnerability findings.
//! * [`Baseline`] / [`diff`] — fingerprints of a previous report; new / fixed / unchanged findings.
//! * [`Policy`] — everything above plus the command-line filters (`--ignore-unfixed`, `--severity`),
//!   applied by [`apply`], which moves suppressed findings to `Report.suppressed` with a typed
//!   `Finding::suppression`.
//! * [`gate`] / [`exit_code`] / [`exit_code_with`] — 0 when nothing at/above the threshold remains and
//!   the scan is complete, 1 otherwise (an incomplete scan fails any threshold unless
//!   `allow_incomplete`); the CLI uses 2 for errors.
//!
//! Complete, tested example files: `testdata/seawall.toml`, `testdata/seawallignore.example` and
//! `testdata/vex.openvex.json` in this crate.
//!
//! This crate depends only on `seawall-core` (which also holds the pure report [`diff`]); the CLI wires
//! the flags.
//!
//! ```
//! use seawall_core::{Finding, FindingKind, Report, Severity, Target, TargetKind};
//! use seawall_policy::{apply, exit_code, IgnoreEntry, Policy};
//!
//! let mut report = Report::new(Target::new(TargetKind::Filesystem, "."));
//! report.findings.push(Finding::new(FindingKind::Misconfiguration, "SW-DF-001", Severity::High, 4, "root user"));
//! let mut policy = Policy::default();
//! policy.ignores.push(IgnoreEntry::new("SW-DF-001", "example").with_reason("runs in a sandbox"));
//! apply(&mut report, &policy, jiff::civil::date(2026, 1, 1));
//! assert!(report.findings.is_empty());
//! assert_eq!(report.suppressed[0].suppression.as_ref().map(|s| s.label()).as_deref(), Some("ignore:example"));
//! assert_eq!(exit_code(&report, Some(Severity::High)), 0);
//! ```
#![deny(missing_docs)]

mod apply;
mod config;
mod diff;
mod error;
pub mod ignore;
mod matcher;
mod trust;
mod vex;

use std::path::{Path, PathBuf};

pub use apply::{Gate, apply, exit_code, exit_code_with, gate, is_unfixed};
pub use config::{
    CONFIG_FILE_NAME, Config, FailOn, SCANNER_NAMES, expand_image_ref, find_config, find_upward, scanner_for,
};
pub use diff::{Baseline, load_report};
pub use error::PolicyError;
pub use ignore::{IgnoreEntry, parse_ignore_file};
pub use matcher::purl_type;
pub use seawall_core::{ReportDiff, diff_reports as diff};
pub use trust::{TrustConfig, TrustIdentity, TrustProvenance};
pub use vex::{VexDocument, VexProduct, VexStatement, VexStatus, purl_matches};

use seawall_core::{CoreError, Report, Severity};

/// The name of the ignore file looked for next to the target and next to `seawall.toml`.
pub const IGNORE_FILE_NAME: &str = ".seawallignore";

/// Everything that decides which findings are shown and which fail the build.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// `seawall.toml` (default: empty).
    pub config: Config,
    /// Entries from `.seawallignore` files (the `[[ignore]]` entries of `config` apply too).
    pub ignores: Vec<IgnoreEntry>,
    /// OpenVEX documents, in the order given.
    pub vex: Vec<VexDocument>,
    /// `--ignore-unfixed`: suppress vulnerability findings without a fix (see [`is_unfixed`]).
    pub ignore_unfixed: bool,
    /// `--severity LIST`: keep only findings with one of these severities.
    pub severities: Option<Vec<Severity>>,
    /// `--baseline FILE`: suppress findings already present in the previous report.
    pub baseline: Option<Baseline>,
    /// Files the policy was read from (for `--verbose` output and provenance).
    pub sources: Vec<PathBuf>,
}

impl Policy {
    /// Loads the policy for a scan of `target`.
    ///
    /// `seawall.toml` is `config` when given, else the first found walking up from `target`. A
    /// `.seawallignore` is read from `target` (or its directory) and from the directory of
    /// `seawall.toml`, when they exist (each file once).
    pub fn discover(target: &Path, config: Option<&Path>) -> Result<Policy, PolicyError> {
        let mut policy = Policy::default();
        let cfg_path = match config {
            Some(p) => Some(p.to_path_buf()),
            None => find_config(target),
        };
        if let Some(p) = &cfg_path {
            policy.config = Config::load(p)?;
            policy.sources.push(p.clone());
        }
        let target_dir = if target.is_file() {
            target.parent().map(Path::to_path_buf)
        } else {
            Some(target.to_path_buf())
        };
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(d) = target_dir.filter(|d| d.is_dir()) {
            candidates.push(d.join(IGNORE_FILE_NAME));
        }
        if let Some(d) = cfg_path.as_deref().and_then(Path::parent) {
            candidates.push(d.join(IGNORE_FILE_NAME));
        }
        let mut seen: Vec<PathBuf> = Vec::new();
        for c in candidates {
            if !c.is_file() {
                continue;
            }
            let canon = c.canonicalize().unwrap_or_else(|_| c.clone());
            if seen.contains(&canon) {
                continue;
            }
            seen.push(canon);
            policy.add_ignore_file(&c)?;
        }
        Ok(policy)
    }

    /// Reads a `.seawallignore` file and adds its entries.
    pub fn add_ignore_file(&mut self, path: &Path) -> Result<(), PolicyError> {
        let text = error::read_to_string(path)?;
        self.ignores.extend(parse_ignore_file(&text, path)?);
        self.sources.push(path.to_path_buf());
        Ok(())
    }

    /// Reads an OpenVEX file (`--vex FILE`) and adds it.
    pub fn add_vex_file(&mut self, path: &Path) -> Result<(), PolicyError> {
        self.vex.push(VexDocument::load(path)?);
        self.sources.push(path.to_path_buf());
        Ok(())
    }

    /// Reads a previous JSON report (`--baseline FILE`) and uses it as the baseline.
    pub fn set_baseline_file(&mut self, path: &Path) -> Result<(), PolicyError> {
        self.baseline = Some(Baseline::load(path)?);
        self.sources.push(path.to_path_buf());
        Ok(())
    }

    /// The effective thresholds: `--fail-on` from the command line, when given, applies to every kind
    /// and wins over `[fail_on]` of `seawall.toml`.
    pub fn fail_on(&self, cli: Option<Severity>) -> FailOn {
        match cli {
            Some(s) => FailOn { allow_incomplete: self.config.fail_on.allow_incomplete, ..FailOn::all(s) },
            None => self.config.fail_on.clone(),
        }
    }

    /// Applies the policy to a report (see [`apply`]).
    pub fn apply(&self, report: &mut Report, today: jiff::civil::Date) {
        apply(report, self, today);
    }
}

/// Parses a `--severity` list such as `CRITICAL,HIGH` (case-insensitive, comma- or space-separated).
pub fn parse_severity_list(list: &str) -> Result<Vec<Severity>, CoreError> {
    let mut out: Vec<Severity> = list
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_lists() {
        assert_eq!(parse_severity_list("high, CRITICAL").unwrap(), vec![Severity::High, Severity::Critical]);
        assert!(parse_severity_list("HIGH,BAD").is_err());
        assert!(parse_severity_list("").unwrap().is_empty());
    }

    #[test]
    fn discover_reads_config_and_both_ignore_files() {
        let dir = tempfile::tempdir().unwrap();
        let proj = dir.path().join("proj/sub");
        fs_err::create_dir_all(&proj).unwrap();
        fs_err::write(dir.path().join("proj/seawall.toml"), "[fail_on]\ndefault = 'HIGH'\n").unwrap();
        fs_err::write(dir.path().join("proj/.seawallignore"), "CVE-1 # a\n").unwrap();
        fs_err::write(proj.join(".seawallignore"), "CVE-2\n").unwrap();
        let p = Policy::discover(&proj, None).unwrap();
        assert_eq!(p.config.fail_on.default, Some(Severity::High));
        let ids: Vec<_> = p.ignores.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, vec!["CVE-2", "CVE-1"]);
        // The same directory holding both is read once.
        let p = Policy::discover(&dir.path().join("proj"), None).unwrap();
        assert_eq!(p.ignores.len(), 1);
        // A broken ignore file is an error, not a silent no-op.
        fs_err::write(proj.join(".seawallignore"), "CVE-2 nonsense\n").unwrap();
        assert!(Policy::discover(&proj, None).is_err());
    }
}
