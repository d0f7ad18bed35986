use serde::{Deserialize, Serialize};

use crate::{Finding, Location, Package, Target};

/// Version of the JSON report schema (`docs/json-output.md`). Bump on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

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
    /// `safe`, `unsafe`, `suspicious` or `unscannable`.
    pub verdict: String,
}

/// Something that could not be read or analyzed completely. Never dropped: it is part of the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScanWarning {
    /// The component that raised it (source, walker, analyzer name, scanner).
    pub origin: String,
    /// The file or object concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// What went wrong.
    pub message: String,
}

impl ScanWarning {
    /// A warning about a location.
    pub fn at(origin: impl Into<String>, location: Location, message: impl Into<String>) -> Self {
        ScanWarning { origin: origin.into(), location: Some(location), message: message.into() }
    }

    /// A warning not tied to a file.
    pub fn general(origin: impl Into<String>, message: impl Into<String>) -> Self {
        ScanWarning { origin: origin.into(), location: None, message: message.into() }
    }
}

/// Whether a scanner ran, and if not why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScannerStatus {
    /// `inventory`, `vuln`, `secret`, `model`, `config`.
    pub name: String,
    /// `ok`, `skipped` or `error`.
    pub status: String,
    /// Why it was skipped or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
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
    /// Which scanners ran.
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
}

impl Report {
    /// An empty report for a target.
    pub fn new(target: Target) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo { name: "seawall".into(), version: env!("CARGO_PKG_VERSION").into() },
            target,
            scanners: Vec::new(),
            packages: Vec::new(),
            models: Vec::new(),
            findings: Vec::new(),
            suppressed: Vec::new(),
            warnings: Vec::new(),
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
