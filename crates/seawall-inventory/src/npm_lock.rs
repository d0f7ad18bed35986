//! npm lock files: `package-lock.json` and `npm-shrinkwrap.json` (lockfile versions 1–3), for
//! project trees whose `node_modules` is not installed. Files inside `node_modules/` are ignored
//! (the installed `package.json` files are authoritative there). When a directory holds both,
//! npm uses `npm-shrinkwrap.json` and so does seawall ([`crate::resolve()`] drops the other's
//! packages; the shrinkwrap file leaves a marker for it).
//!
//! * v2/v3 (`packages`): the package is the entry's `name` when it has one — an alias
//!   `node_modules/string-width-cjs` with `"name": "string-width"` is `string-width` — else the
//!   path after the last `node_modules/`; entries outside `node_modules` (`deps/etag`, workspace
//!   members) are local packages named by their last path segment. Links are reported through
//!   their target's entry (or alone, without a version, when the target is not listed).
//! * v1 (`dependencies`, walked iteratively with a depth cap): `npm:@scope/pkg@1.2.3` versions are
//!   aliases (`@scope/pkg` 1.2.3); git, `file:` and `link:` versions are reported with an empty
//!   version and the spec as their source.
//!
//! Every package from a git, `file:` or link source carries `properties["npm.source"]`; every
//! entry without a version carries `properties["version.missing"] = "true"`. Parsed with
//! `serde_json`; a lock file that is not a JSON object (`null`, `[]`) is an error.

use seawall_analyzer::{AnalyzerError, CapturedFile, EntryMeta};
use serde_json::{Map, Value};

use crate::common::{Out, WholeFile, whole_file_analyzer};
use crate::npm::{ECOSYSTEM_NPM, npm_purl};

/// Property: `"true"` for dev-only dependencies of a lock file.
pub const PROP_NPM_DEV: &str = "npm.dev";
/// Property: where a dependency that is not a registry tarball comes from (git URL, `file:` path,
/// `link:` target).
pub const PROP_NPM_SOURCE: &str = "npm.source";
/// Largest lock file read.
const LOCK_MAX: u64 = 32 * 1024 * 1024;
/// Deepest v1 `dependencies` nesting followed.
const MAX_DEPTH: usize = 64;

/// One package pinned by a lock file.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct LockedNpmPackage {
    /// Package name (the alias target for aliases).
    pub name: String,
    /// Version; empty when the lock records none (git, `file:`, link entries of v1, broken entries).
    pub version: String,
    /// Dev-only dependency.
    pub dev: bool,
    /// Git URL, `file:` path or `link:` target, for packages that do not come from the registry.
    pub source: Option<String>,
}

/// True for git and local sources (`git+ssh://`, `github:user/repo#x`, `file:../x`, …).
fn non_registry(spec: &str) -> bool {
    ["git+", "git:", "git://", "github:", "gitlab:", "bitbucket:", "gist:", "file:", "link:"]
        .iter()
        .any(|p| spec.starts_with(p))
        || (spec.contains('/') && spec.contains('#') && !spec.contains("://registry."))
}

/// `npm:@babel/code-frame@7.0.0` → (`@babel/code-frame`, `7.0.0`).
fn alias(spec: &str) -> Option<(&str, &str)> {
    let rest = spec.strip_prefix("npm:")?;
    let at = rest.get(1..)?.rfind('@')? + 1;
    Some((rest.get(..at)?, rest.get(at + 1..)?))
}

fn v2_packages(pkgs: &Map<String, Value>, out: &mut Vec<LockedNpmPackage>) {
    for (key, e) in pkgs {
        if key.is_empty() {
            continue; // the project itself
        }
        let str_field = |k: &str| e.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let tail = match key.rfind("node_modules/") {
            Some(idx) => key.get(idx + "node_modules/".len()..).unwrap_or(""),
            None => key.rsplit('/').next().unwrap_or(key),
        };
        let name = str_field("name").unwrap_or(tail);
        if name.is_empty() {
            continue;
        }
        let resolved = str_field("resolved");
        if e.get("link").and_then(Value::as_bool) == Some(true) {
            // Reported through the target's own entry when the lock lists it.
            if resolved.is_some_and(|r| pkgs.contains_key(r)) {
                continue;
            }
            out.push(LockedNpmPackage {
                name: name.to_string(),
                version: String::new(),
                dev: false,
                source: Some(format!("link:{}", resolved.unwrap_or(""))),
            });
            continue;
        }
        let source = match resolved {
            Some(r) if non_registry(r) => Some(r.to_string()),
            _ if !key.contains("node_modules/") => Some(format!("file:{key}")),
            _ => None,
        };
        out.push(LockedNpmPackage {
            name: name.to_string(),
            version: str_field("version").unwrap_or("").to_string(),
            dev: e.get("dev").and_then(Value::as_bool).unwrap_or(false),
            source,
        });
    }
}

