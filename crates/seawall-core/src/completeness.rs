//! The fail-closed verdict model: what was not read or analysed, per scanner and for the whole scan.
//!
//! A clean result means every input was read and verified. Anything that was not is a
//! [`ScanWarning`](crate::ScanWarning) whose [`WarningKind`] says why; every kind except
//! [`WarningKind::Notice`] makes the scan *incomplete*. Each scanner reports a [`ScannerState`]
//! (`complete`, `partial` with reasons, or `skipped`), and the report carries a top-level
//! [`Completeness`] that the CLI turns into an exit code (an incomplete scan fails `--fail-on` unless
//! `--allow-incomplete`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// Why something was not read or analysed completely — or, for [`WarningKind::Notice`], a remark that
/// does not affect completeness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum WarningKind {
    /// A layer's compressed or uncompressed digest computed on the bytes read differs from the one the
    /// manifest or image config claims.
    LayerDigestMismatch,
    /// A layer or blob could not be read to its end: truncated, corrupt (bad gzip CRC, tar error), not
    /// delivered by the source.
    LayerUnreadable,
    /// A scan-wide or per-archive bound was hit (inflated bytes, entries, nesting depth, ratio, list
    /// length): the rest was not read.
    BudgetExceeded,
    /// The vulnerability database is missing, unreadable or corrupt, so requested matching did not run.
    DatabaseUnavailable,
    /// A file that an analyzer wanted could not be read or parsed (error, size, unsupported encoding).
    /// The default kind: a warning nobody classified is treated as a file not analysed (fail closed).
    #[default]
    FileNotAnalyzed,
    /// A model file whose format or content could not be proven free of code execution.
    UnscannableModel,
    /// A parser's budget (YAML aliases, pickle opcodes, JSON depth, …) was exceeded.
    ParseBudgetExceeded,
    /// A whole scanner or analyzer failed.
    ScannerError,
    /// Informational only (a stale database, an expired ignore entry, a cache that could not be
    /// written): does not make the scan incomplete.
    Notice,
}

impl WarningKind {
    /// Every kind, in a fixed order.
    pub const ALL: [WarningKind; 9] = [
        WarningKind::LayerDigestMismatch,
        WarningKind::LayerUnreadable,
        WarningKind::BudgetExceeded,
        WarningKind::DatabaseUnavailable,
        WarningKind::FileNotAnalyzed,
        WarningKind::UnscannableModel,
        WarningKind::ParseBudgetExceeded,
        WarningKind::ScannerError,
        WarningKind::Notice,
    ];

    /// The kebab-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::LayerDigestMismatch => "layer-digest-mismatch",
            WarningKind::LayerUnreadable => "layer-unreadable",
            WarningKind::BudgetExceeded => "budget-exceeded",
            WarningKind::DatabaseUnavailable => "database-unavailable",
            WarningKind::FileNotAnalyzed => "file-not-analyzed",
            WarningKind::UnscannableModel => "unscannable-model",
            WarningKind::ParseBudgetExceeded => "parse-budget-exceeded",
            WarningKind::ScannerError => "scanner-error",
            WarningKind::Notice => "notice",
        }
    }

    /// A short human description (plural form), for `INCOMPLETE:` lines and banners.
    pub fn describe(self) -> &'static str {
        match self {
            WarningKind::LayerDigestMismatch => "layer digest mismatch",
            WarningKind::LayerUnreadable => "truncated or corrupt layer",
            WarningKind::BudgetExceeded => "scan budget exceeded",
            WarningKind::DatabaseUnavailable => "vulnerability database unavailable",
            WarningKind::FileNotAnalyzed => "file not analysed",
            WarningKind::UnscannableModel => "unscannable model",
            WarningKind::ParseBudgetExceeded => "parse budget exceeded",
            WarningKind::ScannerError => "scanner error",
            WarningKind::Notice => "notice",
        }
    }

    /// True for every kind that makes the scan incomplete (all but [`WarningKind::Notice`]).
    pub fn is_incomplete(self) -> bool {
        self != WarningKind::Notice
    }
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The five scanner families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scanner {
    /// Package inventory (SBOM).
    Inventory,
    /// Vulnerability matching.
    Vuln,
    /// Secret detection.
    Secret,
    /// Model-file analysis.
    Model,
    /// Configuration checks.
    Config,
}

