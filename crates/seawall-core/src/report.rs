use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{
    Completeness, CompletenessStatus, CoreError, Finding, IncompleteReason, Location, Package, Scanner,
    ScannerState, Target, WarningKind,
};

/// Version of the JSON report schema (`docs/json-output.md`). Bump on any incompatible change.
///
/// 2: `completeness`, typed scanner states (`complete`/`partial`/`skipped`), warning `kind`, typed
/// `suppression` on findings.
pub const SCHEMA_VERSION: u32 = 2;

/// The model scanner's verdict on one model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ModelVerdict {
    /// Proven free of code execution.
    #[default]
    Safe,
    /// Loads callables outside the allowlist that are not known to be dangerous.
    Suspicious,
    /// Executes code, or reads/writes files or the network, when loaded.
    Unsafe,
    /// Could not be proven safe (malformed, unsupported, over a bound): makes the scan incomplete.
    Unscannable,
}

impl ModelVerdict {
    /// The lower-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelVerdict::Safe => "safe",
            ModelVerdict::Suspicious => "suspicious",
            ModelVerdict::Unsafe => "unsafe",
            ModelVerdict::Unscannable => "unscannable",
        }
    }
}

impl fmt::Display for ModelVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ModelVerdict {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "safe" => ModelVerdict::Safe,
            "suspicious" => ModelVerdict::Suspicious,
            "unsafe" => ModelVerdict::Unsafe,
            "unscannable" => ModelVerdict::Unscannable,
            _ => return Err(CoreError::UnknownVerdict(s.to_string())),
        })
    }
}

impl PartialEq<str> for ModelVerdict {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ModelVerdict {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The tool that produced a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// Always `seawall`.
    pub name: String,
    /// The seawall version.
    pub version: String,
}

/// A model file found in the target, with the scanner's verdict.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ModelFile {
    /// Where the file is (member set for files inside archives).
    pub location: Location,
    /// Detected format (`pickle`, `pytorch-zip`, `safetensors`, `gguf`, `onnx`, `keras-h5`, …).
    pub format: String,
    /// Framework guess (`pytorch`, `sklearn`, `numpy`, `tensorflow`, `keras`, `llama.cpp`, `onnx`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// The verdict.
    pub verdict: ModelVerdict,
}

/// Something that could not be read or analyzed completely. Never dropped: it is part of the report.
///
/// Every warning makes the scan incomplete unless its [`kind`](ScanWarning::kind) is
/// [`WarningKind::Notice`] (fail closed: [`ScanWarning::at`] and [`ScanWarning::general`] default to
/// [`WarningKind::FileNotAnalyzed`]; use [`ScanWarning::notice`] for remarks that do not hide input).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScanWarning {
    /// The component that raised it (source, walker, analyzer name, scanner).
    pub origin: String,
    /// The file or object concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// What went wrong.
    pub message: String,
    /// Why the input was not read completely (or `notice`).
    #[serde(default)]
    pub kind: WarningKind,
}

impl ScanWarning {
    /// A warning about a location (kind [`WarningKind::FileNotAnalyzed`] until set otherwise).
    pub fn at(origin: impl Into<String>, location: Location, message: impl Into<String>) -> Self {
        ScanWarning {
            origin: origin.into(),
            location: Some(location),
            message: message.into(),
            kind: WarningKind::default(),
        }
    }

    /// A warning not tied to a file (kind [`WarningKind::FileNotAnalyzed`] until set otherwise).
    pub fn general(origin: impl Into<String>, message: impl Into<String>) -> Self {
        ScanWarning {
            origin: origin.into(),
            location: None,
            message: message.into(),
            kind: WarningKind::default(),
        }
    }

    /// An informational remark that does not make the scan incomplete.
    pub fn notice(origin: impl Into<String>, message: impl Into<String>) -> Self {
        ScanWarning::general(origin, message).with_kind(WarningKind::Notice)
    }

    /// Sets the kind.
    pub fn with_kind(mut self, kind: WarningKind) -> Self {
        self.kind = kind;
        self
    }

