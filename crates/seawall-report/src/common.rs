//! Helpers shared by the renderers.

use std::collections::BTreeMap;

use seawall_core::{Finding, FindingKind, Location, Practice, Report, Severity};

/// Counts per severity, indexed like [`Severity::ALL`] (INFO first).
pub(crate) fn severity_counts<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> [usize; 5] {
    let mut c = [0usize; 5];
    for f in findings {
        c[sev_index(f.severity)] += 1;
    }
    c
}

pub(crate) fn sev_index(s: Severity) -> usize {
    match s {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

/// Severities from highest to lowest.
pub(crate) const SEVERITIES_DESC: [Severity; 5] =
    [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

/// `CRITICAL 2 · HIGH 1 · …` for the non-zero counts, or `none`.
pub(crate) fn counts_line(counts: &[usize; 5]) -> String {
    let parts: Vec<String> = SEVERITIES_DESC
        .iter()
        .filter(|s| counts[sev_index(**s)] > 0)
        .map(|s| format!("{} {}", s.as_str(), counts[sev_index(*s)]))
        .collect();
    if parts.is_empty() { "none".to_string() } else { parts.join(" · ") }
}

/// Findings grouped by practice (ascending); within a group the report order (severity first) is kept.
pub(crate) fn by_practice(findings: &[Finding]) -> BTreeMap<Practice, Vec<&Finding>> {
    let mut m: BTreeMap<Practice, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        m.entry(f.practice).or_default().push(f);
    }
    m
}

/// `path:line:col` plus member, layer and container when present.
pub(crate) fn location_text(l: &Location) -> String {
    let mut s = l.path.clone();
    if let Some(m) = &l.member {
        s.push_str(" [");
        s.push_str(m);
        s.push(']');
    }
    if let Some(line) = l.line {
        s.push_str(&format!(":{line}"));
        if let Some(col) = l.column {
            s.push_str(&format!(":{col}"));
        }
    }
    if let Some(layer) = l.layer {
        s.push_str(&format!(" (layer {layer})"));
    }
    if let Some(c) = &l.container {
        s.push_str(&format!(" (container {c})"));
    }
    s
}

/// A one-line title, with the package and fix for vulnerabilities.
pub(crate) fn display_title(f: &Finding) -> String {
    match (&f.kind, &f.package) {
        (FindingKind::Vulnerability, Some(p)) => {
            let fix = if f.fixed_versions.is_empty() {
                match f.status {
                    Some(s) => format!(" (no fix: {s})"),
                    None => " (no fix)".to_string(),
                }
            } else {
                format!(" → {}", f.fixed_versions.join(", "))
            };
            format!("{} {}{fix}: {}", p.name, p.version, f.title)
        }
        _ => f.title.clone(),
    }
}

/// Human-readable byte size (`1.5 MiB`).
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 { format!("{bytes} B") } else { format!("{v:.1} {}", UNITS[i]) }
}

/// The target as one line: `image acme/app:1 (sha256:abcd…) · debian 12`.
pub(crate) fn target_line(r: &Report) -> String {
    let t = &r.target;
    let kind =
        serde_json::to_value(t.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let mut s = format!("{kind} {}", t.name);
    if let Some(d) = &t.digest {
        s.push_str(&format!(" ({})", short_digest(d)));
    }
    if let Some(os) = &t.os {
        s.push_str(&format!(" · {} {}", os.id, os.version_id));
    }
    s
}

/// `sha256:0123456789ab` (12 hex digits).
pub(crate) fn short_digest(d: &str) -> String {
    match d.split_once(':') {
        Some((alg, hex)) => format!("{alg}:{}", hex.get(..12).unwrap_or(hex)),
        None => d.get(..19).unwrap_or(d).to_string(),
    }
}

/// The target kind as its JSON name.
pub(crate) fn kind_name(r: &Report) -> String {
    serde_json::to_value(r.target.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// The delta of `report` against a previous report for display.
///
/// Findings the policy suppressed *because they were in the baseline* still exist, so they count as
/// unchanged rather than fixed.
pub(crate) fn delta(baseline: &Report, report: &Report) -> seawall_core::ReportDiff {
    let by_baseline =
        |f: &&Finding| f.suppression.as_ref().is_some_and(|s| s.by == seawall_core::SuppressedBy::Baseline);
    if !report.suppressed.iter().any(|f| by_baseline(&f)) {
        return seawall_core::diff_reports(baseline, report);
    }
    let mut view = Report::new(report.target.clone());
    view.findings =
        report.findings.iter().chain(report.suppressed.iter().filter(by_baseline)).cloned().collect();
    seawall_core::diff_reports(baseline, &view)
}

/// `vex 1, ignore 2` — suppressed findings counted by the kind of suppression.
pub(crate) fn suppression_breakdown(report: &Report) -> String {
    let mut m: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.suppressed {
        let kind = f.suppression.as_ref().map(|s| s.by.as_str()).unwrap_or("other");
        *m.entry(kind).or_default() += 1;
    }
    m.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_size(10), "10 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }

    #[test]
    fn digests() {
        assert_eq!(short_digest("sha256:0123456789abcdef"), "sha256:0123456789ab");
        assert_eq!(short_digest("x"), "x");
    }
}
