//! Declared Python dependencies: `requirements*.txt`, `poetry.lock`, `uv.lock`, `Pipfile.lock`, in
//! project trees and inside images.
//!
//! **Unpinned requirements.** A requirement pinned with `==V` (no wildcard) or `===V` becomes a
//! package with version `V`. Any other requirement (`>=1.0`, `~=2.1`, no specifier at all) becomes a
//! package with an **empty version** and `properties["constraint"]` holding the specifier (`>=1.0`,
//! or empty when unconstrained) — as Syft does; matchers must treat an empty version as unknown.
//! Options (`-r`, `-c`, `-e`, `--index-url`, …), URLs, local paths and `name @ url` direct references
//! are skipped. Every requirement carries its 1-based line. Files inside installed libraries
//! (`site-packages/`, `dist-packages/`, `node_modules/`) are ignored: they describe the library's own
//! development, and the installed distributions are reported from their metadata.
//!
//! The requirements parser is hand-written because a requirements file is pip's own line format
//! (options, continuations, `--hash`), not PEP 508; the lock files are TOML / JSON parsed with the
//! `toml` and `serde_json` crates.

use std::collections::BTreeMap;
use std::io::Read;

use seawall_analyzer::{AnalyzerError, EntryMeta, Facts, FileAnalyzer, Interest};
use serde::Deserialize;

use crate::common::read_text;
use crate::python::pypi_package;

/// Property: the version specifier of an unpinned requirement.
pub const PROP_CONSTRAINT: &str = "constraint";
/// Property: which lock or requirement format declared the package.
pub const PROP_DECLARED_IN: &str = "python.declared_in";
/// Property: the dependency group (`develop` in Pipfile.lock, Poetry groups), when not the default.
pub const PROP_GROUP: &str = "python.group";

/// Largest lock/requirements file read (16 MiB).
const LOCK_MAX: u64 = 16 * 1024 * 1024;

/// One requirement from a requirements file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Name as written (not normalised).
    pub name: String,
    /// The pinned version (`==V` / `===V`), if pinned.
    pub pinned: Option<String>,
    /// The whole specifier as written (`>=1.0,<2`), empty when none.
    pub specifier: String,
    /// 1-based line where the requirement starts.
    pub line: u32,
}

/// Parses a pip requirements file. Fuzz entry point.
pub fn parse_requirements(text: &str) -> Vec<Requirement> {
    let mut out = Vec::new();
    let mut logical = String::new();
    let mut start = 0u32;
    for (i, raw) in text.lines().enumerate() {
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if logical.is_empty() {
            start = lineno;
        }
        // A comment starts at `#` at the beginning or after whitespace.
        let mut l = raw;
        if let Some(pos) = l.find(" #").or_else(|| l.find("\t#")) {
            l = l.get(..pos).unwrap_or(l);
        }
        if l.trim_start().starts_with('#') {
            l = "";
        }
        if let Some(cont) = l.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(l);
        if let Some(r) = parse_requirement_line(&logical, start) {
            out.push(r);
        }
        logical.clear();
    }
    if let Some(r) = parse_requirement_line(&logical, start) {
        out.push(r);
    }
    out
}

fn parse_requirement_line(line: &str, lineno: u32) -> Option<Requirement> {
    let line = line.trim();
    if line.is_empty()
        || line.starts_with('-')
        || line.starts_with('.')
        || line.starts_with('/')
        || line.contains("://")
    {
        return None;
    }
    // Drop per-requirement options (`--hash=…`) and environment markers.
    let line = line.split(" --").next().unwrap_or(line);
    let line = line.split(';').next().unwrap_or(line).trim();
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(line.len());
    let name = line.get(..name_end)?;
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let mut rest = line.get(name_end..)?.trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        rest = after.split_once(']').map_or("", |(_, r)| r).trim_start();
    }
    if rest.starts_with('@') {
        return None; // direct reference
    }
    let spec = rest.trim_start_matches('(').trim_end_matches(')').trim();
    let spec: String = spec.chars().filter(|c| !c.is_whitespace()).collect();
    let pinned = if spec.contains(',') {
        None
    } else if let Some(v) = spec.strip_prefix("===") {
        Some(v.to_string())
    } else if let Some(v) = spec.strip_prefix("==") {
        (!v.contains('*')).then(|| v.to_string())
    } else {
        None
    };
    let pinned = pinned.filter(|v| !v.is_empty());
    Some(Requirement { name: name.to_string(), pinned, specifier: spec, line: lineno })
}

