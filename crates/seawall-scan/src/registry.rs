//! The explicit analyzer registry and the rule catalog. No global state, no link-time registration:
//! every scan builds its own list from the enabled [`Scanners`].

use seawall_analyzer::{FileAnalyzer, ImageAnalyzer};
use seawall_core::RuleMeta;

use crate::Scanners;

/// The per-file analyzers for a scanner set, in a fixed order.
pub fn file_analyzers(scanners: &Scanners) -> Vec<Box<dyn FileAnalyzer>> {
    let mut v: Vec<Box<dyn FileAnalyzer>> = Vec::new();
    if scanners.inventory {
        v.extend(seawall_inventory::analyzers());
    }
    if scanners.secret {
        v.push(Box::new(seawall_secrets::SecretsAnalyzer::new()));
    }
    if scanners.model {
        v.push(Box::new(seawall_model::ModelAnalyzer::new(seawall_model::ScanOptions::default())));
    }
    if scanners.config {
        v.push(Box::new(seawall_config::file_analyzer()));
    }
    v
}

/// The whole-image analyzers for a scanner set, in a fixed order.
pub fn image_analyzers(scanners: &Scanners) -> Vec<Box<dyn ImageAnalyzer>> {
    let mut v: Vec<Box<dyn ImageAnalyzer>> = Vec::new();
    if scanners.secret {
        v.push(Box::new(seawall_secrets::ImageConfigSecretsAnalyzer));
    }
    if scanners.config {
        v.push(Box::new(seawall_config::image_analyzer()));
    }
    v
}

/// Every rule seawall can report, sorted by id.
pub fn catalog() -> Vec<RuleMeta> {
    let mut v: Vec<RuleMeta> = Vec::new();
    v.extend_from_slice(seawall_config::RULES);
    v.extend_from_slice(seawall_secrets::RULES);
    v.extend_from_slice(seawall_model::RULES);
    v.extend_from_slice(seawall_docker::audit::RULES);
    v.sort_by_key(|r| r.id);
    v
}

/// The catalog entry for a rule id (case-insensitive).
pub fn rule(id: &str) -> Option<RuleMeta> {
    catalog().into_iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn analyzer_names_are_unique_and_all_build() {
        let all = Scanners::default();
        let mut seen = HashSet::new();
        let files = file_analyzers(&all);
        assert!(files.len() >= 4);
        for a in files {
            assert!(seen.insert(a.name()), "duplicate analyzer name {}", a.name());
            assert!(a.version() >= 1, "{}", a.name());
        }
        for a in image_analyzers(&all) {
            assert!(seen.insert(a.name()), "duplicate analyzer name {}", a.name());
        }
    }

    #[test]
    fn rule_ids_are_unique_and_documented() {
        let mut seen = HashSet::new();
        let all = catalog();
        assert!(all.len() > 50, "{}", all.len());
        for r in all {
            assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
            assert!(!r.title.is_empty() && !r.rationale.is_empty() && !r.fix.is_empty(), "{}", r.id);
            assert!((1..=10).contains(&r.practice), "{}", r.id);
        }
        assert!(rule("sw-ctr-001").is_some());
    }
}
