//! npm: `node_modules/<name>/package.json` and `node_modules/@scope/<name>/package.json` at any
//! depth (nested `node_modules`, global `/usr/local/lib/node_modules`). `package.json` files deeper
//! inside a package (`node_modules/x/lib/package.json`) are not package manifests and are not read;
//! the project's own `package.json` (outside `node_modules`) is the project, not a dependency. A
//! manifest that is not JSON or lacks `name` is an error; one without `version` gives a package with
//! an empty version and a warning.

use seawall_analyzer::{AnalyzerError, EntryMeta};
use serde::Deserialize;

use crate::common::{Out, WholeFile, purl, whole_file_analyzer};

/// Ecosystem of npm packages.
pub const ECOSYSTEM_NPM: &str = "npm";

#[derive(Deserialize)]
struct PackageJson {
    #[serde(default)]
    name: Option<serde_json::Value>,
    #[serde(default)]
    version: Option<serde_json::Value>,
}

/// Why a `package.json` did not name a package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PackageJsonError {
    /// Not a JSON object.
    #[error("package.json is not valid JSON: {0}")]
    Json(String),
    /// `name` or `version` missing, empty or not a string.
    #[error("package.json has no {0}")]
    Missing(&'static str),
}

/// `name` and `version` of a `package.json` (the version empty when missing). Fuzz entry point.
pub fn parse_package_json(bytes: &[u8]) -> Result<(String, String), PackageJsonError> {
    let p: PackageJson = serde_json::from_slice(bytes).map_err(|e| PackageJsonError::Json(e.to_string()))?;
    let string = |v: Option<serde_json::Value>| {
        v.and_then(|v| v.as_str().map(|s| s.trim().to_string())).filter(|s| !s.is_empty())
    };
    let name = string(p.name).ok_or(PackageJsonError::Missing("name"))?;
    Ok((name, string(p.version).unwrap_or_default()))
}

/// The purl of an npm package: `@scope/name` puts the scope in the namespace.
pub(crate) fn npm_purl(name: &str, version: &str) -> Option<String> {
    match name.split_once('/') {
        Some((scope, n)) if scope.starts_with('@') => purl("npm", Some(scope), n, Some(version), &[]),
        _ => purl("npm", None, name, Some(version), &[]),
    }
}

/// True for `…node_modules/<name>/package.json` and `…node_modules/@scope/<name>/package.json`.
fn is_module_manifest(rel: &str) -> bool {
    let Some(dir) = rel.strip_suffix("/package.json") else {
        return false;
    };
    let Some(idx) = dir.rfind("node_modules/") else {
        return false;
    };
    if idx > 0 && dir.as_bytes().get(idx - 1) != Some(&b'/') {
        return false;
    }
    let tail = dir.get(idx + "node_modules/".len()..).unwrap_or("");
    let parts: Vec<&str> = tail.split('/').collect();
    match parts.as_slice() {
        [name] => !name.is_empty() && !name.starts_with(['.', '@']),
        [scope, name] => scope.starts_with('@') && !name.is_empty(),
        _ => false,
    }
}

/// Reads installed npm packages.
#[derive(Debug, Default, Clone, Copy)]
pub struct NpmAnalyzer;

impl WholeFile for NpmAnalyzer {
    const NAME: &'static str = "npm";
    const VERSION: u32 = 3;
    const MAX_SIZE: u64 = 8 * 1024 * 1024;

    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        meta.file_name() == "package.json" && is_module_manifest(meta.rel_path())
    }

    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        let (name, version) = parse_package_json(bytes).map_err(|e| AnalyzerError::parse(e.to_string()))?;
        if version.is_empty() {
            out.warn(None, format!("package.json of `{name}` has no version"));
        }
        let mut p = out.package(&name, &version, ECOSYSTEM_NPM, None);
        p.purl = npm_purl(&name, &version);
        out.push(p);
        Ok(())
    }
}

whole_file_analyzer!(NpmAnalyzer);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use seawall_analyzer::{Facts, FileAnalyzer, Interest};

    #[test]
    fn paths() {
        let a = NpmAnalyzer;
        crate::common::assert_interest(
            &a,
            Interest::Yes,
            &[
                "app/node_modules/express/package.json",
                "/usr/local/lib/node_modules/npm/node_modules/semver/package.json",
                "node_modules/@babel/core/package.json",
            ],
        );
        crate::common::assert_interest(
            &a,
            Interest::No,
            &[
                "package.json",
                "app/node_modules/x/lib/package.json",
                "node_modules/@babel/package.json",
                "my_node_modules/x/package.json",
            ],
        );
    }

    #[test]
    fn analyzer() {
        let mut f = Facts::default();
        let m = EntryMeta::file("/app/node_modules/@babel/core/package.json", 1, Some(5));
        NpmAnalyzer
            .analyze(&m, &mut &br#"{"name":"@babel/core","version":"7.22.0","dependencies":{}}"#[..], &mut f)
            .unwrap();
        assert_eq!(f.packages[0].purl.as_deref(), Some("pkg:npm/%40babel/core@7.22.0"));
        assert_eq!(f.packages[0].ecosystem, "npm");
    }

    #[test]
    fn manifests_without_name_or_version() {
        let m = EntryMeta::file("/app/node_modules/x/package.json", 1, Some(5));
        for body in [&br#"{"name":"x"}"#[..], br#"{"name":"x","version":{"a":1}}"#] {
            let mut f = Facts::default();
            NpmAnalyzer.analyze(&m, &mut &body[..], &mut f).unwrap();
            assert_eq!(f.packages.len(), 1);
            assert_eq!(f.packages[0].version, "");
            assert_eq!(f.warnings.len(), 1, "the missing version is visible");
        }
        for body in [&br#"{"version":"1"}"#[..], b"null", b"{"] {
            let mut f = Facts::default();
            assert!(
                NpmAnalyzer.analyze(&m, &mut &body[..], &mut f).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
            assert!(f.packages.is_empty());
        }
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_package_json(&b);
        }
    }
}
