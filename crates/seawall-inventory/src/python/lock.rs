//! Declared Python dependencies: requirement files (`*requirements*.txt`, `requirements/*.txt`,
//! `*.in`; parsed in [`crate::python::requirements`]) and lock files (`poetry.lock`, `uv.lock`,
//! PEP 723 script locks `*.py.lock`, `pdm.lock`, `Pipfile.lock`), in project trees and inside
//! images.
//!
//! **Unpinned requirements.** A requirement pinned with `==V` (no wildcard) or `===V` becomes a
//! package with version `V`. Any other requirement (`>=1.0`, `~=2.1`, no specifier at all) becomes a
//! package with an **empty version** and `properties["constraint"]` holding the specifier (`>=1.0`,
//! or empty when unconstrained); matchers must treat an empty version as unknown. A range is never
//! taken as a version (osv-scalibr takes the bound, Syft drops unpinned requirements unless told to
//! guess the lowest version).
//! Every requirement carries its 1-based line. Files inside installed libraries (`site-packages/`,
//! `dist-packages/`, `node_modules/`) are ignored: they describe the library's own development, and
//! the installed distributions are reported from their metadata.
//!
//! **Includes.** Requirement files are also captured (up to [`CAPTURE_MAX`]) so that `-r` / `-c`
//! includes are followed after the walk by [`crate::resolve()`]; text files with other names that
//! read as requirement files are captured (not reported) as include candidates.
//!
//! Lock files are TOML / JSON parsed with the `toml` and `serde_json` crates. Lock entries without
//! a version (Pipfile.lock VCS and path dependencies) are reported with an empty version and their
//! source in `properties["python.direct_reference"]`.

use std::collections::BTreeMap;

use seawall_analyzer::{AnalyzerError, CapturedFile, EntryMeta, Interest};
use serde::Deserialize;

use crate::common::{Out, WholeFile, text, whole_file_analyzer};
use crate::python::pypi_package;
use crate::python::requirements::{RequirementsFile, looks_like_requirements, parse_requirements};

/// Property: the version specifier of an unpinned requirement.
pub const PROP_CONSTRAINT: &str = "constraint";
/// Property: which lock or requirement format declared the package.
pub const PROP_DECLARED_IN: &str = "python.declared_in";
/// Property: the dependency group (`develop` in Pipfile.lock, Poetry groups), when not the default.
pub const PROP_GROUP: &str = "python.group";
/// Property: the URL or path of a direct reference (`name @ url`, a wheel path, a VCS checkout).
pub const PROP_DIRECT_REFERENCE: &str = "python.direct_reference";

/// Largest lock/requirements file read (16 MiB).
const LOCK_MAX: u64 = 16 * 1024 * 1024;
/// Largest requirement file kept for include resolution after the walk.
pub const CAPTURE_MAX: u64 = 256 * 1024;

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
    /// Locked version (empty for VCS and path dependencies of a Pipfile.lock).
    pub version: String,
    /// Group (`develop`, `dev`), when not the default one.
    pub group: Option<String>,
    /// Where a dependency without a registry version comes from (git URL, path, file).
    pub direct: Option<String>,
}

/// Parses a `poetry.lock`, `uv.lock`, `*.py.lock` or `pdm.lock` (`[[package]]` tables with `name`
/// and `version`). uv's editable / virtual project entries (the project itself) are skipped.
/// Fuzz entry point.
pub fn parse_toml_lock(text: &str) -> Result<Vec<LockedPackage>, AnalyzerError> {
    if text.trim().is_empty() {
        return Err(AnalyzerError::parse("empty lock file"));
    }
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
            Some(LockedPackage { name: p.name, version, group, direct: None })
        })
        .collect())
}

#[derive(Deserialize)]
struct PipfileLock {
    #[serde(default, rename = "_meta")]
    meta: Option<serde_json::Value>,
    #[serde(default)]
    default: Option<BTreeMap<String, PipfileEntry>>,
    #[serde(default)]
    develop: Option<BTreeMap<String, PipfileEntry>>,
}

#[derive(Deserialize)]
struct PipfileEntry {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    git: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    file: Option<String>,
}

