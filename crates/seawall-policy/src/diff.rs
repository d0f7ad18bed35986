//! Baselines, keyed on finding fingerprints (the pure report diff lives in `seawall-core`).

use std::collections::BTreeSet;
use std::path::Path;

use seawall_core::{Finding, Report};

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
        let fingerprints =
            report.findings.iter().chain(&report.suppressed).map(Finding::fingerprint_or_default).collect();
        Baseline { fingerprints }
    }

    /// Reads a seawall JSON report and takes its baseline.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        Ok(Baseline::from_report(&load_report(path)?))
    }

    /// True when the finding was already present.
    pub fn contains(&self, finding: &Finding) -> bool {
        self.fingerprints.contains(&finding.fingerprint_or_default())
    }
}

/// Reads a seawall JSON report (`--format json` output).
pub fn load_report(path: &Path) -> Result<Report, PolicyError> {
    let text = crate::error::read_to_string(path)?;
    serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(&text))
        .map_err(|e| PolicyError::Baseline { path: path.to_path_buf(), message: e.to_string() })
}

#[cfg(test)]
mod tests {
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
    fn baseline_roundtrip_through_json() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        let mut r = rep(&["A"]);
        r.normalize();
        fs_err::write(&p, serde_json::to_string(&r).unwrap()).unwrap();
        let b = Baseline::load(&p).unwrap();
        assert!(b.contains(&rep(&["A"]).findings[0]));
        assert!(!b.contains(&rep(&["Z"]).findings[0]));
        fs_err::write(&p, "{}").unwrap();
        assert!(matches!(Baseline::load(&p), Err(PolicyError::Baseline { .. })));
    }
}
