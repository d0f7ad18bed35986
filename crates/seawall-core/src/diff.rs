//! Report diffs keyed on finding fingerprints (`seawall diff`, the "new since baseline" view of every
//! renderer).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::{Finding, Report};

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
pub fn diff_reports(a: &Report, b: &Report) -> ReportDiff {
    let fa: BTreeSet<String> = a.findings.iter().map(Finding::fingerprint_or_default).collect();
    let fb: BTreeSet<String> = b.findings.iter().map(Finding::fingerprint_or_default).collect();
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
    use super::*;
    use crate::{FindingKind, Location, Severity, Target, TargetKind};

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
        let d = diff_reports(&rep(&["A", "B"]), &rep(&["B", "C"]));
        let ids = |v: &Vec<Finding>| v.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&d.new), vec!["C"]);
        assert_eq!(ids(&d.fixed), vec!["A"]);
        assert_eq!(ids(&d.unchanged), vec!["B"]);
        assert!(!d.is_empty());
        assert!(diff_reports(&rep(&["A"]), &rep(&["A"])).is_empty());
    }
}
