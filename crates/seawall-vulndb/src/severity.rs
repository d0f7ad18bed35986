//! Severity of an OSV record: CVSS v3.x / v4.0 vectors (scored with the `cvss` crate) and the
//! `database_specific.severity` / `ecosystem_specific.severity` labels.

use std::str::FromStr;

use seawall_core::{Cvss, Severity};

use crate::osv::{Affected, SeverityEntry, Vulnerability};

/// Scores one severity entry, if it is a CVSS v3.x or v4.0 vector.
pub fn score_entry(e: &SeverityEntry) -> Option<Cvss> {
    let vector = e.score.trim();
    if vector.starts_with("CVSS:3.") {
        let v = cvss::v3::Vector::from_str(vector).ok()?;
        let version = if vector.starts_with("CVSS:3.0") { "3.0" } else { "3.1" };
        return Some(Cvss { version: version.into(), vector: vector.into(), score: v.base_score().value() });
    }
    if vector.starts_with("CVSS:4.") {
        let v = cvss::v4::Vector::from_str(vector).ok()?;
        return Some(Cvss { version: "4.0".into(), vector: vector.into(), score: v.score().value() });
    }
    None
}

/// `severity` (GHSA, most databases) or Debian's `urgency` label.
fn label(value: Option<&serde_json::Value>) -> Option<Severity> {
    let v = value?;
    if let Some(s) = v.get("severity").and_then(|s| s.as_str()) {
        return s.parse::<Severity>().ok();
    }
    let u = v.get("urgency").and_then(|s| s.as_str())?.trim().trim_end_matches('*').to_ascii_lowercase();
    match u.as_str() {
        "unimportant" => Some(Severity::Low),
        other => other.parse::<Severity>().ok(),
    }
}

/// How a severity was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeveritySource {
    /// From a CVSS vector (the highest-scored one).
    Cvss,
    /// From a `severity` label in `database_specific` / `ecosystem_specific` / a non-CVSS entry.
    Label,
    /// No data: the default (`MEDIUM`) was used.
    Default,
}

/// Severity, CVSS scores (deduplicated, v4 first then v3) and how the severity was decided.
///
/// CVSS wins over labels (a CVSS score is the most specific); among vectors the highest score wins.
/// Without any data the severity is `MEDIUM`: an advisory with a known fix is never silently
/// ranked as informational.
pub fn severity_of(v: &Vulnerability, affected: &[&Affected]) -> (Severity, Vec<Cvss>, SeveritySource) {
    let mut scores: Vec<Cvss> = Vec::new();
    let entries = v.severity.iter().chain(affected.iter().flat_map(|a| a.severity.iter()));
    let mut labels: Vec<Severity> = Vec::new();
    for e in entries {
        if let Some(c) = score_entry(e) {
            if !scores.iter().any(|s| s.vector == c.vector) {
                scores.push(c);
            }
        } else if let Ok(s) = e.score.parse::<Severity>() {
            labels.push(s);
        }
    }
    labels.extend(label(v.database_specific.as_ref()));
    for a in affected {
        labels.extend(label(a.database_specific.as_ref()));
        labels.extend(label(a.ecosystem_specific.as_ref()));
    }
    scores.sort_by(|a, b| b.version.cmp(&a.version).then(b.score.total_cmp(&a.score)));
    if let Some(max) = scores.iter().map(|c| c.score).max_by(f64::total_cmp) {
        return (Severity::from_cvss_score(max), scores, SeveritySource::Cvss);
    }
    if let Some(max) = labels.into_iter().max() {
        return (max, scores, SeveritySource::Label);
    }
    (Severity::Medium, scores, SeveritySource::Default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss3_and_label() {
        let v = Vulnerability {
            id: "X".into(),
            severity: vec![SeverityEntry {
                kind: "CVSS_V3".into(),
                score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            }],
            ..Default::default()
        };
        let (s, c, src) = severity_of(&v, &[]);
        assert_eq!(s, Severity::Critical);
        assert_eq!(src, SeveritySource::Cvss);
        assert!((c[0].score - 9.8).abs() < 1e-9);

        let v = Vulnerability {
            id: "Y".into(),
            database_specific: Some(serde_json::json!({"severity": "MODERATE"})),
            ..Default::default()
        };
        assert_eq!(severity_of(&v, &[]).0, Severity::Medium);
        assert_eq!(severity_of(&v, &[]).2, SeveritySource::Label);
    }

    #[test]
    fn cvss4() {
        let e = SeverityEntry {
            kind: "CVSS_V4".into(),
            score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
        };
        let c = score_entry(&e);
        assert!(c.is_some_and(|c| c.score > 9.0 && c.version == "4.0"));
    }
}