/// Parses a `Pipfile.lock` (`default` and `develop` sections). Entries pinned with `==V` get version
/// `V`; VCS, path and file dependencies get an empty version and their source. Fuzz entry point.
pub fn parse_pipfile_lock(text: &str) -> Result<Vec<LockedPackage>, AnalyzerError> {
    let lock: PipfileLock = serde_json::from_str(text).map_err(|e| AnalyzerError::parse(e.to_string()))?;
    if lock.meta.is_none() && lock.default.is_none() && lock.develop.is_none() {
        return Err(AnalyzerError::parse("not a Pipfile.lock: no _meta, default or develop"));
    }
    let mut out = Vec::new();
    for (section, group) in
        [(lock.default.unwrap_or_default(), None), (lock.develop.unwrap_or_default(), Some("develop"))]
    {
        for (name, e) in section {
            let version = e.version.as_deref().and_then(|v| v.strip_prefix("==")).unwrap_or("").to_string();
            let direct = if version.is_empty() { e.git.or(e.path).or(e.file) } else { None };
            out.push(LockedPackage { name, version, group: group.map(String::from), direct });
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A requirements file by its name.
    Requirements,
    /// A `*.in` file: a requirements file when its content reads as one.
    RequirementsIn,
    /// Another text file: captured as an include candidate when its content reads as requirements.
    Candidate,
    Poetry,
    Uv,
    Pdm,
    Pipfile,
}

/// Largest include candidate captured.
const CANDIDATE_MAX: u64 = 64 * 1024;

/// Trees whose text files are never requirement-file candidates (system files, installed libraries).
fn in_system_tree(rel: &str) -> bool {
    ["usr/share/", "usr/lib/", "usr/include/", "usr/src/", "lib/", "proc/", "sys/", "etc/"]
        .iter()
        .any(|d| rel.starts_with(d))
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
        "pdm.lock" => Some(Kind::Pdm),
        "Pipfile.lock" => Some(Kind::Pipfile),
        _ if n.ends_with(".py.lock") => Some(Kind::Uv),
        _ if is_requirements_name(rel) => Some(Kind::Requirements),
        _ if in_system_tree(rel) => None,
        _ if n.ends_with(".in") => Some(Kind::RequirementsIn),
        _ if n.ends_with(".txt") && meta.size <= CANDIDATE_MAX => Some(Kind::Candidate),
        _ => None,
    }
}

/// Reads Python requirement and lock files (see the module documentation for unpinned entries).
#[derive(Debug, Default, Clone, Copy)]
pub struct PythonLockAnalyzer;

/// Records the requirements of a parsed requirement file as packages and its problems as warnings.
pub(crate) fn report_requirements(out: &mut Out<'_, '_>, f: &RequirementsFile) {
    for r in &f.requirements {
        let mut p = pypi_package(out, &r.name, r.pinned.as_deref().unwrap_or(""), Some(r.line));
        if r.pinned.is_none() {
            p.properties.insert(PROP_CONSTRAINT.into(), r.specifier.clone());
        }
        if let Some(d) = &r.direct {
            p.properties.insert(PROP_DIRECT_REFERENCE.into(), d.clone());
        }
        p.properties.insert(PROP_DECLARED_IN.into(), "requirements".into());
        out.push(p);
    }
    for (line, problem) in &f.problems {
        out.warn(Some(*line), problem.clone());
    }
}

/// True for file names read as requirement files whatever their content.
pub(crate) fn is_requirements_name(rel: &str) -> bool {
    let n = rel.rsplit('/').next().unwrap_or(rel);
    let parent = rel.rsplit('/').nth(1).unwrap_or("");
    (n.ends_with(".txt") || n.ends_with(".in")) && (n.contains("requirements") || parent == "requirements")
}

impl PythonLockAnalyzer {
    fn requirements(bytes: &[u8], out: &mut Out<'_, '_>) {
        let text = text(bytes);
        let f = parse_requirements(&text);
        report_requirements(out, &f);
        if bytes.len() as u64 <= CAPTURE_MAX {
            capture(out, text.into_owned());
        } else if !f.includes.is_empty() {
            out.warn(
                None,
                format!("includes not followed: requirement file larger than {CAPTURE_MAX} bytes"),
            );
        }
    }
}

/// Keeps a requirement file for [`crate::resolve()`].
fn capture(out: &mut Out<'_, '_>, content: String) {
    out.facts.files.push(CapturedFile { location: out.meta.location(), content });
}

impl WholeFile for PythonLockAnalyzer {
    const NAME: &'static str = "python-lock";
    const VERSION: u32 = 4;
    const MAX_SIZE: u64 = LOCK_MAX;

    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        kind_of(meta).is_some()
    }

    fn interest(&self, meta: &EntryMeta<'_>) -> Interest {
        match meta.is_file().then(|| kind_of(meta)).flatten() {
            None => Interest::No,
            Some(Kind::RequirementsIn | Kind::Candidate) => Interest::Sniff,
            Some(_) => Interest::Yes,
        }
    }

    fn sniff(&self, _meta: &EntryMeta<'_>, head: &[u8]) -> bool {
        looks_like_requirements(head)
    }

    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        let Some(kind) = kind_of(out.meta) else {
            return Ok(());
        };
        let (pkgs, label) = match kind {
            Kind::Requirements | Kind::RequirementsIn => {
                Self::requirements(bytes, out);
                return Ok(());
            }
            Kind::Candidate => {
                if bytes.len() as u64 <= CANDIDATE_MAX {
                    capture(out, text(bytes).into_owned());
                }
                return Ok(());
            }
            Kind::Poetry => (parse_toml_lock(&text(bytes))?, "poetry.lock"),
            Kind::Uv => (parse_toml_lock(&text(bytes))?, "uv.lock"),
            Kind::Pdm => (parse_toml_lock(&text(bytes))?, "pdm.lock"),
            Kind::Pipfile => (parse_pipfile_lock(&text(bytes))?, "Pipfile.lock"),
        };
        for l in pkgs {
            let mut p = pypi_package(out, &l.name, &l.version, None);
            p.properties.insert(PROP_DECLARED_IN.into(), label.into());
            if let Some(g) = l.group {
                p.properties.insert(PROP_GROUP.into(), g);
            }
            if let Some(d) = l.direct {
                p.properties.insert(PROP_DIRECT_REFERENCE.into(), d);
            }
            out.push(p);
        }
        Ok(())
    }
}