    /// True when this warning makes the scan incomplete.
    pub fn is_incomplete(&self) -> bool {
        self.kind.is_incomplete()
    }

    /// `origin: path: message`, the form used in `INCOMPLETE:` lines and summaries.
    pub fn render(&self) -> String {
        match &self.location {
            Some(l) if !l.path.is_empty() => format!("{}: {}: {}", self.origin, l.path, self.message),
            _ => format!("{}: {}", self.origin, self.message),
        }
    }
}

/// How completely a requested scanner ran.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScannerStatus {
    /// Which scanner.
    pub name: Scanner,
    /// `complete`, `partial` or `skipped`.
    pub status: ScannerState,
    /// Why it was skipped or is partial (human text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The kinds of gaps that made it partial, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<WarningKind>,
}

impl ScannerStatus {
    /// A scanner that ran to completion.
    pub fn complete(name: Scanner) -> Self {
        ScannerStatus { name, status: ScannerState::Complete, message: None, reasons: Vec::new() }
    }

    /// A requested scanner that did not run, with the kind of gap and why.
    pub fn skipped(name: Scanner, kind: WarningKind, message: impl Into<String>) -> Self {
        ScannerStatus {
            name,
            status: ScannerState::Skipped,
            message: Some(message.into()),
            reasons: vec![kind],
        }
    }

    /// Marks the scanner partial because of a gap of `kind` (a skipped scanner stays skipped).
    pub fn mark_partial(&mut self, kind: WarningKind) {
        if !kind.is_incomplete() {
            return;
        }
        if self.status == ScannerState::Complete {
            self.status = ScannerState::Partial;
        }
        if !self.reasons.contains(&kind) {
            self.reasons.push(kind);
            self.reasons.sort();
        }
    }
}

/// The complete result of one scan. Reporters render it; `--format json` serializes it as is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The producing tool.
    pub tool: ToolInfo,
    /// What was scanned.
    pub target: Target,
    /// Whether every input was read and verified, with every reason when not. Computed by
    /// [`Report::normalize`].
    #[serde(default)]
    pub completeness: Completeness,
    /// Which scanners ran, and how completely.
    #[serde(default)]
    pub scanners: Vec<ScannerStatus>,
    /// The inventory, sorted by (ecosystem, name, version).
    #[serde(default)]
    pub packages: Vec<Package>,
    /// Model files found, sorted by location.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ModelFile>,
    /// Findings, sorted by severity (highest first), kind, id, location.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// Findings suppressed by ignore files, VEX statements or baselines (with `details.suppressed_by`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<Finding>,
    /// Everything that could not be read or analyzed completely.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ScanWarning>,
    /// Signatures, attestations and base image (`seawall-trust`), when checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<crate::TrustSummary>,
}

