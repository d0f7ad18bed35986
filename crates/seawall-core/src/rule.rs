use serde::Serialize;

use crate::{FindingKind, Practice, Severity};

/// One entry of the rule catalog.
///
/// Scanner crates declare their rules with the [`rules!`](crate::rules) macro and export them as
/// `pub static RULES: &[RuleMeta]`; the catalog (in `seawall-scan`) concatenates them, and
/// `seawall rules`, `seawall explain`, `docs/rules/` and SARIF rule metadata are all generated from it.
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

/// Declares catalog rules: one constant [`RuleMeta`] per rule (documented with its title) and an `ALL`
/// slice of them in declaration order. The one way every scanner crate declares its rules.
///
/// The first token is the visibility of the generated items (it may be empty), then the
/// [`FindingKind`] variant shared by the block; `why`, `fix` and `refs` take any constant expression
/// (`concat!(…)` to share text, a `&[…]` slice or a macro for references).
///
/// ```
/// mod catalog {
///     seawall_core::rules! {
///         pub kind: Misconfiguration;
///         DF_ROOT = "SW-DF-001", High, 4, "Image runs as root",
///             why: "A process running as root in the container is root on the host after an escape.",
///             fix: "Add `USER 10001` after the last step that needs root.",
///             refs: &["https://docs.docker.com/build/building/best-practices/#user"];
///     }
/// }
/// assert_eq!(catalog::ALL.len(), 1);
/// assert_eq!(catalog::DF_ROOT.severity, seawall_core::Severity::High);
/// ```
#[macro_export]
macro_rules! rules {
    (
        $vis:vis kind: $kind:ident;
        $(
            $(#[$attr:meta])*
            $name:ident = $id:literal, $sev:ident, $practice:literal, $title:literal,
            why: $why:expr,
            fix: $fix:expr,
            refs: $refs:expr;
        )*
    ) => {
        $(
            #[doc = $title]
            $(#[$attr])*
            $vis const $name: $crate::RuleMeta = $crate::RuleMeta {
                id: $id,
                kind: $crate::FindingKind::$kind,
                severity: $crate::Severity::$sev,
                practice: $practice,
                title: $title,
                rationale: $why,
                fix: $fix,
                references: $refs,
            };
        )*
        /// Every rule of this block, in declaration order.
        $vis const ALL: &[$crate::RuleMeta] = &[$($name),*];
    };
}