#[derive(Deserialize)]
struct TomlLock {
    #[serde(default)]
    package: Vec<TomlPackage>,
}

#[derive(Deserialize)]
struct TomlPackage {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    source: Option<toml::Value>,
}

/// A package declared in a lock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPackage {
    /// Name as written.
    pub name: String,
    /// Locked version.
    pub version: String,
    /// Group (`develop`, `dev`), when not the default one.
    pub group: Option<String>,
}

/// Parses a `poetry.lock` or `uv.lock` (`[[package]]` tables with `name` and `version`). uv's
/// editable / virtual project entries without a version are skipped. Fuzz entry point.
pub fn parse_toml_lock(text: &str) -> Result<Vec<LockedPackage>, AnalyzerError> {
    let lock: TomlLock = toml::from_str(text).map_err(|e| AnalyzerError::parse(e.to_string()))?;
    Ok(lock
        .package
        .into_iter()
        .filter_map(|p| {
            let version = p.version.filter(|v| !v.is_empty())?;
            let virtual_root = p
                .source
                .as_ref()
                .and_then(toml::Value::as_table)
                .is_some_and(|t| t.contains_key("virtual") || t.contains_key("editable"));
            if virtual_root {
                return None;
            }
            let group = p.category.filter(|c| c != "main");
            Some(LockedPackage { name: p.name, version, group })
        })
        .collect())
}

#[derive(Deserialize)]
struct PipfileLock {
    #[serde(default)]
    default: BTreeMap<String, PipfileEntry>,
    #[serde(default)]
    develop: BTreeMap<String, PipfileEntry>,
}

#[derive(Deserialize)]
struct PipfileEntry {
    #[serde(default)]
    version: Option<String>,
}