impl Scanner {
    /// Every scanner, in the fixed report order.
    pub const ALL: [Scanner; 5] =
        [Scanner::Inventory, Scanner::Vuln, Scanner::Secret, Scanner::Model, Scanner::Config];

    /// The lower-case name used in JSON and in `--scanners`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scanner::Inventory => "inventory",
            Scanner::Vuln => "vuln",
            Scanner::Secret => "secret",
            Scanner::Model => "model",
            Scanner::Config => "config",
        }
    }
}

impl fmt::Display for Scanner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scanner {
    type Err = CoreError;
    /// Parses a scanner name and its common synonyms (`secrets`, `misconfig`, `sbom`, `vulns`, …).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "inventory" | "sbom" | "packages" => Scanner::Inventory,
            "vuln" | "vulns" | "vulnerability" | "vulnerabilities" => Scanner::Vuln,
            "secret" | "secrets" => Scanner::Secret,
            "model" | "models" => Scanner::Model,
            "config" | "misconfig" | "misconfiguration" => Scanner::Config,
            _ => return Err(CoreError::UnknownScanner(s.to_string())),
        })
    }
}

/// How completely one scanner ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ScannerState {
    /// Every input it wanted was read and analysed.
    #[default]
    Complete,
    /// It ran, but some input was not read or analysed (the reasons say why).
    Partial,
    /// It was requested but did not run at all (the message says why).
    Skipped,
}

impl ScannerState {
    /// The lower-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ScannerState::Complete => "complete",
            ScannerState::Partial => "partial",
            ScannerState::Skipped => "skipped",
        }
    }
}

impl fmt::Display for ScannerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a whole scan read everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CompletenessStatus {
    /// Every input was read and verified; a clean result means clean.
    #[default]
    Complete,
    /// Something was not read, verified or analysed: see the reasons.
    Incomplete,
}

/// One reason a scan is incomplete: a kind, how often it occurred, and the first occurrence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IncompleteReason {
    /// What kind of gap.
    pub kind: WarningKind,
    /// How many warnings (or unscannable models, skipped scanners) of this kind the report has.
    pub count: usize,
    /// The first occurrence, rendered (`origin: path: message`), so that one line names a real case.
    pub example: String,
}

/// The top-level completeness of a report, computed by [`Report::normalize`](crate::Report::normalize)
/// from the warnings, the model verdicts and the scanner statuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Completeness {
    /// `complete` or `incomplete`.
    pub status: CompletenessStatus,
    /// Every reason, one entry per kind, in [`WarningKind`] order; empty when complete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<IncompleteReason>,
}

impl Completeness {
    /// True when every input was read.
    pub fn is_complete(&self) -> bool {
        self.status == CompletenessStatus::Complete
    }

    /// One line naming every reason: `2 layer digest mismatch (source: layer 1: …); 1 unscannable model (…)`.
    pub fn summary(&self) -> String {
        self.reasons
            .iter()
            .map(|r| format!("{} {} (e.g. {})", r.count, r.kind.describe(), r.example))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_roundtrip_and_only_notice_is_complete() {
        for k in WarningKind::ALL {
            let s = serde_json::to_string(&k).unwrap_or_default();
            assert_eq!(s, format!("\"{}\"", k.as_str()));
            assert_eq!(k.is_incomplete(), k != WarningKind::Notice);
        }
        assert_eq!(WarningKind::default(), WarningKind::FileNotAnalyzed, "unclassified warnings fail closed");
    }

    #[test]
    fn scanner_names_parse() {
        for s in Scanner::ALL {
            assert_eq!(s.as_str().parse::<Scanner>().ok(), Some(s));
        }
        assert_eq!("Secrets".parse::<Scanner>().ok(), Some(Scanner::Secret));
        assert!("nope".parse::<Scanner>().is_err());
    }
}
