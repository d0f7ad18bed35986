//! The CPython interpreter as a package.
//!
//! Reported as name [`PYTHON_INTERPRETER_NAME`] (`python`), ecosystem [`ECOSYSTEM_CPYTHON`]
//! (`CPython`; OSV has no such ecosystem, so vulnerability matchers ignore it, while EOL rules key on
//! it), purl `pkg:generic/python@3.11.4` (as Syft), `properties["python.evidence"]` naming the source:
//!
//! * `patchlevel.h` — `…/include/python3.X/patchlevel.h` (`#define PY_VERSION "3.11.4"`): interpreters
//!   compiled into `/usr/local` (official `python:` images), conda (`/opt/conda/include`), pyenv;
//! * `pyvenv.cfg` — `version = 3.11.4` / `version_info = 3.11.4.final.0` of a virtual environment;
//! * `dpkg` / `apk` / `rpm` — the OS package of the interpreter (`libpython3.X-minimal`, `python3`,
//!   `python3.X`), upstream version without the distribution revision.

use seawall_analyzer::{AnalyzerError, EntryMeta};
use seawall_core::Package;

use crate::common::{Out, WholeFile, purl, text, whole_file_analyzer};

/// Package name of the CPython interpreter.
pub const PYTHON_INTERPRETER_NAME: &str = "python";
/// Ecosystem of the CPython interpreter package.
pub const ECOSYSTEM_CPYTHON: &str = "CPython";
/// Property naming where the interpreter version came from.
pub const PROP_EVIDENCE: &str = "python.evidence";

fn interpreter(out: &Out<'_, '_>, version: &str, evidence: &str) -> Package {
    let mut p = out.package(PYTHON_INTERPRETER_NAME, version, ECOSYSTEM_CPYTHON, None);
    p.purl = purl("generic", None, PYTHON_INTERPRETER_NAME, Some(version), &[]);
    p.properties.insert(PROP_EVIDENCE.into(), evidence.into());
    p
}

/// True for `3`, `3.11`, `3.11.4`, `3.13.0rc1` (digits and dots, optional pre-release suffix).
fn plausible_version(v: &str) -> bool {
    v.len() <= 32
        && v.starts_with(|c: char| c.is_ascii_digit())
        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '+')
}

/// The interpreter package implied by an OS package (`libpython3.11-minimal 3.11.2-6` → `python
/// 3.11.2`), if `name` is one of the interpreter's OS packages.
pub(crate) fn from_os_package(out: &Out<'_, '_>, name: &str, version: &str) -> Option<Package> {
    let is_interp = match out.analyzer {
        "dpkg" => {
            name.strip_prefix("libpython3.").and_then(|r| r.strip_suffix("-minimal")).is_some_and(is_digits)
        }
        "apk" => name == "python3",
        "rpm" => name == "python3" || name.strip_prefix("python3.").is_some_and(is_digits),
        _ => false,
    };
    if !is_interp {
        return None;
    }
    let no_epoch = version.split_once(':').map_or(version, |(_, v)| v);
    let upstream = no_epoch.split('-').next().unwrap_or(no_epoch);
    let upstream = upstream.split('~').next().unwrap_or(upstream);
    plausible_version(upstream).then(|| interpreter(out, upstream, out.analyzer))
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `PY_VERSION` from a `patchlevel.h`. Fuzz entry point.
pub fn parse_patchlevel(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("#define")?.trim_start().strip_prefix("PY_VERSION")?;
        let v = rest.trim().strip_prefix('"')?.split('"').next()?;
        plausible_version(v).then(|| v.to_string())
    })
}

/// The interpreter version recorded in a venv's `pyvenv.cfg` (`version` or `version_info`, the
/// latter cut to three components). Fuzz entry point.
pub fn parse_pyvenv_cfg(text: &str) -> Option<String> {
    let mut found = None;
    for l in text.lines() {
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k == "version" || (k == "version_info" && found.is_none()) {
            let v = v.split('.').take(3).collect::<Vec<_>>().join(".");
            if plausible_version(&v) {
                found = Some(v);
            }
        }
    }
    found
}

/// Finds the interpreter from `include/python3.X/patchlevel.h` and venv `pyvenv.cfg` files.
#[derive(Debug, Default, Clone, Copy)]
pub struct PythonInterpreterAnalyzer;

