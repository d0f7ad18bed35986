//! npm: `node_modules/<name>/package.json` and `node_modules/@scope/<name>/package.json` at any
//! depth (nested `node_modules`, global `/usr/local/lib/node_modules`). `package.json` files deeper
//! inside a package (`node_modules/x/lib/package.json`) and files lacking `name` or `version` are
//! ignored — as Syft does.

use std::io::Read;

use seawall_analyzer::{AnalyzerError, EntryMeta, Facts, FileAnalyzer, Interest};
use serde::Deserialize;

use crate::common::{package, purl, read_bounded};

/// Ecosystem of npm packages.
pub const ECOSYSTEM_NPM: &str = "npm";

#[derive(Deserialize)]
struct PackageJson {
    #[serde(default)]
    name: Option<serde_json::Value>,
    #[serde(default)]
    version: Option<serde_json::Value>,
}

/// `name` and `version` of a `package.json`, when both are non-empty strings. Fuzz entry point.
pub fn parse_package_json(bytes: &[u8]) -> Option<(String, String)> {
    let p: PackageJson = serde_json::from_slice(bytes).ok()?;
    let name = p.name?.as_str()?.trim().to_string();
    let version = p.version?.as_str()?.trim().to_string();
    (!name.is_empty() && !version.is_empty()).then_some((name, version))
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

impl FileAnalyzer for NpmAnalyzer {
    fn name(&self) -> &'static str {
        "npm"
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        if meta.is_file() && meta.file_name() == "package.json" && is_module_manifest(meta.rel_path()) {
            Interest::Yes
        } else {
            Interest::No
        }
    }

    fn max_size(&self) -> u64 {
        8 * 1024 * 1024
    }

    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        out: &mut Facts,
    ) -> Result<(), AnalyzerError> {
        let bytes = read_bounded(content, self.max_size())?;
        let Some((name, version)) = parse_package_json(&bytes) else {
            return Ok(());
        };
        let mut p = package(self.name(), meta, &name, &version, ECOSYSTEM_NPM);
        p.purl = match name.split_once('/') {
            Some((scope, n)) if scope.starts_with('@') => purl("npm", Some(scope), n, Some(&version), &[]),
            _ => purl("npm", None, &name, Some(&version), &[]),
        };
        out.packages.push(p);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paths() {
        let a = NpmAnalyzer;
        for p in [
            "app/node_modules/express/package.json",
            "/usr/local/lib/node_modules/npm/node_modules/semver/package.json",
            "node_modules/@babel/core/package.json",
        ] {
            assert_eq!(a.required(&EntryMeta::file(p, 1, None)), Interest::Yes, "{p}");
        }
        for p in [
            "package.json",
            "app/node_modules/x/lib/package.json",
            "node_modules/@babel/package.json",
            "my_node_modules/x/package.json",
        ] {
            assert_eq!(a.required(&EntryMeta::file(p, 1, None)), Interest::No, "{p}");
        }
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
        NpmAnalyzer.analyze(&m, &mut &br#"{"name":"x"}"#[..], &mut f).unwrap();
        NpmAnalyzer.analyze(&m, &mut &br#"{"name":"x","version":{"a":1}}"#[..], &mut f).unwrap();
        assert_eq!(f.packages.len(), 1);
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_package_json(&b);
        }
    }
}
