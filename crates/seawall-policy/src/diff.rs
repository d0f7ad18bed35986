//! Baselines and report diffs, both keyed on finding fingerprints.

use std::collections::BTreeSet;
use std::path::Path;

use seawall_core::{Finding, Report};
use serde::Serialize;

use crate::PolicyError;

/// The fingerprints of a previous report (`--baseline previous.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Fingerprints of every finding of the previous report, active or suppressed.
    pub fingerprints: BTreeSet<String>,
}

impl Baseline {
    /// The baseline of a report. Suppressed findings count too, so a finding that was ignored last
    /// time is not "new" now.
    pub fn from_report(report: &Report) -> Self {
        let fingerprints = report.findings.iter().chain(&report.suppressed).map(fingerprint_of).collect();
        Baseline { fingerprints }
    }

    /// Reads a seawall JSON report and takes its baseline.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        Ok(Baseline::from_report(&load_report(path)?))
    }

    /// True when the finding was already present.
    pub fn contains(&self, finding: &Finding) -> bool {
        self.fingerprints.contains(&fingerprint_of(finding))
    }
}

/// Reads a seawall JSON report (`--format json` output).
pub fn load_report(path: &Path) -> Result<Report, PolicyError> {
    let text = crate::error::read_to_string(path)?;
    serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(&text))
        .map_err(|e| PolicyError::Baseline { path: path.to_path_buf(), message: e.to_string() })
}

fn fingerprint_of(f: &Finding) -> String {
    if f.fingerprint.is_empty() {
        let mut c = f.clone();
        c.ensure_fingerprint();
        c.fingerprint
    } else {
        f.fingerprint.clone()
    }
}

/// What changed between two reports (active findings only), matched by fingerprint.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReportDiff {
    /// In the newer report only.
    pub new: Vec<Finding>,
    /// In the older report only: fixed (or no longer detected).
    pub fixed: Vec<Finding>,
    /// In both (as they appear in the newer report).
    pub unchanged: Vec<Finding>,
}

impl ReportDiff {
    /// True when nothing was added or fixed.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.fixed.is_empty()
    }
}

/// Compares an older report `a` with a newer report `b`.
pub fn diff(a: &Report, b: &Report) -> ReportDiff {
    let fa: BTreeSet<String> = a.findings.iter().map(fingerprint_of).collect();
    let fb: BTreeSet<String> = b.findings.iter().map(fingerprint_of).collect();
    let mut out = ReportDiff::default();
    for f in &b.findings {
        let mut f = f.clone();
        f.ensure_fingerprint();
        if fa.contains(&f.fingerprint) {
            out.unchanged.push(f);
        } else {
            out.new.push(f);
        }
    }
    for f in &a.findings {
        let mut f = f.clone();
        f.ensure_fingerprint();
        if !fb.contains(&f.fingerprint) {
            out.fixed.push(f);
        }
    }
    for list in [&mut out.new, &mut out.fixed, &mut out.unchanged] {
        list.sort_by(|x, y| x.sort_key().cmp(&y.sort_key()));
        list.dedup_by(|x, y| x.fingerprint == y.fingerprint);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use seawall_core::{FindingKind, Location, Severity, Target, TargetKind};

    fn rep(ids: &[&str]) -> Report {
        let mut r = Report::new(Target::new(TargetKind::Filesystem, "."));
        for id in ids {
            r.findings.push(
                Finding::new(FindingKind::Misconfiguration, *id, Severity::High, 4, "t")
                    .with_location(Location::file("Dockerfile")),
            );
        }
        r
    }

    #[test]
    fn new_fixed_unchanged() {
        let d = diff(&rep(&["A", "B"]), &rep(&["B", "C"]));
        let ids = |v: &Vec<Finding>| v.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&d.new), vec!["C"]);
        assert_eq!(ids(&d.fixed), vec!["A"]);
        assert_eq!(ids(&d.unchanged), vec!["B"]);
        assert!(!d.is_empty());
        assert!(diff(&rep(&["A"]), &rep(&["A"])).is_empty());
    }

    #[test]
    fn baseline_roundtrip_through_json() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        let mut r = rep(&["A"]);
        r.normalize();
        std::fs::write(&p, serde_json::to_string(&r).unwrap()).unwrap();
        let b = Baseline::load(&p).unwrap();
        assert!(b.contains(&rep(&["A"]).findings[0]));
        assert!(!b.contains(&rep(&["Z"]).findings[0]));
        std::fs::write(&p, "{}").unwrap();
        assert!(matches!(Baseline::load(&p), Err(PolicyError::Baseline { .. })));
    }
}
