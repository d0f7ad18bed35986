use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Location, Practice, Severity, stable_hash};

/// The four kinds of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// A known vulnerability in a package (OSV advisory).
    Vulnerability,
    /// A credential or key in a file, config or image metadata.
    Secret,
    /// A model file that can execute code (or could not be proven safe) when loaded.
    Model,
    /// A configuration problem (Dockerfile, image config, compose, Kubernetes, daemon, live container).
    Misconfiguration,
}

impl FindingKind {
    /// The lower-case name used in JSON and in `--scanners`.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Vulnerability => "vulnerability",
            FindingKind::Secret => "secret",
            FindingKind::Model => "model",
            FindingKind::Misconfiguration => "misconfiguration",
        }
    }
}

/// Whether a fix is available for a vulnerability finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixStatus {
    /// A fixed version is known.
    Fixed,
    /// No fix is available (yet).
    #[serde(alias = "not_fixed", alias = "affected")]
    Unfixed,
    /// The distribution decided not to fix it.
    #[serde(alias = "wont_fix")]
    WillNotFix,
    /// A fix is planned but deferred.
    FixDeferred,
}

impl FixStatus {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FixStatus::Fixed => "fixed",
            FixStatus::Unfixed => "unfixed",
            FixStatus::WillNotFix => "will_not_fix",
            FixStatus::FixDeferred => "fix_deferred",
        }
    }

    /// True when no fix is available (every status but `fixed`).
    pub fn is_unfixed(self) -> bool {
        self != FixStatus::Fixed
    }
}

impl std::fmt::Display for FixStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What moved a finding from the active list to `suppressed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressedBy {
    /// An entry of `.seawallignore` or `seawall.toml` `[[ignore]]`.
    Ignore,
    /// An inline `# seawall ignore=ID` (or `# hadolint ignore=`) comment in the scanned file.
    Inline,
    /// An OpenVEX statement (`not_affected` / `fixed`).
    Vex,
    /// `--ignore-unfixed`.
    IgnoreUnfixed,
    /// The `--severity` filter.
    SeverityFilter,
    /// Present in the `--baseline` report.
    Baseline,
}

impl SuppressedBy {
    /// The kebab-case name used in JSON and SARIF.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressedBy::Ignore => "ignore",
            SuppressedBy::Inline => "inline",
            SuppressedBy::Vex => "vex",
            SuppressedBy::IgnoreUnfixed => "ignore-unfixed",
            SuppressedBy::SeverityFilter => "severity-filter",
            SuppressedBy::Baseline => "baseline",
        }
    }

    /// True for suppressions a person wrote down (ignore entries, inline comments, VEX) — SARIF's
    /// `external`/`inSource` suppressions — as opposed to filters of this run.
    pub fn is_justified(self) -> bool {
        matches!(self, SuppressedBy::Ignore | SuppressedBy::Inline | SuppressedBy::Vex)
    }
}

impl std::fmt::Display for SuppressedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a finding is suppressed: set by policy, read by every renderer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Suppression {
    /// The mechanism.
    pub by: SuppressedBy,
    /// Where it was declared: `.seawallignore:3`, the VEX document id, the file of an inline comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The reason or VEX justification, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Suppression {
    /// A suppression by `by` with no source or reason.
    pub fn new(by: SuppressedBy) -> Self {
        Suppression { by, source: None, reason: None }
    }

    /// `by` alone, or `by:source` (`ignore:.seawallignore:3`, `vex:doc-1`).
    pub fn label(&self) -> String {
        match &self.source {
            Some(s) => format!("{}:{s}", self.by),
            None => self.by.to_string(),
        }
    }
}

/// A CVSS score attached to a vulnerability.
#[derive(Debug, Clone, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Cvss {
    /// `3.0`, `3.1` or `4.0`.
    pub version: String,
    /// The vector string, e.g. `CVSS:3.1/AV:N/AC:L/...`.
    pub vector: String,
    /// The base score computed from the vector.
    pub score: f64,
}

/// The package a vulnerability finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PackageRef {
    /// Package name.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// OSV ecosystem string of the package.
    pub ecosystem: String,
}

