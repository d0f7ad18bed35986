use serde::Serialize;

use crate::{FindingKind, Practice, Severity};

/// One entry of the rule catalog.
///
/// Scanner crates declare their rules as `pub static RULES: &[RuleMeta]`; the catalog (in
/// `seawall-scan`) concatenates them, and `seawall rules`, `seawall explain`, `docs/rules/` and SARIF rule
/// metadata are all generated from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleMeta {
    /// Unique id, `SW-<AREA>-<NNN>` (e.g. `SW-DF-001`).
    pub id: &'static str,
    /// Which finding kind the rule produces.
    pub kind: FindingKind,
    /// Default severity.
    pub severity: Severity,
    /// Seed practice number (1–10).
    pub practice: Practice,
    /// One-line title.
    pub title: &'static str,
    /// Why it matters (one paragraph, Markdown).
    pub rationale: &'static str,
    /// How to fix it, with an example (Markdown; code blocks allowed).
    pub fix: &'static str,
    /// Reference URLs (CIS benchmark section, Docker docs, CVE, …).
    pub references: &'static [&'static str],
}
