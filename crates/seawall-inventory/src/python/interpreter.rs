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

use std::io::Read;

use seawall_analyzer::{AnalyzerError, EntryMeta, Facts, FileAnalyzer, Interest};
use seawall_core::Package;

use crate::common::{package, purl, read_text};

/// Package name of the CPython interpreter.
pub const PYTHON_INTERPRETER_NAME: &str = "python";
/// Ecosystem of the CPython interpreter package.
pub const ECOSYSTEM_CPYTHON: &str = "CPython";
/// Property naming where the interpreter version came from.
pub const PROP_EVIDENCE: &str = "python.evidence";

fn interpreter(analyzer: &str, meta: &EntryMeta<'_>, version: &str, evidence: &str) -> Package {
    let mut p = package(analyzer, meta, PYTHON_INTERPRETER_NAME, version, ECOSYSTEM_CPYTHON);
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
pub(crate) fn from_os_package(
    analyzer: &str,
    meta: &EntryMeta<'_>,
    name: &str,
    version: &str,
) -> Option<Package> {
    let is_interp = match analyzer {
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
    plausible_version(upstream).then(|| interpreter(analyzer, meta, upstream, analyzer))
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

impl FileAnalyzer for PythonInterpreterAnalyzer {
    fn name(&self) -> &'static str {
        "python-interpreter"
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        if !meta.is_file() {
            return Interest::No;
        }
        let n = meta.file_name();
        if (n == "patchlevel.h" && Self::is_patchlevel(meta.rel_path())) || n == "pyvenv.cfg" {
            Interest::Yes
        } else {
            Interest::No
        }
    }

    fn max_size(&self) -> u64 {
        256 * 1024
    }

    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        out: &mut Facts,
    ) -> Result<(), AnalyzerError> {
        let text = read_text(content, self.max_size())?;
        let (v, evidence) = if meta.file_name() == "pyvenv.cfg" {
            (parse_pyvenv_cfg(&text), "pyvenv.cfg")
        } else {
            (parse_patchlevel(&text), "patchlevel.h")
        };
        if let Some(v) = v {
            out.packages.push(interpreter(self.name(), meta, &v, evidence));
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
        assert_eq!(
            from_os_package("dpkg", &m, "libpython3.11-minimal", "3.11.2-6+deb12u2").unwrap().version,
            "3.11.2"
        );
        assert!(from_os_package("dpkg", &m, "libpython3.11-stdlib", "3.11.2-6").is_none());
        assert!(from_os_package("dpkg", &m, "python3", "3.11.2-1").is_none());
        assert_eq!(from_os_package("rpm", &m, "python3.11", "3.11.7-1.el9").unwrap().version, "3.11.7");
        assert_eq!(from_os_package("apk", &m, "python3", "3.11.8-r0").unwrap().version, "3.11.8");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_patchlevel(&s);
            let _ = parse_pyvenv_cfg(&s);
        }
    }
}