fn v1_packages(deps: &Map<String, Value>, out: &mut Vec<LockedNpmPackage>) {
    let mut stack: Vec<(&Map<String, Value>, usize)> = vec![(deps, 0)];
    while let Some((deps, depth)) = stack.pop() {
        for (key, e) in deps {
            let spec = e.get("version").and_then(Value::as_str).unwrap_or("");
            let dev = e.get("dev").and_then(Value::as_bool).unwrap_or(false);
            // Keys are package names; a path-like key (`node_modules/x`) names x.
            let key = key.rsplit("node_modules/").next().unwrap_or(key).to_string();
            let (name, version, source) = if let Some((n, v)) = alias(spec) {
                (n.to_string(), v.to_string(), None)
            } else if non_registry(spec) || spec.contains(':') {
                (key, String::new(), Some(spec.to_string()))
            } else {
                (key, spec.to_string(), None)
            };
            out.push(LockedNpmPackage { name, version, dev, source });
            if depth < MAX_DEPTH
                && let Some(d) = e.get("dependencies").and_then(Value::as_object)
            {
                stack.push((d, depth + 1));
            }
        }
    }
}

/// Every package a lock file pins. Fuzz entry point.
pub fn parse_package_lock(bytes: &[u8]) -> Result<Vec<LockedNpmPackage>, AnalyzerError> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| AnalyzerError::parse(e.to_string()))?;
    let Some(root) = v.as_object() else {
        return Err(AnalyzerError::parse("npm lock file is not a JSON object"));
    };
    let mut out = Vec::new();
    match (
        root.get("packages").and_then(Value::as_object),
        root.get("dependencies").and_then(Value::as_object),
    ) {
        (Some(pkgs), _) => v2_packages(pkgs, &mut out),
        (None, Some(deps)) => v1_packages(deps, &mut out),
        (None, None) if root.contains_key("lockfileVersion") => {}
        (None, None) => {
            return Err(AnalyzerError::parse(
                "not an npm lock file: no lockfileVersion, packages or dependencies",
            ));
        }
    }
    Ok(out)
}

/// Reads npm lock files.
#[derive(Debug, Default, Clone, Copy)]
pub struct NpmLockAnalyzer;

impl WholeFile for NpmLockAnalyzer {
    const NAME: &'static str = "npm-lock";
    const VERSION: u32 = 3;
    const MAX_SIZE: u64 = LOCK_MAX;

    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        let n = meta.file_name();
        (n == "package-lock.json" || n == "npm-shrinkwrap.json") && !meta.rel_path().contains("node_modules/")
    }

    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        if out.meta.file_name() == "npm-shrinkwrap.json" {
            // The marker that makes this file win over a `package-lock.json` beside it.
            out.facts.files.push(CapturedFile { location: out.meta.location(), content: String::new() });
        }
        for l in parse_package_lock(bytes)? {
            let mut p = out.package(&l.name, &l.version, ECOSYSTEM_NPM, None);
            p.purl = npm_purl(&l.name, &l.version);
            if l.dev {
                p.properties.insert(PROP_NPM_DEV.into(), "true".into());
            }
            if let Some(s) = l.source {
                p.properties.insert(PROP_NPM_SOURCE.into(), s);
            }
            out.push(p);
        }
        Ok(())
    }
}

