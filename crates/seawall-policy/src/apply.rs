//! Applying a [`Policy`] to a report.

use jiff::civil::Date;
use seawall_core::{Finding, FindingKind, Report, ScanWarning, Severity, SuppressedBy, Suppression};

use crate::config::scanner_for;
use crate::{FailOn, Policy};

/// True when a vulnerability finding has no fix: no fixed version is known, or its status says no fix
/// is available (`unfixed`, `will_not_fix`, `fix_deferred`). Other kinds are never "unfixed".
pub fn is_unfixed(f: &Finding) -> bool {
    f.kind == FindingKind::Vulnerability
        && (f.fixed_versions.is_empty() || f.status.is_some_and(|s| s.is_unfixed()))
}

/// Applies the policy, in this order:
///
/// 1. findings of scanners or rules disabled in `seawall.toml` are removed (as if never produced);
/// 2. `[severity]` overrides change the severity (the old one is kept in `original_severity`);
/// 3. expired ignore entries are reported as notices and do not apply;
/// 4. each remaining finding is moved to `report.suppressed`, with a typed [`Suppression`], by the
///    first of: an ignore entry (source = where it was declared), a VEX statement (source = document
///    id), `--ignore-unfixed`, the `--severity` filter, the baseline. Findings that arrive already
///    suppressed (inline `# seawall ignore=` comments, set by scanners) move as they are;
/// 5. the report is normalised (sorted, fingerprints filled).
pub fn apply(report: &mut Report, policy: &Policy, today: Date) {
    let cfg = &policy.config;
    report.findings.retain(|f| cfg.scanner_enabled(scanner_for(f.kind)) && cfg.rule_enabled(&f.id));

    for f in &mut report.findings {
        f.ensure_fingerprint();
        let over = cfg.severity_overrides.iter().find(|(id, _)| {
            f.id.eq_ignore_ascii_case(id) || f.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
        });
        if let Some((_, &sev)) = over
            && sev != f.severity
        {
            f.original_severity.get_or_insert(f.severity);
            f.severity = sev;
        }
    }

    let all_ignores: Vec<_> = cfg.ignores.iter().chain(&policy.ignores).collect();
    for e in all_ignores.iter().filter(|e| e.is_expired(today)) {
        let exp = e.expires.map(|d| d.to_string()).unwrap_or_default();
        report.warnings.push(ScanWarning::notice(
            "policy",
            format!("ignore entry {} expired on {exp}; it no longer suppresses findings", e.describe()),
        ));
    }
    let active: Vec<_> = all_ignores.into_iter().filter(|e| !e.is_expired(today)).collect();

    let findings = std::mem::take(&mut report.findings);
    for mut f in findings {
        if f.suppression.is_none() {
            f.suppression = suppression(&f, policy, &active, &report.target);
        }
        if f.suppression.is_some() {
            report.suppressed.push(f);
        } else {
            report.findings.push(f);
        }
    }
    report.normalize();
}

fn suppression(
    f: &Finding,
    policy: &Policy,
    ignores: &[&crate::IgnoreEntry],
    target: &seawall_core::Target,
) -> Option<Suppression> {
    let by = |by: SuppressedBy, source: Option<String>, reason: Option<String>| {
        Some(Suppression { by, source, reason })
    };
    if let Some(e) = ignores.iter().find(|e| e.matches(f)) {
        return by(SuppressedBy::Ignore, Some(e.origin.clone()), e.reason.clone());
    }
    if f.kind == FindingKind::Vulnerability {
        let mut last = None;
        for doc in &policy.vex {
            for st in &doc.statements {
                if st.applies(f, target) {
                    last = Some((doc, st));
                }
            }
        }
        if let Some((doc, st)) = last
            && st.status.suppresses()
        {
            let reason = st
                .justification
                .clone()
                .or_else(|| st.impact_statement.clone())
                .unwrap_or_else(|| st.status.as_str().to_string());
            return by(
                SuppressedBy::Vex,
                Some(doc.id.clone()),
                Some(format!("{}: {reason}", st.status.as_str())),
            );
        }
    }
    if policy.ignore_unfixed && is_unfixed(f) {
        return by(SuppressedBy::IgnoreUnfixed, None, None);
    }
    if let Some(list) = &policy.severities
        && !list.contains(&f.severity)
    {
        return by(SuppressedBy::SeverityFilter, None, None);
    }
    if let Some(b) = &policy.baseline
        && b.contains(f)
    {
        return by(SuppressedBy::Baseline, None, None);
    }
    None
}

