//! The explicit analyzer registry and the rule catalog. No global state, no link-time registration:
//! every scan builds its own list from the enabled [`Scanners`].

use seawall_analyzer::{FileAnalyzer, ImageAnalyzer};
use seawall_core::RuleMeta;

use crate::Scanners;

/// The per-file analyzers for a scanner set, in a fixed order, with default options.
pub fn file_analyzers(scanners: &Scanners) -> Vec<Box<dyn FileAnalyzer>> {
    file_analyzers_with(scanners, &seawall_config::ConfigOptions::default())
}

/// The per-file analyzers for a scanner set with the configuration checks' options.
pub fn file_analyzers_with(
    scanners: &Scanners,
    config: &seawall_config::ConfigOptions,
) -> Vec<Box<dyn FileAnalyzer>> {
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
        v.push(Box::new(seawall_config::ConfigFileAnalyzer::new(config.clone())));
    }
    v
}

/// The whole-image analyzers for a scanner set, in a fixed order, with default options.
pub fn image_analyzers(scanners: &Scanners) -> Vec<Box<dyn ImageAnalyzer>> {
    image_analyzers_with(scanners, &seawall_config::ConfigOptions::default())
}

/// The whole-image analyzers for a scanner set with the configuration checks' options.
pub fn image_analyzers_with(
    scanners: &Scanners,
    config: &seawall_config::ConfigOptions,
) -> Vec<Box<dyn ImageAnalyzer>> {
    let mut v: Vec<Box<dyn ImageAnalyzer>> = Vec::new();
    if scanners.secret {
        v.push(Box::new(seawall_secrets::ImageConfigSecretsAnalyzer));
    }
    if scanners.config {
        v.push(Box::new(seawall_config::ImageConfigAnalyzer::new(config.clone())));
    }
    v
}

/// Which scanner each analyzer (file and image analyzers) belongs to, by analyzer name.
pub fn analyzer_owners(
    config: &seawall_config::ConfigOptions,
) -> std::collections::BTreeMap<&'static str, seawall_core::Scanner> {
    use seawall_core::Scanner;
    let mut m = std::collections::BTreeMap::new();
    for s in [Scanner::Inventory, Scanner::Secret, Scanner::Model, Scanner::Config] {
        let only = Scanners::only(s);
        for a in file_analyzers_with(&only, config) {
            m.insert(a.name(), s);
        }
        for a in image_analyzers_with(&only, config) {
            m.insert(a.name(), s);
        }
    }
    m
}

/// The scanner a warning's origin concerns: the scanner of the analyzer of that name, a scanner
/// named directly (`vuln`, `secrets`, `model`, `config`), or `None` for every scanner (the source, the
/// walker, or an origin seawall does not know: fail closed).
pub fn scanner_of_origin(
    owners: &std::collections::BTreeMap<&'static str, seawall_core::Scanner>,
    origin: &str,
) -> Option<seawall_core::Scanner> {
    if let Some(s) = owners.get(origin) {
        return Some(*s);
    }
    // Analyzers report sub-origins such as `model:pickle` or `config-files`.
    let head = origin.split([':', '/']).next().unwrap_or(origin);
    if let Some(s) = owners.get(head) {
        return Some(*s);
    }
    match head {
        "source" | "walker" | "cache" => None,
        "config-files" | "dockerfile" | "compose" | "kubernetes" => Some(seawall_core::Scanner::Config),
        other => other.parse().ok(),
    }
}

/// Every rule seawall can report, sorted by id.
pub fn catalog() -> Vec<RuleMeta> {
    let mut v: Vec<RuleMeta> = Vec::new();
    v.extend_from_slice(seawall_config::RULES);
    v.extend_from_slice(seawall_secrets::RULES);
    v.extend_from_slice(seawall_model::RULES);
    v.extend_from_slice(seawall_config::live::RULES);
    v.extend_from_slice(seawall_trust::RULES);
    v.sort_by_key(|r| r.id);
    v
}

/// The catalog entry for a rule id (case-insensitive).
pub fn rule(id: &str) -> Option<RuleMeta> {
    catalog().into_iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// The rule documentation generated from the catalog: `(file name, Markdown)` pairs — one page per
/// rule (`SW-DF-001.md`) and an index (`README.md`) grouped by practice. `docs/rules/` holds exactly
/// this output (`seawall rules --format markdown --output docs/rules`); a test keeps it in sync.
pub fn markdown_pages() -> Vec<(String, String)> {
    use std::fmt::Write as _;
    let rules = catalog();
    let mut pages = Vec::new();
    let mut index = String::from(
        "# seawall rules\n\nGenerated from the rule catalog by `seawall rules --format markdown --output docs/rules`; \
         do not edit by hand. `seawall explain ID` prints the same page in a terminal.\n",
    );
    for practice in 1..=10u8 {
        let in_practice: Vec<_> = rules.iter().filter(|r| r.practice == practice).collect();
        if in_practice.is_empty() {
            continue;
        }
        let _ = write!(
            index,
            "\n## Practice {practice} — {}\n\n| id | severity | kind | title |\n|---|---|---|---|\n",
            seawall_core::practice_title(practice)
        );
        for r in in_practice {
            let _ = writeln!(
                index,
                "| [{id}]({id}.md) | {} | {} | {} |",
                r.severity,
                r.kind.as_str(),
                r.title.replace('|', "\\|"),
                id = r.id
            );
        }
    }
    for r in &rules {
        let mut page = format!(
            "# {} — {}\n\n| severity | kind | practice |\n|---|---|---|\n| {} | {} | {} — {} |\n\n## Why it matters\n\n{}\n\n## How to fix\n\n{}\n",
            r.id,
            r.title,
            r.severity,
            r.kind.as_str(),
            r.practice,
            seawall_core::practice_title(r.practice),
            r.rationale,
            r.fix
        );
        if !r.references.is_empty() {
            page.push_str("\n## References\n\n");
            for u in r.references {
                let _ = writeln!(page, "- <{u}>");
            }
        }
        pages.push((format!("{}.md", r.id), page));
    }
    pages.push(("README.md".to_string(), index));
    pages
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
    fn warning_origins_map_to_their_scanner_or_to_all() {
        use seawall_core::Scanner;
        let owners = analyzer_owners(&seawall_config::ConfigOptions::default());
        for (name, s) in &owners {
            assert_eq!(scanner_of_origin(&owners, name), Some(*s), "{name}");
        }
        assert_eq!(scanner_of_origin(&owners, "vuln"), Some(Scanner::Vuln));
        assert_eq!(scanner_of_origin(&owners, "secrets"), Some(Scanner::Secret));
        assert_eq!(scanner_of_origin(&owners, "walker"), None);
        assert_eq!(scanner_of_origin(&owners, "source"), None);
        assert_eq!(
            scanner_of_origin(&owners, "something-new"),
            None,
            "unknown origins concern every scanner"
        );
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
