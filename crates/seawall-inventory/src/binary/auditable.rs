//! `cargo auditable` data: the zlib-compressed JSON of section `.dep-v0`.

use std::io::Read;

use flate2::read::ZlibDecoder;
use seawall_analyzer::AnalyzerError;
use serde::Deserialize;

use super::{AUDITABLE_MAX, PROP_CARGO_KIND};
use crate::cargo_lock::crate_package;
use crate::common::Out;

#[derive(Deserialize)]
struct Auditable {
    packages: Vec<AuditablePackage>,
}

#[derive(Deserialize)]
struct AuditablePackage {
    name: String,
    version: String,
    #[serde(default)]
    kind: Option<String>,
}

/// Inflates and parses a `cargo auditable` `.dep-v0` section into `(name, version, kind)`.
/// Fuzz entry point.
pub fn parse_cargo_auditable(section: &[u8]) -> Result<Vec<(String, String, Option<String>)>, AnalyzerError> {
    let mut json = Vec::new();
    ZlibDecoder::new(section).take(AUDITABLE_MAX + 1).read_to_end(&mut json)?;
    if json.len() as u64 > AUDITABLE_MAX {
        return Err(AnalyzerError::Limit(format!(
            "cargo auditable data inflates beyond {AUDITABLE_MAX} bytes"
        )));
    }
    let a: Auditable = serde_json::from_slice(&json).map_err(|e| AnalyzerError::parse(e.to_string()))?;
    Ok(a.packages.into_iter().map(|p| (p.name, p.version, p.kind)).collect())
}

pub(crate) fn cargo_packages(out: &mut Out<'_, '_>, section: &[u8]) -> Result<(), AnalyzerError> {
    for (name, version, kind) in parse_cargo_auditable(section)? {
        let mut p = crate_package(out, &name, &version);
        if let Some(k) = kind.filter(|k| k != "runtime") {
            p.properties.insert(PROP_CARGO_KIND.into(), k);
        }
        out.push(p);
    }
    Ok(())
}