impl PythonInterpreterAnalyzer {
    fn is_patchlevel(rel: &str) -> bool {
        let Some(dir) = rel.strip_suffix("/patchlevel.h") else {
            return false;
        };
        let (parent, leaf) = dir.rsplit_once('/').unwrap_or(("", dir));
        (parent == "include" || parent.ends_with("/include"))
            && leaf.strip_prefix("python").is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
    }
}

impl WholeFile for PythonInterpreterAnalyzer {
    const NAME: &'static str = "python-interpreter";
    const VERSION: u32 = 2;
    const MAX_SIZE: u64 = 256 * 1024;

    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        let n = meta.file_name();
        (n == "patchlevel.h" && Self::is_patchlevel(meta.rel_path())) || n == "pyvenv.cfg"
    }

    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        let text = text(bytes);
        let (v, evidence) = if out.meta.file_name() == "pyvenv.cfg" {
            (parse_pyvenv_cfg(&text), "pyvenv.cfg")
        } else {
            (parse_patchlevel(&text), "patchlevel.h")
        };
        match v {
            Some(v) => {
                let p = interpreter(out, &v, evidence);
                out.push(p);
            }
            // A venv without a recorded version (hand-made cfg) or a patchlevel.h without
            // PY_VERSION: the interpreter is there but its version is not known.
            None => out.warn(None, format!("{evidence} names no Python version")),
        }
        Ok(())
    }
}

whole_file_analyzer!(PythonInterpreterAnalyzer);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use seawall_analyzer::{Facts, FileAnalyzer, Interest};

    #[test]
    fn patchlevel() {
        let h = "/* Version as a string */\n#define PY_VERSION      \t\"3.11.4\"\n/*--end constants--*/\n";
        assert_eq!(parse_patchlevel(h).as_deref(), Some("3.11.4"));
        assert_eq!(parse_patchlevel("#define PY_VERSION \"3.13.0rc1+\"").as_deref(), Some("3.13.0rc1+"));
        assert_eq!(parse_patchlevel("#define PY_VERSION \"$(rm -rf)\""), None);
        let a = PythonInterpreterAnalyzer;
        let m = EntryMeta::file("/usr/local/include/python3.11/patchlevel.h", 10, Some(3));
        assert_eq!(a.required(&m), Interest::Yes);
        assert_eq!(a.required(&EntryMeta::file("include/python3.11/patchlevel.h", 1, None)), Interest::Yes);
        assert_eq!(a.required(&EntryMeta::file("/usr/src/foo/patchlevel.h", 10, None)), Interest::No);
        let mut f = Facts::default();
        a.analyze(&m, &mut h.as_bytes(), &mut f).unwrap();
        assert_eq!(f.packages[0].name, "python");
        assert_eq!(f.packages[0].ecosystem, "CPython");
        assert_eq!(f.packages[0].purl.as_deref(), Some("pkg:generic/python@3.11.4"));
    }

    #[test]
    fn pyvenv() {
        assert_eq!(
            parse_pyvenv_cfg("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n")
                .as_deref(),
            Some("3.11.2")
        );
        assert_eq!(parse_pyvenv_cfg("home = /x\nversion_info = 3.12.1.final.0\n").as_deref(), Some("3.12.1"));
        assert_eq!(parse_pyvenv_cfg("home = /x\n"), None);
    }

    #[test]
    fn os_packages() {
        let m = EntryMeta::file("/var/lib/dpkg/status", 1, None);
        let mut facts = Facts::default();
        let v = |analyzer: &'static str, facts: &mut Facts, name: &str, version: &str| {
            from_os_package(&Out::new(analyzer, &m, facts), name, version).map(|p| p.version)
        };
        assert_eq!(
            v("dpkg", &mut facts, "libpython3.11-minimal", "3.11.2-6+deb12u2").as_deref(),
            Some("3.11.2")
        );
        assert!(v("dpkg", &mut facts, "libpython3.11-stdlib", "3.11.2-6").is_none());
        assert!(v("dpkg", &mut facts, "python3", "3.11.2-1").is_none());
        assert_eq!(v("rpm", &mut facts, "python3.11", "3.11.7-1.el9").as_deref(), Some("3.11.7"));
        assert_eq!(v("apk", &mut facts, "python3", "3.11.8-r0").as_deref(), Some("3.11.8"));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_patchlevel(&s);
            let _ = parse_pyvenv_cfg(&s);
        }
    }
}