impl Report {
    /// An empty report for a target.
    pub fn new(target: Target) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo { name: "seawall".into(), version: env!("CARGO_PKG_VERSION").into() },
            target,
            completeness: Completeness::default(),
            scanners: Vec::new(),
            packages: Vec::new(),
            models: Vec::new(),
            findings: Vec::new(),
            suppressed: Vec::new(),
            warnings: Vec::new(),
            trust: None,
        }
    }

    /// Sorts every list and fills missing fingerprints, so that the same input gives byte-identical
    /// output.
    pub fn normalize(&mut self) {
        // One entry per (ecosystem, name, version, purl): the same package seen by several analyzers
        // (the interpreter from dpkg and from patchlevel.h) or at several paths keeps all locations.
        let mut merged: std::collections::BTreeMap<(String, String, String, Option<String>), Package> =
            std::collections::BTreeMap::new();
        for p in std::mem::take(&mut self.packages) {
            let key = (p.ecosystem.clone(), p.name.clone(), p.version.clone(), p.purl.clone());
            match merged.get_mut(&key) {
                Some(m) => {
                    m.locations.extend(p.locations);
                    for (k, v) in p.properties {
                        m.properties.entry(k).or_insert(v);
                    }
                    if m.source.is_none() {
                        m.source = p.source;
                    }
                }
                None => {
                    merged.insert(key, p);
                }
            }
        }
        self.packages = merged.into_values().collect();
        for p in &mut self.packages {
            p.locations.sort();
            p.locations.dedup();
        }
        for f in self.findings.iter_mut().chain(self.suppressed.iter_mut()) {
            f.ensure_fingerprint();
            f.aliases.sort();
            f.aliases.dedup();
            f.callables.sort();
            f.callables.dedup();
            f.references.dedup();
        }
        self.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.suppressed.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.models.sort();
        self.models.dedup();
        self.warnings.sort();
        self.warnings.dedup();
        self.scanners.sort();
        if let Some(t) = &mut self.trust {
            t.checks.sort();
            t.checks.dedup();
        }
        self.completeness = self.compute_completeness();
    }

    /// The completeness implied by the warnings, the model verdicts and the scanner statuses: one
    /// reason per kind, with a count and the first occurrence.
    pub fn compute_completeness(&self) -> Completeness {
        let mut by_kind: std::collections::BTreeMap<WarningKind, (usize, String)> = Default::default();
        let mut add = |kind: WarningKind, example: String| {
            let e = by_kind.entry(kind).or_insert((0, example));
            e.0 += 1;
        };
        for w in self.warnings.iter().filter(|w| w.is_incomplete()) {
            add(w.kind, w.render());
        }
        for m in self.models.iter().filter(|m| m.verdict == ModelVerdict::Unscannable) {
            // An unscannable model usually has its own warning; count the model itself only when not.
            let warned = self.warnings.iter().any(|w| {
                w.kind == WarningKind::UnscannableModel
                    && w.location.as_ref().is_some_and(|l| l.path == m.location.path)
            });
            if !warned {
                add(
                    WarningKind::UnscannableModel,
                    format!("model: {}: {} file not proven safe", m.location.path, m.format),
                );
            }
        }
        for s in self.scanners.iter().filter(|s| s.status == ScannerState::Skipped) {
            let kind = s.reasons.first().copied().unwrap_or(WarningKind::ScannerError);
            add(kind, format!("scanner {} skipped: {}", s.name, s.message.as_deref().unwrap_or("not run")));
        }
        let reasons: Vec<IncompleteReason> = by_kind
            .into_iter()
            .map(|(kind, (count, example))| IncompleteReason { kind, count, example })
            .collect();
        let status =
            if reasons.is_empty() { CompletenessStatus::Complete } else { CompletenessStatus::Incomplete };
        Completeness { status, reasons }
    }

    /// True when every input was read and verified (see [`Report::completeness`]).
    pub fn is_complete(&self) -> bool {
        self.compute_completeness().is_complete()
    }

    /// The highest severity among findings, if any.
    pub fn max_severity(&self) -> Option<crate::Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FindingKind, Severity, TargetKind};

    #[test]
    fn normalize_merges_duplicate_packages() {
        let mut r = Report::new(Target::new(TargetKind::Image, "x"));
        r.packages.push(Package::new(
            "python",
            "3.11.2",
            "CPython",
            Location::file("/usr/include/python3.11/patchlevel.h"),
        ));
        r.packages.push(Package::new("python", "3.11.2", "CPython", Location::file("/var/lib/dpkg/status")));
        r.packages.push(Package::new("python", "3.12.0", "CPython", Location::file("/opt/venv/pyvenv.cfg")));
        r.normalize();
        assert_eq!(r.packages.len(), 2);
        assert_eq!(r.packages[0].locations.len(), 2);
    }

    #[test]
    fn normalize_sorts_findings_by_severity() {
        let mut r = Report::new(Target::new(TargetKind::Filesystem, "x"));
        r.findings.push(Finding::new(FindingKind::Secret, "B", Severity::Low, 6, "b"));
        r.findings.push(Finding::new(FindingKind::Secret, "A", Severity::Critical, 6, "a"));
        r.normalize();
        assert_eq!(r.findings[0].id, "A");
        assert!(r.findings.iter().all(|f| !f.fingerprint.is_empty()));
        assert_eq!(r.max_severity(), Some(Severity::Critical));
    }
}
