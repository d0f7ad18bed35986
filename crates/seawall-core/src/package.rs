use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Location;

/// The source package a binary package was built from (dpkg `Source:`, apk origin, rpm source rpm).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourcePackage {
    /// Source package name.
    pub name: String,
    /// Source package version.
    pub version: String,
}

/// One package found in a target.
///
/// `ecosystem` is the OSV ecosystem string: `PyPI`, `Debian:12`, `Ubuntu:22.04`, `Alpine:v3.19`, `npm`,
/// `crates.io`, `Go`, `Maven`, `conda`, … Extra package-manager data (conda build and channel, the
/// framework of a CUDA wheel, the analyzer that found it) lives in `properties`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Package {
    /// Package name as the package manager records it (Python names are PEP 503 normalised).
    pub name: String,
    /// Version string exactly as recorded.
    pub version: String,
    /// OSV ecosystem string.
    pub ecosystem: String,
    /// Package URL (purl), when one can be formed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Source package, where the package manager records one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePackage>,
    /// Where the package was seen (the package-manager database or metadata file).
    pub locations: Vec<Location>,
    /// Extra facts: `conda.build`, `conda.channel`, `analyzer`, `license`, …
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, String>,
}

impl Package {
    /// A package with no purl, source or properties, seen at one location.
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        ecosystem: impl Into<String>,
        location: Location,
    ) -> Self {
        Package {
            name: name.into(),
            version: version.into(),
            ecosystem: ecosystem.into(),
            purl: None,
            source: None,
            locations: vec![location],
            properties: BTreeMap::new(),
        }
    }

    /// Sets a property and returns the package.
    pub fn with_property(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.insert(key.into(), value.into());
        self
    }

    /// The ecosystem without its release suffix: `Debian:12` → `Debian`.
    pub fn ecosystem_base(&self) -> &str {
        self.ecosystem.split(':').next().unwrap_or(&self.ecosystem)
    }
}
