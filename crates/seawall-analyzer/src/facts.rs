use serde::{Deserialize, Serialize};

use seawall_core::{Finding, Location, ModelFile, OsInfo, Package, ScanWarning};

/// A small text file kept for whole-image analyzers (`/etc/passwd`, `/etc/shadow`, `/etc/group`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedFile {
    /// Where it was read.
    pub location: Location,
    /// The content, lossily decoded as UTF-8.
    pub content: String,
}

/// What analyzers produce for one layer (or one directory scan).
///
/// Every item carries a [`Location`] with the path of the file it came from and the layer index, so
/// that whiteouts and overwrites in later layers can be applied to facts (the squashed view) while facts
/// of deleted files stay available (secrets "still present in layer N").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// Packages; `locations[0]` is the database or metadata file they were read from.
    pub packages: Vec<Package>,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Model files with their verdicts.
    pub models: Vec<ModelFile>,
    /// OS identification from `os-release` files.
    pub os: Vec<(Location, OsInfo)>,
    /// Small files captured for [`crate::ImageAnalyzer`]s.
    pub files: Vec<CapturedFile>,
    /// Everything that could not be read or analyzed completely.
    pub warnings: Vec<ScanWarning>,
}

impl Facts {
    /// Appends all facts of `other`.
    pub fn extend(&mut self, other: Facts) {
        self.packages.extend(other.packages);
        self.findings.extend(other.findings);
        self.models.extend(other.models);
        self.os.extend(other.os);
        self.files.extend(other.files);
        self.warnings.extend(other.warnings);
    }

    /// True when nothing was produced.
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
            && self.findings.is_empty()
            && self.models.is_empty()
            && self.os.is_empty()
            && self.files.is_empty()
            && self.warnings.is_empty()
    }

    /// Sets the layer index on every location (used when a layer's facts were computed before its index
    /// was known, or loaded from the cache).
    pub fn set_layer(&mut self, layer: Option<u32>) {
        for p in &mut self.packages {
            for l in &mut p.locations {
                l.layer = layer;
            }
        }
        for f in &mut self.findings {
            f.location.layer = layer;
        }
        for m in &mut self.models {
            m.location.layer = layer;
        }
        for (l, _) in &mut self.os {
            l.layer = layer;
        }
        for c in &mut self.files {
            c.location.layer = layer;
        }
        for w in &mut self.warnings {
            if let Some(l) = &mut w.location {
                l.layer = layer;
            }
        }
    }
}