/// Parses a `Pipfile.lock` (`default` and `develop` sections; entries without an `==` version —
/// VCS or path dependencies — are skipped). Fuzz entry point.
pub fn parse_pipfile_lock(text: &str) -> Result<Vec<LockedPackage>, AnalyzerError> {
    let lock: PipfileLock = serde_json::from_str(text).map_err(|e| AnalyzerError::parse(e.to_string()))?;
    let mut out = Vec::new();
    for (section, group) in [(lock.default, None), (lock.develop, Some("develop"))] {
        for (name, e) in section {
            let Some(v) = e.version.as_deref().and_then(|v| v.strip_prefix("==")).filter(|v| !v.is_empty())
            else {
                continue;
            };
            out.push(LockedPackage { name, version: v.to_string(), group: group.map(String::from) });
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Requirements,
    Poetry,
    Uv,
    Pipfile,
}

fn kind_of(meta: &EntryMeta<'_>) -> Option<Kind> {
    let n = meta.file_name();
    let rel = meta.rel_path();
    // Files shipped inside installed libraries describe how *they* were developed, not what is
    // installed: the installed distributions themselves are reported by `python-dist` / `npm`.
    if ["site-packages/", "dist-packages/", "node_modules/"].iter().any(|d| rel.contains(d)) {
        return None;
    }
    // Distribution documentation (`/usr/share/doc/python3-pip/requirements.txt` lists pip's docs build
    // requirements) describes nothing installed either.
    if meta.layer.is_some() && rel.starts_with("usr/share/doc/") {
        return None;
    }
    match n {
        "poetry.lock" => Some(Kind::Poetry),
        "uv.lock" => Some(Kind::Uv),
        "Pipfile.lock" => Some(Kind::Pipfile),
        _ if n.ends_with(".txt") => {
            let parent = meta.rel_path().rsplit('/').nth(1).unwrap_or("");
            (n.starts_with("requirements") || parent == "requirements").then_some(Kind::Requirements)
        }
        _ => None,
    }
}

/// Reads Python requirement and lock files (see the module documentation for unpinned entries).
#[derive(Debug, Default, Clone, Copy)]
pub struct PythonLockAnalyzer;

impl FileAnalyzer for PythonLockAnalyzer {
    fn name(&self) -> &'static str {
        "python-lock"
    }

    fn version(&self) -> u32 {
        2
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        if meta.is_file() && kind_of(meta).is_some() { Interest::Yes } else { Interest::No }
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
        let Some(kind) = kind_of(meta) else {
            return Ok(());
        };
        let text = read_text(content, LOCK_MAX)?;
        match kind {
            Kind::Requirements => {
                for r in parse_requirements(&text) {
                    let mut p = pypi_package(self.name(), meta, &r.name, r.pinned.as_deref().unwrap_or(""));
                    if let Some(l) = p.locations.first_mut() {
                        l.line = Some(r.line);
                    }
                    if r.pinned.is_none() {
                        p.properties.insert(PROP_CONSTRAINT.into(), r.specifier.clone());
                    }
                    p.properties.insert(PROP_DECLARED_IN.into(), "requirements".into());
                    out.packages.push(p);
                }
            }
            Kind::Poetry | Kind::Uv | Kind::Pipfile => {
                let (pkgs, label) = match kind {
                    Kind::Poetry => (parse_toml_lock(&text)?, "poetry.lock"),
                    Kind::Uv => (parse_toml_lock(&text)?, "uv.lock"),
                    _ => (parse_pipfile_lock(&text)?, "Pipfile.lock"),
                };
                for l in pkgs {
                    let mut p = pypi_package(self.name(), meta, &l.name, &l.version);
                    p.properties.insert(PROP_DECLARED_IN.into(), label.into());
                    if let Some(g) = l.group {
                        p.properties.insert(PROP_GROUP.into(), g);
                    }
                    out.packages.push(p);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    const REQS: &str = "\
# ML service
torch==1.13.0  # old
transformers[torch] == 4.30.0 ; python_version >= \"3.8\"
numpy>=1.21,<2
requests
Flask===2.0.1
pyyaml==5.*
-r other.txt
--index-url https://example.invalid/simple
-e git+https://example.invalid/x.git#egg=x
./local/pkg
mlflow @ https://example.invalid/mlflow.whl
pillow==9.0.0 \\
    --hash=sha256:abc
";

    #[test]
    fn requirements() {
        let r = parse_requirements(REQS);
        let got: Vec<_> = r.iter().map(|r| (r.name.as_str(), r.pinned.as_deref(), r.line)).collect();
        assert_eq!(
            got,
            [
                ("torch", Some("1.13.0"), 2),
                ("transformers", Some("4.30.0"), 3),
                ("numpy", None, 4),
                ("requests", None, 5),
                ("Flask", Some("2.0.1"), 6),
                ("pyyaml", None, 7),
                ("pillow", Some("9.0.0"), 13),
            ]
        );
        assert_eq!(r[2].specifier, ">=1.21,<2");
    }

    #[test]
    fn analyzer_requirements() {
        let a = PythonLockAnalyzer;
        let m = EntryMeta::file("requirements.txt", 1, None);
        assert_eq!(a.required(&m), Interest::Yes);
        assert_eq!(a.required(&EntryMeta::file("app/requirements-dev.txt", 1, None)), Interest::Yes);
        assert_eq!(a.required(&EntryMeta::file("requirements/base.txt", 1, None)), Interest::Yes);
        assert_eq!(a.required(&EntryMeta::file("notes.txt", 1, None)), Interest::No);
        let vendored = EntryMeta::file("/usr/lib/python3/dist-packages/foo/requirements.txt", 1, None);
        assert_eq!(a.required(&vendored), Interest::No);
        let mut f = Facts::default();
        a.analyze(&m, &mut REQS.as_bytes(), &mut f).unwrap();
        let torch = f.packages.iter().find(|p| p.name == "torch").unwrap();
        assert_eq!(torch.version, "1.13.0");
        assert_eq!(torch.locations[0].line, Some(2));
        assert!(!torch.properties.contains_key(PROP_CONSTRAINT));
        let numpy = f.packages.iter().find(|p| p.name == "numpy").unwrap();
        assert_eq!(numpy.version, "");
        assert_eq!(numpy.properties.get(PROP_CONSTRAINT).map(String::as_str), Some(">=1.21,<2"));
        assert!(f.packages.iter().any(|p| p.name == "flask"));
    }

    #[test]
    fn poetry_and_uv() {
        let poetry = "[[package]]\nname = \"Requests\"\nversion = \"2.31.0\"\ncategory = \"main\"\n\n[[package]]\nname = \"pytest\"\nversion = \"7.0.0\"\ncategory = \"dev\"\n\n[metadata]\nlock-version = \"2.0\"\n";
        let p = parse_toml_lock(poetry).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].group.as_deref(), Some("dev"));
        let uv = "version = 1\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n\n[[package]]\nname = \"idna\"\nversion = \"3.7\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
        let u = parse_toml_lock(uv).unwrap();
        assert_eq!(u, [LockedPackage { name: "idna".into(), version: "3.7".into(), group: None }]);
        assert!(parse_toml_lock("[[package]\n").is_err());
        let mut f = Facts::default();
        PythonLockAnalyzer
            .analyze(&EntryMeta::file("/app/uv.lock", 1, Some(2)), &mut uv.as_bytes(), &mut f)
            .unwrap();
        assert_eq!(f.packages[0].purl.as_deref(), Some("pkg:pypi/idna@3.7"));
    }

    #[test]
    fn pipfile() {
        let j = r#"{"_meta":{},"default":{"django":{"version":"==3.2.0","hashes":[]},"vcs":{"git":"x"}},"develop":{"black":{"version":"==22.1.0"}}}"#;
        let p = parse_pipfile_lock(j).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].group.as_deref(), Some("develop"));
        assert!(parse_pipfile_lock("[").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_requirements(&s);
            let _ = parse_toml_lock(&s);
            let _ = parse_pipfile_lock(&s);
        }
        #[test]
        fn never_panics_reqish(s in "[a-zA-Z_.\\-\\[\\]=<>~!*,;@ \\\\#\n]{0,80}") {
            let _ = parse_requirements(&s);
        }
    }
}

#[cfg(test)]
mod deep_nesting {
    #[test]
    /// Hostile nesting must end in a value or an error, never in a stack overflow (which aborts the
    /// test binary).
    fn deeply_nested_toml_does_not_overflow() {
        let depth = 100_000;
        let text = format!("a = {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let _ = super::parse_toml_lock(&text);
        let text = format!("a = {}1{}\n", "{b = ".repeat(depth), "}".repeat(depth));
        let _ = super::parse_toml_lock(&text);
    }
}

#[cfg(test)]
mod doc_tests_regression {
    use super::*;

    #[test]
    fn requirements_under_usr_share_doc_in_images_are_not_inventory() {
        let img = EntryMeta::file("/usr/share/doc/python3-pip/requirements.txt", 10, Some(0));
        assert!(kind_of(&img).is_none());
        let proj = EntryMeta::file("usr/share/doc/requirements.txt", 10, None);
        assert!(kind_of(&proj).is_some(), "a project tree that happens to have this path is still read");
        let app = EntryMeta::file("/app/requirements.txt", 10, Some(1));
        assert!(kind_of(&app).is_some());
    }
}