/// Exit code for a single threshold: 1 when an active finding is at or above `fail_on`, or when the
/// scan is incomplete and a threshold is set; else 0. (Errors are the CLI's exit code 2.)
pub fn exit_code(report: &Report, fail_on: Option<Severity>) -> i32 {
    match fail_on {
        Some(t) => exit_code_with(report, &FailOn::all(t)),
        None => 0,
    }
}

/// Exit code for per-kind thresholds: see [`gate`].
pub fn exit_code_with(report: &Report, fail_on: &FailOn) -> i32 {
    gate(report, fail_on).code()
}

/// The outcome of the `--fail-on` gate for a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// Active findings at or above their kind's threshold.
    pub failing: usize,
    /// True when the scan is incomplete (see `Report::completeness`).
    pub incomplete: bool,
    /// True when an incomplete scan fails the gate: a threshold is set and incompleteness is not
    /// allowed.
    pub incomplete_fails: bool,
}

impl Gate {
    /// 1 when findings fail the threshold or an incomplete scan fails it, else 0.
    pub fn code(&self) -> i32 {
        i32::from(self.failing > 0 || (self.incomplete && self.incomplete_fails))
    }
}

/// Evaluates the gate. A scan that did not read everything is never "clean": when any threshold is set
/// (`--fail-on`, `[fail_on]`), an incomplete scan fails it unless [`FailOn::allow_incomplete`].
pub fn gate(report: &Report, fail_on: &FailOn) -> Gate {
    let failing =
        report.findings.iter().filter(|f| fail_on.threshold(f.kind).is_some_and(|t| f.severity >= t)).count();
    let incomplete = !report.is_complete();
    Gate { failing, incomplete, incomplete_fails: fail_on.is_set() && !fail_on.allow_incomplete }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::{Baseline, Config, IgnoreEntry, VexDocument};
    use seawall_core::{Location, PackageRef, Target, TargetKind};

    fn vuln(id: &str, sev: Severity, fixed: &[&str]) -> Finding {
        let mut f = Finding::new(FindingKind::Vulnerability, id, sev, 7, "t")
            .with_location(Location::file("/app/requirements.txt"));
        f.package =
            Some(PackageRef { name: "pillow".into(), version: "9.4.0".into(), ecosystem: "PyPI".into() });
        f.fixed_versions = fixed.iter().map(|s| s.to_string()).collect();
        f
    }

    fn report() -> Report {
        let mut r = Report::new(Target::new(TargetKind::Filesystem, "."));
        r.findings.push(vuln("CVE-1", Severity::Critical, &["10.0.0"]));
        r.findings.push(vuln("CVE-2", Severity::High, &[]));
        r.findings.push(
            Finding::new(FindingKind::Misconfiguration, "SW-DF-001", Severity::High, 4, "root")
                .with_location(Location::file("Dockerfile").with_line(1)),
        );
        r.findings.push(Finding::new(FindingKind::Secret, "SW-SEC-001", Severity::Critical, 6, "token"));
        r
    }

    fn today() -> Date {
        jiff::civil::date(2026, 6, 1)
    }

    fn suppressed_by(r: &Report, id: &str) -> Option<String> {
        r.suppressed.iter().find(|f| f.id == id).and_then(|f| f.suppression.as_ref()).map(|s| s.label())
    }

    #[test]
    fn empty_policy_changes_nothing_but_order() {
        let mut r = report();
        apply(&mut r, &Policy::default(), today());
        assert_eq!(r.findings.len(), 4);
        assert!(r.suppressed.is_empty());
        assert_eq!(exit_code(&r, Some(Severity::Critical)), 1);
        assert_eq!(exit_code(&r, None), 0);
    }

    #[test]
    fn ignores_with_expiry() {
        let mut p = Policy::default();
        p.ignores.push(IgnoreEntry::new("CVE-1", ".seawallignore:1").with_reason("not reachable"));
        p.ignores.push(
            IgnoreEntry::new("SW-DF-001", ".seawallignore:2").with_expires(jiff::civil::date(2026, 5, 31)),
        );
        let mut r = report();
        apply(&mut r, &p, today());
        assert_eq!(suppressed_by(&r, "CVE-1").as_deref(), Some("ignore:.seawallignore:1"));
        let s = r.suppressed.iter().find(|f| f.id == "CVE-1").unwrap();
        assert_eq!(s.suppression.as_ref().and_then(|s| s.reason.as_deref()), Some("not reachable"));
        assert!(r.findings.iter().any(|f| f.id == "SW-DF-001"), "expired entry must not apply");
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].message.contains("expired on 2026-05-31"), "{:?}", r.warnings);
    }

    #[test]
    fn vex_suppresses_and_later_affected_revokes() {
        let doc = r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"vex-1","statements":[
          {"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:pypi/pillow@9.4.0"}],"status":"not_affected","justification":"component_not_present"},
          {"vulnerability":{"name":"CVE-2"},"status":"not_affected"},
          {"vulnerability":{"name":"CVE-2"},"status":"affected"}]}"#;
        let mut p = Policy::default();
        p.vex.push(VexDocument::parse(doc, Path::new("v.json")).unwrap());
        let mut r = report();
        apply(&mut r, &p, today());
        assert_eq!(suppressed_by(&r, "CVE-1").as_deref(), Some("vex:vex-1"));
        assert!(r.findings.iter().any(|f| f.id == "CVE-2"));
    }

    #[test]
    fn ignore_unfixed_severity_filter_and_baseline() {
        let mut p = Policy { ignore_unfixed: true, ..Policy::default() };
        let mut r = report();
        apply(&mut r, &p, today());
        assert_eq!(suppressed_by(&r, "CVE-2").as_deref(), Some("ignore-unfixed"));
        assert!(r.findings.iter().any(|f| f.id == "CVE-1"));

        p.ignore_unfixed = false;
        p.severities = Some(vec![Severity::Critical]);
        let mut r = report();
        apply(&mut r, &p, today());
        assert_eq!(r.findings.len(), 2);
        assert_eq!(suppressed_by(&r, "SW-DF-001").as_deref(), Some("severity-filter"));

        let mut old = Report::new(Target::new(TargetKind::Filesystem, "."));
        old.findings.push(vuln("CVE-1", Severity::Critical, &["10.0.0"]));
        let p = Policy { baseline: Some(Baseline::from_report(&old)), ..Policy::default() };
        let mut r = report();
        apply(&mut r, &p, today());
        assert_eq!(suppressed_by(&r, "CVE-1").as_deref(), Some("baseline"));
        assert_eq!(r.findings.len(), 3);
    }

    #[test]
    fn config_disables_overrides_and_fails_per_kind() {
        let toml =
            "[fail_on]\nsecret = 'CRITICAL'\n[rules]\ndisabled=['SW-DF-*']\n[severity]\n'CVE-1' = 'LOW'\n";
        let p =
            Policy { config: Config::parse(toml, Path::new("seawall.toml")).unwrap(), ..Policy::default() };
        let mut r = report();
        apply(&mut r, &p, today());
        assert!(!r.findings.iter().any(|f| f.id == "SW-DF-001"));
        let c1 = r.findings.iter().find(|f| f.id == "CVE-1").unwrap();
        assert_eq!(c1.severity, Severity::Low);
        assert_eq!(c1.original_severity, Some(Severity::Critical));
        assert_eq!(exit_code_with(&r, &p.fail_on(None)), 1);
        r.findings.retain(|f| f.kind != FindingKind::Secret);
        assert_eq!(exit_code_with(&r, &p.fail_on(None)), 0, "only secrets have a threshold");
        assert_eq!(
            exit_code_with(&r, &p.fail_on(Some(Severity::High))),
            1,
            "CLI threshold applies to all kinds"
        );
    }

    /// Regression (exit 0 on incomplete scans): a threshold fails an incomplete scan even with no
    /// finding, unless incompleteness is allowed; without a threshold nothing is gated; notices do not
    /// make a scan incomplete.
    #[test]
    fn incomplete_scans_fail_any_threshold() {
        let mut r = Report::new(Target::new(TargetKind::Image, "x"));
        r.warnings.push(ScanWarning::notice("vuln", "database is 9 days old"));
        r.normalize();
        assert!(r.completeness.is_complete());
        assert_eq!(exit_code(&r, Some(Severity::Critical)), 0);

        r.warnings.push(
            ScanWarning::general("source", "layer 2: digest mismatch")
                .with_kind(seawall_core::WarningKind::LayerDigestMismatch),
        );
        r.normalize();
        assert!(!r.completeness.is_complete());
        assert_eq!(r.completeness.reasons.len(), 1);
        assert_eq!(exit_code(&r, Some(Severity::Critical)), 1);
        assert_eq!(exit_code(&r, None), 0, "no threshold, no gate");
        let allowed = FailOn { allow_incomplete: true, ..FailOn::all(Severity::Critical) };
        assert_eq!(exit_code_with(&r, &allowed), 0);
        let g = gate(&r, &FailOn::all(Severity::High));
        assert_eq!((g.failing, g.incomplete, g.incomplete_fails), (0, true, true));
        // Per-kind thresholds from seawall.toml gate incompleteness too.
        let cfg = Config::parse("[fail_on]\nsecret = 'HIGH'\n", Path::new("seawall.toml")).unwrap();
        assert_eq!(exit_code_with(&r, &cfg.fail_on), 1);
        let cfg =
            Config::parse("[fail_on]\nsecret = 'HIGH'\nallow_incomplete = true\n", Path::new("s")).unwrap();
        assert_eq!(exit_code_with(&r, &cfg.fail_on), 0);
    }

    #[test]
    fn unfixed_definition() {
        assert!(is_unfixed(&vuln("x", Severity::Low, &[])));
        assert!(!is_unfixed(&vuln("x", Severity::Low, &["1"])));
        let mut f = vuln("x", Severity::Low, &["1"]);
        f.status = Some(seawall_core::FixStatus::WillNotFix);
        assert!(is_unfixed(&f));
        assert!(!is_unfixed(&Finding::new(FindingKind::Secret, "s", Severity::Low, 6, "t")));
    }

    fn arb_finding() -> impl proptest::strategy::Strategy<Value = Finding> {
        use proptest::prelude::*;
        (0usize..4, 0usize..6, 0usize..5, any::<bool>(), 0usize..3).prop_map(|(k, id, sev, fixed, path)| {
            let kind = [
                FindingKind::Vulnerability,
                FindingKind::Secret,
                FindingKind::Model,
                FindingKind::Misconfiguration,
            ][k];
            let mut f = Finding::new(kind, format!("ID-{id}"), Severity::ALL[sev], 7, "t")
                .with_location(Location::file(format!("dir{path}/file")));
            if fixed {
                f.fixed_versions = vec!["2".into()];
            }
            f
        })
    }

    proptest::proptest! {
        /// Whatever the policy, no finding is lost, every suppressed finding says why, and what stays
        /// active satisfies every filter.
        #[test]
        fn apply_conserves_and_filters(
            findings in proptest::collection::vec(arb_finding(), 0..30),
            ignore_ids in proptest::collection::vec(0usize..7, 0..3),
            sev_filter in proptest::option::of(proptest::collection::vec(0usize..5, 1..3)),
            ignore_unfixed in proptest::bool::ANY,
            expired in proptest::bool::ANY,
        ) {
            let mut r = Report::new(Target::new(TargetKind::Filesystem, "."));
            r.findings = findings;
            let n = r.findings.len();
            let mut p = Policy { ignore_unfixed, ..Policy::default() };
            for i in &ignore_ids {
                let mut e = IgnoreEntry::new(format!("ID-{i}"), "prop");
                if expired {
                    e = e.with_expires(jiff::civil::date(2020, 1, 1));
                }
                p.ignores.push(e);
            }
            p.severities = sev_filter.map(|v| v.into_iter().map(|i| Severity::ALL[i]).collect());
            apply(&mut r, &p, today());
            proptest::prop_assert_eq!(r.findings.len() + r.suppressed.len(), n);
            proptest::prop_assert!(r.suppressed.iter().all(|f| f.suppression.is_some()));
            for f in &r.findings {
                if !expired {
                    proptest::prop_assert!(!p.ignores.iter().any(|e| e.matches(f)));
                }
                if let Some(list) = &p.severities {
                    proptest::prop_assert!(list.contains(&f.severity));
                }
                if ignore_unfixed {
                    proptest::prop_assert!(!is_unfixed(f));
                }
            }
            if expired && !ignore_ids.is_empty() {
                proptest::prop_assert!(r.warnings.iter().any(|w| w.message.contains("expired")));
            }
            // Applying again changes nothing.
            let again = { let mut x = r.clone(); apply(&mut x, &p, today()); x };
            proptest::prop_assert_eq!(again, r);
        }
    }
}