whole_file_analyzer!(NpmLockAnalyzer);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use seawall_analyzer::{Facts, FileAnalyzer, Interest};

    fn nv(p: &[LockedNpmPackage]) -> Vec<(&str, &str)> {
        let mut v: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn v3() {
        let j = br#"{"name":"app","lockfileVersion":3,"packages":{
            "":{"name":"app","version":"1.0.0"},
            "node_modules/express":{"version":"4.17.1"},
            "node_modules/express/node_modules/debug":{"version":"2.6.9"},
            "node_modules/@babel/core":{"version":"7.22.0","dev":true},
            "node_modules/local":{"resolved":"packages/local","link":true},
            "packages/local":{"name":"local-pkg","version":"0.1.0"},
            "node_modules/dangling":{"resolved":"../elsewhere","link":true}}}"#;
        let p = parse_package_lock(j).unwrap();
        assert_eq!(
            nv(&p),
            [
                ("@babel/core", "7.22.0"),
                ("dangling", ""),
                ("debug", "2.6.9"),
                ("express", "4.17.1"),
                ("local-pkg", "0.1.0")
            ]
        );
        let babel = p.iter().find(|p| p.name == "@babel/core").unwrap();
        assert!(babel.dev);
        let local = p.iter().find(|p| p.name == "local-pkg").unwrap();
        assert_eq!(local.source.as_deref(), Some("file:packages/local"));
        let dangling = p.iter().find(|p| p.name == "dangling").unwrap();
        assert_eq!(dangling.source.as_deref(), Some("link:../elsewhere"));
    }

    #[test]
    fn aliases_are_the_aliased_package() {
        let v2 = br#"{"lockfileVersion":2,"packages":{"":{},
            "node_modules/string-width":{"version":"5.1.2"},
            "node_modules/string-width-cjs":{"name":"string-width","version":"4.2.0"},
            "node_modules/babel-code-frame":{"name":"@babel/code-frame","version":"7.0.0"}}}"#;
        let want = [("@babel/code-frame", "7.0.0"), ("string-width", "4.2.0"), ("string-width", "5.1.2")];
        assert_eq!(nv(&parse_package_lock(v2).unwrap()), want);
        let v1 = br#"{"lockfileVersion":1,"dependencies":{
            "string-width":{"version":"5.1.2"},
            "string-width-cjs":{"version":"npm:string-width@4.2.0"},
            "babel-code-frame":{"version":"npm:@babel/code-frame@7.0.0"}}}"#;
        assert_eq!(nv(&parse_package_lock(v1).unwrap()), want);
    }

    #[test]
    fn git_file_and_missing_versions_are_reported_with_their_source() {
        let v1 = br#"{"lockfileVersion":1,"dependencies":{"lodash":{"version":"4.17.20"},
            "a":{"version":"1.0.0","dependencies":{"b":{"version":"2.0.0","dev":true}}},
            "mine":{"version":"file:../mine"},
            "gitdep":{"version":"git+ssh://git@github.com/x/y.git#abc"},
            "gh":{"version":"github:x/y#def"}}}"#;
        let p = parse_package_lock(v1).unwrap();
        assert_eq!(
            nv(&p),
            [("a", "1.0.0"), ("b", "2.0.0"), ("gh", ""), ("gitdep", ""), ("lodash", "4.17.20"), ("mine", "")]
        );
        let src = |n: &str| p.iter().find(|p| p.name == n).unwrap().source.clone();
        assert_eq!(src("mine").as_deref(), Some("file:../mine"));
        assert_eq!(src("gitdep").as_deref(), Some("git+ssh://git@github.com/x/y.git#abc"));
        assert_eq!(src("gh").as_deref(), Some("github:x/y#def"));

        let v2 = br#"{"lockfileVersion":2,"packages":{"":{},
            "node_modules/raven-js":{"resolved":"git+ssh://git@github.com/getsentry/raven-js.git#c2b3"},
            "node_modules/slick":{"version":"1.7.1","resolved":"git+ssh://git@github.com/b/slick.git#280b"}}}"#;
        let m = EntryMeta::file("web/package-lock.json", 1, None);
        let mut f = Facts::default();
        NpmLockAnalyzer.analyze(&m, &mut &v2[..], &mut f).unwrap();
        let raven = f.packages.iter().find(|p| p.name == "raven-js").unwrap();
        assert_eq!(raven.version, "");
        assert_eq!(
            raven.properties.get(crate::common::PROP_VERSION_MISSING).map(String::as_str),
            Some("true")
        );
        assert!(raven.properties.get(PROP_NPM_SOURCE).unwrap().starts_with("git+ssh://"));
        let slick = f.packages.iter().find(|p| p.name == "slick").unwrap();
        assert_eq!(slick.version, "1.7.1");
        assert!(!slick.properties.contains_key(crate::common::PROP_VERSION_MISSING));
    }

    #[test]
    fn analyzer_paths_and_errors() {
        let m = EntryMeta::file("web/package-lock.json", 1, None);
        assert_eq!(NpmLockAnalyzer.required(&m), Interest::Yes);
        assert_eq!(
            NpmLockAnalyzer.required(&EntryMeta::file("node_modules/x/package-lock.json", 1, None)),
            Interest::No
        );
        for bad in [&b"{"[..], b"null", b"[]", b"", b"{}"] {
            let mut f = Facts::default();
            assert!(
                NpmLockAnalyzer.analyze(&m, &mut &bad[..], &mut f).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let shrink = EntryMeta::file("web/npm-shrinkwrap.json", 1, None);
        let mut f = Facts::default();
        NpmLockAnalyzer
            .analyze(&shrink, &mut &br#"{"lockfileVersion":3,"packages":{}}"#[..], &mut f)
            .unwrap();
        assert_eq!(f.files.len(), 1, "shrinkwrap marker");
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..256), s in "\\PC*") {
            let _ = parse_package_lock(&b);
            let _ = parse_package_lock(s.as_bytes());
            let _ = alias(&s);
        }
    }
}