whole_file_analyzer!(PythonLockAnalyzer);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use seawall_analyzer::{Facts, FileAnalyzer};

    const REQS: &str = "torch==1.13.0  # old\nnumpy>=1.21,<2\nFlask===2.0.1\n-r other.txt\nfoo==\n";

    #[test]
    fn analyzer_requirements() {
        let a = PythonLockAnalyzer;
        let m = EntryMeta::file("requirements.txt", 1, None);
        assert_eq!(a.required(&m), Interest::Yes);
        crate::common::assert_interest(
            &a,
            Interest::Yes,
            &[
                "app/requirements-dev.txt",
                "requirements/base.txt",
                "dev_requirements.txt",
                "requirements.in",
                "requirements/dev.in",
            ],
        );
        crate::common::assert_interest(
            &a,
            Interest::Sniff,
            &["notes.txt", "app/base.txt", "deps.in", "MANIFEST.in"],
        );
        for p in ["/usr/share/licenses/x.txt", "/etc/x.in", "a/LICENSE", "big.txt"] {
            let size = if p == "big.txt" { CANDIDATE_MAX + 1 } else { 1 };
            assert_eq!(a.required(&EntryMeta::file(p, size, Some(0))), Interest::No, "{p}");
        }
        let vendored = EntryMeta::file("/usr/lib/python3/dist-packages/foo/requirements.txt", 1, None);
        assert_eq!(a.required(&vendored), Interest::No);
        assert!(a.required_by_content(&EntryMeta::file("dev.in", 1, None), b"numpy\n-c constraints.txt\n"));
        assert!(!a.required_by_content(&EntryMeta::file("MANIFEST.in", 1, None), b"include README\n"));

        let mut f = Facts::default();
        a.analyze(&m, &mut REQS.as_bytes(), &mut f).unwrap();
        let torch = f.packages.iter().find(|p| p.name == "torch").unwrap();
        assert_eq!(torch.version, "1.13.0");
        assert_eq!(torch.locations[0].line, Some(1));
        assert!(!torch.properties.contains_key(PROP_CONSTRAINT));
        let numpy = f.packages.iter().find(|p| p.name == "numpy").unwrap();
        assert_eq!(numpy.version, "");
        assert_eq!(numpy.properties.get(PROP_CONSTRAINT).map(String::as_str), Some(">=1.21,<2"));
        assert!(f.packages.iter().any(|p| p.name == "flask"));
        assert!(f.packages.iter().any(|p| p.name == "foo" && p.version.is_empty()));
        assert_eq!(f.warnings.len(), 1, "the empty pin is reported: {:?}", f.warnings);
        assert_eq!(f.warnings[0].location.as_ref().unwrap().line, Some(5));
        assert_eq!(f.files.len(), 1, "captured for include resolution");
        assert_eq!(f.files[0].content, REQS);
    }

    #[test]
    fn candidates_are_captured_not_reported() {
        let mut f = Facts::default();
        PythonLockAnalyzer
            .analyze(&EntryMeta::file("app/base.txt", 12, None), &mut &b"numpy==1.0\n"[..], &mut f)
            .unwrap();
        assert!(f.packages.is_empty());
        assert_eq!(f.files.len(), 1);
        let mut f = Facts::default();
        PythonLockAnalyzer
            .analyze(&EntryMeta::file("app/dev.in", 12, None), &mut &b"numpy==1.0\n"[..], &mut f)
            .unwrap();
        assert_eq!(f.packages.len(), 1, "a *.in file that reads as requirements is one");
    }

    #[test]
    fn poetry_uv_pdm() {
        let poetry = "[[package]]\nname = \"Requests\"\nversion = \"2.31.0\"\ncategory = \"main\"\n\n[[package]]\nname = \"pytest\"\nversion = \"7.0.0\"\ncategory = \"dev\"\n\n[metadata]\nlock-version = \"2.0\"\n";
        let p = parse_toml_lock(poetry).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].group.as_deref(), Some("dev"));
        let uv = "version = 1\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n\n[[package]]\nname = \"idna\"\nversion = \"3.7\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
        let u = parse_toml_lock(uv).unwrap();
        assert_eq!(
            u,
            [LockedPackage { name: "idna".into(), version: "3.7".into(), group: None, direct: None }]
        );
        assert!(parse_toml_lock("[[package]\n").is_err());
        for path in ["/app/uv.lock", "/app/script.py.lock", "/app/pdm.lock"] {
            let mut f = Facts::default();
            let m = EntryMeta::file(path, 1, Some(2));
            assert_eq!(PythonLockAnalyzer.required(&m), Interest::Yes);
            PythonLockAnalyzer.analyze(&m, &mut uv.as_bytes(), &mut f).unwrap();
            assert_eq!(f.packages[0].purl.as_deref(), Some("pkg:pypi/idna@3.7"));
        }
    }

    #[test]
    fn pipfile() {
        let j = r#"{"_meta":{},"default":{"django":{"version":"==3.2.0","hashes":[]},"vcs":{"git":"https://x.invalid/vcs","ref":"abc"}},"develop":{"black":{"version":"==22.1.0"}}}"#;
        let p = parse_pipfile_lock(j).unwrap();
        let got: Vec<_> = p
            .iter()
            .map(|l| (l.name.as_str(), l.version.as_str(), l.group.as_deref(), l.direct.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("django", "3.2.0", None, None),
                ("vcs", "", None, Some("https://x.invalid/vcs")),
                ("black", "22.1.0", Some("develop"), None)
            ]
        );
        assert!(parse_pipfile_lock("[").is_err());
        assert!(parse_pipfile_lock("null").is_err(), "a `null` lock file is not an empty inventory");
        assert!(parse_pipfile_lock("").is_err());
        assert!(parse_pipfile_lock("{}").is_err(), "an object that is no Pipfile.lock");
        assert!(parse_pipfile_lock(r#"{"_meta":{}}"#).unwrap().is_empty());
        assert!(parse_toml_lock(" \n").is_err(), "a 0-byte lock file is not an empty inventory");
        assert!(parse_toml_lock("package = []\n[metadata]\nlock-version = \"1.1\"\n").unwrap().is_empty());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_toml_lock(&s);
            let _ = parse_pipfile_lock(&s);
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