/// One problem found by a scanner.
///
/// Common fields come first; the optional groups are filled by the scanner kinds that need them
/// (vulnerability: `aliases`, `cvss`, `package`, `fixed_versions`, `references`, `status`; secret:
/// `redacted`, `deleted_in_layer`; model: `callables`, `opcode_offset`, `format`). Empty optional fields
/// are omitted from JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Which scanner family produced it.
    pub kind: FindingKind,
    /// Rule id (`SW-…`) or advisory id (`GHSA-…`, `CVE-…`, `PYSEC-…`).
    pub id: String,
    /// Severity after any overrides.
    pub severity: Severity,
    /// Seed practice number (1–10).
    pub practice: Practice,
    /// One-line title.
    pub title: String,
    /// Where.
    pub location: Location,
    /// Free-text detail specific to this occurrence (what exactly matched and why).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Stable fingerprint usable in `.seawallignore`, baselines and SARIF `partialFingerprints`.
    #[serde(default)]
    pub fingerprint: String,

    /// Other ids of the same advisory (CVE, GHSA, PYSEC, DSA …), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// CVSS scores.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cvss: Vec<Cvss>,
    /// The vulnerable package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageRef>,
    /// Versions that fix the vulnerability.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed_versions: Vec<String>,
    /// Fix status of a vulnerability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<FixStatus>,
    /// Reference URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,

    /// Redacted secret: first 4 characters and the length, never the whole value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<String>,
    /// Index of the layer that removed or replaced the file, if the file is gone from the final image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_in_layer: Option<u32>,

    /// Resolved callables (`os.system`, `builtins.eval`) for model findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub callables: Vec<String>,
    /// Byte offset of the opcode that triggered a model finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opcode_offset: Option<u64>,
    /// Detected format of the file (`pickle`, `pytorch-zip`, `gguf`, …) for model findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,

    /// Why the finding is suppressed (set by policy; `None` for active findings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// The scanner's severity when a `[severity]` override changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_severity: Option<Severity>,

    /// Scanner-specific extra facts (e.g. `profile` = `restricted` for Pod Security findings).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
}

impl Finding {
    /// A finding with the common fields set and every optional field empty.
    pub fn new(
        kind: FindingKind,
        id: impl Into<String>,
        severity: Severity,
        practice: Practice,
        title: impl Into<String>,
    ) -> Self {
        Finding {
            kind,
            id: id.into(),
            severity,
            practice,
            title: title.into(),
            location: Location::default(),
            message: String::new(),
            fingerprint: String::new(),
            aliases: Vec::new(),
            cvss: Vec::new(),
            package: None,
            fixed_versions: Vec::new(),
            status: None,
            references: Vec::new(),
            redacted: None,
            deleted_in_layer: None,
            callables: Vec::new(),
            opcode_offset: None,
            format: None,
            suppression: None,
            original_severity: None,
            details: BTreeMap::new(),
        }
    }

    /// A finding built from a catalog rule (id, severity, practice, title taken from the rule).
    pub fn from_rule(rule: &crate::RuleMeta) -> Self {
        Finding::new(rule.kind, rule.id, rule.severity, rule.practice, rule.title)
    }

    /// Sets the location.
    pub fn with_location(mut self, location: Location) -> Self {
        self.location = location;
        self
    }

    /// Sets the message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// Adds a detail key/value.
    pub fn with_detail(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.details.insert(key.into(), value.into());
        self
    }

    /// Fills `fingerprint` from the identifying fields if the scanner did not set one.
    ///
    /// The default fingerprint hashes kind, id, path, member, container, package, `details["key"]` and
    /// the message (which names the service, variable or port concerned) — not the line, so that a
    /// finding keeps its fingerprint when unrelated lines move.
    pub fn ensure_fingerprint(&mut self) {
        if !self.fingerprint.is_empty() {
            return;
        }
        let pkg = self
            .package
            .as_ref()
            .map(|p| format!("{}|{}|{}", p.ecosystem, p.name, p.version))
            .unwrap_or_default();
        self.fingerprint = stable_hash(&[
            self.kind.as_str(),
            &self.id,
            &self.location.path,
            self.location.member.as_deref().unwrap_or(""),
            self.location.container.as_deref().unwrap_or(""),
            &pkg,
            self.details.get("key").map(String::as_str).unwrap_or(""),
            &self.message,
        ]);
    }

    /// The fingerprint: the one set, or the default one computed as [`Finding::ensure_fingerprint`]
    /// would, without changing the finding.
    pub fn fingerprint_or_default(&self) -> String {
        if self.fingerprint.is_empty() {
            let mut c = self.clone();
            c.ensure_fingerprint();
            c.fingerprint
        } else {
            self.fingerprint.clone()
        }
    }

    /// The ordering key used to sort findings deterministically.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (std::cmp::Reverse(self.severity), self.kind, &self.id, &self.location, &self.fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_line() {
        let mut a = Finding::new(FindingKind::Secret, "SW-SEC-001", Severity::High, 6, "t")
            .with_location(Location::file("a").with_line(3));
        let mut b = a.clone();
        b.location.line = Some(9);
        a.ensure_fingerprint();
        b.ensure_fingerprint();
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_eq!(a.fingerprint.len(), 16);
    }

    #[test]
    fn empty_fields_not_serialized() {
        let f = Finding::new(FindingKind::Model, "SW-MOD-001", Severity::Critical, 1, "t");
        let v = serde_json::to_value(&f).unwrap_or_default();
        assert!(v.get("aliases").is_none());
        assert_eq!(v["kind"], "model");
    }
}
