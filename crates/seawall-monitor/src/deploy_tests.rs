//! The shipped Grafana dashboard and Prometheus rules only reference metrics the monitor exports.

use std::collections::BTreeSet;

use crate::metrics::Metrics;

const DASHBOARD: &str = include_str!("../../../deploy/grafana/seawall-dashboard.json");
const ALERTS: &str = include_str!("../../../deploy/prometheus/alerts.yml");

fn metric_refs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(pos) = text[i..].find("seawall_") {
        let start = i + pos;
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        out.insert(text[start..end].to_string());
        i = end;
    }
    out
}

fn exported() -> BTreeSet<String> {
    let m = Metrics::new();
    // Make every family emit a sample line.
    m.drift_alerts.get_or_create(&crate::metrics::labels(&[("rule", "x"), ("severity", "HIGH")])).inc();
    m.findings.get_or_create(&crate::metrics::labels(&[("image", "i")])).set(1);
    m.containers_by_risk.get_or_create(&crate::metrics::labels(&[("risk", "none")])).set(1);
    m.events.get_or_create(&crate::metrics::labels(&[("type", "container")])).inc();
    m.render()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(str::to_string)
        .collect()
}

#[test]
fn dashboard_is_valid_json_and_uses_exported_metrics() {
    let v: serde_json::Value = serde_json::from_str(DASHBOARD).unwrap();
    assert!(v["panels"].as_array().is_some_and(|p| p.len() >= 8));
    let exported = exported();
    for m in metric_refs(DASHBOARD) {
        assert!(exported.contains(&m), "dashboard uses {m}, not exported: {exported:?}");
    }
}

#[test]
fn alert_rules_parse_and_use_exported_metrics() {
    let v: serde_json::Value = serde_saphyr::from_str(ALERTS).unwrap();
    let rules = v["groups"][0]["rules"].as_array().unwrap();
    assert!(rules.len() >= 4);
    for r in rules {
        assert!(r["alert"].is_string() && r["expr"].is_string(), "{r}");
    }
    let names: Vec<&str> = rules.iter().filter_map(|r| r["alert"].as_str()).collect();
    assert!(names.contains(&"SeawallContainerDrift") && names.contains(&"SeawallCriticalFindings"));
    let exported = exported();
    for m in metric_refs(ALERTS) {
        assert!(exported.contains(&m), "alerts use {m}, not exported: {exported:?}");
    }
}
