//! npm lock files: `package-lock.json` and `npm-shrinkwrap.json` (lockfile versions 1–3), for
//! project trees whose `node_modules` is not installed. Files inside `node_modules/` are ignored
//! (the installed `package.json` files are authoritative there).
//!
//! v2/v3: every `packages["node_modules/…/name"]` entry with a `version` (links and the root `""`
//! entry skipped); v1: the nested `dependencies` tree, walked iteratively with a depth cap. Parsed
//! with `serde_json`.

use std::io::Read;

use seawall_analyzer::{AnalyzerError, EntryMeta, Facts, FileAnalyzer, Interest};
use serde_json::Value;

use crate::common::{package, purl, read_bounded};
use crate::npm::ECOSYSTEM_NPM;

/// Property: `"true"` for dev-only dependencies of a lock file.
pub const PROP_NPM_DEV: &str = "npm.dev";
/// Largest lock file read.
const LOCK_MAX: u64 = 32 * 1024 * 1024;
/// Deepest v1 `dependencies` nesting followed.
const MAX_DEPTH: usize = 64;

/// `(name, version, dev)` of every package a lock file pins. Fuzz entry point.
pub fn parse_package_lock(bytes: &[u8]) -> Result<Vec<(String, String, bool)>, AnalyzerError> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| AnalyzerError::parse(e.to_string()))?;
    let mut out = Vec::new();
    if let Some(pkgs) = v.get("packages").and_then(Value::as_object) {
        for (key, e) in pkgs {
            let Some(idx) = key.rfind("node_modules/") else { continue };
            let name = key.get(idx + "node_modules/".len()..).unwrap_or("");
            if name.is_empty() || e.get("link").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let Some(version) = e.get("version").and_then(Value::as_str).filter(|s| !s.is_empty()) else {
                continue;
            };
            let dev = e.get("dev").and_then(Value::as_bool).unwrap_or(false);
            out.push((name.to_string(), version.to_string(), dev));
        }
        return Ok(out);
    }
    // lockfileVersion 1
    let mut stack: Vec<(&serde_json::Map<String, Value>, usize)> = Vec::new();
    if let Some(d) = v.get("dependencies").and_then(Value::as_object) {
        stack.push((d, 0));
    }
    while let Some((deps, depth)) = stack.pop() {
        for (name, e) in deps {
            if let Some(version) = e.get("version").and_then(Value::as_str).filter(|s| !s.is_empty()) {
                // `file:` / `git+` versions are not registry versions.
                if !version.contains(':') {
                    let dev = e.get("dev").and_then(Value::as_bool).unwrap_or(false);
                    out.push((name.clone(), version.to_string(), dev));
                }
            }
            if depth < MAX_DEPTH
                && let Some(d) = e.get("dependencies").and_then(Value::as_object)
            {
                stack.push((d, depth + 1));
            }
        }
    }
    Ok(out)
}

/// Reads npm lock files.
#[derive(Debug, Default, Clone, Copy)]
pub struct NpmLockAnalyzer;

impl FileAnalyzer for NpmLockAnalyzer {
    fn name(&self) -> &'static str {
        "npm-lock"
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        let n = meta.file_name();
        if meta.is_file()
            && (n == "package-lock.json" || n == "npm-shrinkwrap.json")
            && !meta.rel_path().contains("node_modules/")
        {
            Interest::Yes
        } else {
            Interest::No
        }
    }

    fn max_size(&self) -> u64 {
        LOCK_MAX
    }

    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        out: &mut Facts,
    ) -> Result<(), AnalyzerError> {
        let bytes = read_bounded(content, LOCK_MAX)?;
        for (name, version, dev) in parse_package_lock(&bytes)? {
            let mut p = package(self.name(), meta, &name, &version, ECOSYSTEM_NPM);
            p.purl = match name.split_once('/') {
                Some((scope, n)) if scope.starts_with('@') => {
                    purl("npm", Some(scope), n, Some(&version), &[])
                }
                _ => purl("npm", None, &name, Some(&version), &[]),
            };
            if dev {
                p.properties.insert(PROP_NPM_DEV.into(), "true".into());
            }
            out.packages.push(p);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn v3() {
        let j = br#"{"name":"app","lockfileVersion":3,"packages":{
            "":{"name":"app","version":"1.0.0"},
            "node_modules/express":{"version":"4.17.1"},
            "node_modules/express/node_modules/debug":{"version":"2.6.9"},
            "node_modules/@babel/core":{"version":"7.22.0","dev":true},
            "node_modules/local":{"resolved":"../local","link":true}}}"#;
        let mut p = parse_package_lock(j).unwrap();
        p.sort();
        assert_eq!(
            p,
            [
                ("@babel/core".into(), "7.22.0".into(), true),
                ("debug".into(), "2.6.9".into(), false),
                ("express".into(), "4.17.1".into(), false)
            ]
        );
    }

    #[test]
    fn v1_and_analyzer() {
        let j = br#"{"lockfileVersion":1,"dependencies":{"lodash":{"version":"4.17.20"},
            "a":{"version":"1.0.0","dependencies":{"b":{"version":"2.0.0","dev":true}}},
            "mine":{"version":"file:../mine"}}}"#;
        let m = EntryMeta::file("web/package-lock.json", 1, None);
        assert_eq!(NpmLockAnalyzer.required(&m), Interest::Yes);
        assert_eq!(
            NpmLockAnalyzer.required(&EntryMeta::file("node_modules/x/package-lock.json", 1, None)),
            Interest::No
        );
        let mut f = Facts::default();
        NpmLockAnalyzer.analyze(&m, &mut &j[..], &mut f).unwrap();
        let mut got: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        got.sort();
        assert_eq!(got, [("a", "1.0.0"), ("b", "2.0.0"), ("lodash", "4.17.20")]);
        let b = f.packages.iter().find(|p| p.name == "b").unwrap();
        assert_eq!(b.properties.get(PROP_NPM_DEV).map(String::as_str), Some("true"));
        assert_eq!(f.packages[0].ecosystem, "npm");
        assert!(NpmLockAnalyzer.analyze(&m, &mut &b"{"[..], &mut f).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..256), s in "\\PC*") {
            let _ = parse_package_lock(&b);
            let _ = parse_package_lock(s.as_bytes());
        }
    }
}
