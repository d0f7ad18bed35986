//! dpkg databases: `var/lib/dpkg/status` and distroless `var/lib/dpkg/status.d/*`.
//!
//! Hand-written: the format is RFC 822-style stanzas (shared parser in `common`); the Debian crates
//! that parse control files (`debian-control`, `deb822-lossless`) keep lossless syntax trees we do not
//! need and are much heavier than the 40 lines here.

use std::io::Read;

use seawall_analyzer::{AnalyzerError, EntryMeta, Facts, FileAnalyzer, Interest};
use seawall_core::SourcePackage;

use crate::common::{field, package, read_text, stanzas};
use crate::cuda;
use crate::os::{ECOSYSTEM_DEBIAN, PROP_ARCH, set_os_purl};
use crate::python::interpreter;

/// One installed package from a dpkg database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpkgEntry {
    /// `Package:`.
    pub name: String,
    /// `Version:` (with epoch, as recorded).
    pub version: String,
    /// `Architecture:`.
    pub arch: String,
    /// `Source:` name, defaulting to the binary name.
    pub source_name: String,
    /// `Source:` version in parentheses, defaulting to the binary version.
    pub source_version: String,
    /// 1-based line of the stanza's first field.
    pub line: u32,
}

/// Parses a dpkg status file. With `require_installed`, stanzas whose `Status:` is not
/// `<want> <flag> installed` (e.g. `deinstall ok config-files`) are skipped; distroless `status.d`
/// files carry no `Status:` and are parsed with `require_installed = false`. Stanzas without
/// `Package:` or `Version:` are skipped. Fuzz entry point.
pub fn parse_dpkg_status(text: &str, require_installed: bool) -> Vec<DpkgEntry> {
    let mut out = Vec::new();
    for st in stanzas(text, false) {
        let (Some(name), Some(version)) = (field(&st, "Package"), field(&st, "Version")) else {
            continue;
        };
        if name.is_empty() || version.is_empty() {
            continue;
        }
        if require_installed {
            let status = field(&st, "Status").unwrap_or("");
            if status.split_whitespace().nth(2) != Some("installed") {
                continue;
            }
        }
        let (source_name, source_version) = match field(&st, "Source") {
            Some(src) if !src.is_empty() => parse_source(src, version),
            _ => (name.to_string(), version.to_string()),
        };
        out.push(DpkgEntry {
            name: name.to_string(),
            version: version.to_string(),
            arch: field(&st, "Architecture").unwrap_or("").to_string(),
            source_name,
            source_version,
            line: st.first().map_or(1, |f| f.line),
        });
    }
    out
}

/// `Source: glibc (2.36-9)` → (`glibc`, `2.36-9`); without parentheses the binary version.
fn parse_source(src: &str, binary_version: &str) -> (String, String) {
    match src.split_once('(') {
        Some((n, rest)) => {
            let v = rest.split(')').next().unwrap_or("").trim();
            let v = if v.is_empty() { binary_version } else { v };
            (n.trim().to_string(), v.to_string())
        }
        None => (src.trim().to_string(), binary_version.to_string()),
    }
}

/// Reads dpkg databases. Packages get ecosystem `Debian` (rewritten by [`crate::apply_os`]), a
/// `pkg:deb/debian/…` purl, `source` always set (dpkg's own default: same name and version), and
/// `properties["arch"]`. CUDA-stack packages are tagged `cuda.component`; `libpython3.X-minimal`
/// also yields the interpreter package (see [`crate::python`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct DpkgAnalyzer;

impl DpkgAnalyzer {
    fn is_status_d(rel: &str) -> bool {
        rel.strip_prefix("var/lib/dpkg/status.d/").is_some_and(|n| {
            !n.is_empty() && !n.contains('/') && !n.ends_with(".md5sums") && !n.ends_with(".list")
        })
    }
}

impl FileAnalyzer for DpkgAnalyzer {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        let p = meta.rel_path();
        if meta.is_file() && (p == "var/lib/dpkg/status" || Self::is_status_d(p)) {
            Interest::Yes
        } else {
            Interest::No
        }
    }

    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        out: &mut Facts,
    ) -> Result<(), AnalyzerError> {
        let text = read_text(content, self.max_size())?;
        let require_installed = !Self::is_status_d(meta.rel_path());
        for e in parse_dpkg_status(&text, require_installed) {
            let mut p = package(self.name(), meta, &e.name, &e.version, ECOSYSTEM_DEBIAN);
            if let Some(l) = p.locations.first_mut() {
                l.line = Some(e.line);
            }
            p.source = Some(SourcePackage { name: e.source_name.clone(), version: e.source_version.clone() });
            if !e.arch.is_empty() {
                p.properties.insert(PROP_ARCH.into(), e.arch.clone());
            }
            if let Some(c) = cuda::os_package_component(&e.name) {
                p.properties.insert(cuda::PROP_COMPONENT.into(), c.into());
            }
            set_os_purl(&mut p, None);
            if let Some(py) = interpreter::from_os_package(self.name(), meta, &e.name, &e.version) {
                out.packages.push(py);
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

    const STATUS: &str = "\
Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries
 Contains the standard libraries.

Package: old-thing
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: perl-base
Status: hold ok installed
Architecture: amd64
Source: perl (5.36.0-7+deb12u1)
Version: 5.36.0-7+deb12u1

Package: libpython3.11-minimal
Status: install ok installed
Architecture: amd64
Source: python3.11
Version: 3.11.2-6+deb12u2

Package: libcudnn8
Status: install ok installed
Architecture: amd64
Version: 8.9.0.131-1+cuda12.1
";

    #[test]
    fn parses_installed_only() {
        let e = parse_dpkg_status(STATUS, true);
        let names: Vec<_> = e.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["libc6", "perl-base", "libpython3.11-minimal", "libcudnn8"]);
        assert_eq!(e[0].source_name, "glibc");
        assert_eq!(e[0].source_version, "2.36-9+deb12u4");
        assert_eq!(e[1].source_version, "5.36.0-7+deb12u1");
        assert_eq!(e[3].source_name, "libcudnn8");
        assert_eq!(e[0].line, 1);
        assert_eq!(parse_dpkg_status(STATUS, false).len(), 5);
    }

    #[test]
    fn analyzer_status() {
        let a = DpkgAnalyzer;
        let meta = EntryMeta::file("/var/lib/dpkg/status", 100, Some(1));
        assert_eq!(a.required(&meta), Interest::Yes);
        let mut f = Facts::default();
        a.analyze(&meta, &mut STATUS.as_bytes(), &mut f).unwrap();
        let libc = f.packages.iter().find(|p| p.name == "libc6").unwrap();
        assert_eq!(libc.ecosystem, "Debian");
        assert_eq!(
            libc.purl.as_deref(),
            Some("pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc")
        );
        assert_eq!(libc.locations[0].layer, Some(1));
        assert_eq!(libc.source.as_ref().unwrap().name, "glibc");
        let cudnn = f.packages.iter().find(|p| p.name == "libcudnn8").unwrap();
        assert_eq!(cudnn.properties.get("cuda.component").map(String::as_str), Some("cudnn"));
        let py = f.packages.iter().find(|p| p.name == "python").unwrap();
        assert_eq!(py.version, "3.11.2");
        assert_eq!(f.packages.iter().filter(|p| p.ecosystem == "Debian").count(), 4);
    }

    #[test]
    fn distroless_status_d() {
        let a = DpkgAnalyzer;
        assert_eq!(a.required(&EntryMeta::file("/var/lib/dpkg/status.d/libssl3", 1, None)), Interest::Yes);
        assert_eq!(
            a.required(&EntryMeta::file("/var/lib/dpkg/status.d/libssl3.md5sums", 1, None)),
            Interest::No
        );
        assert_eq!(a.required(&EntryMeta::file("/var/lib/dpkg/status-old", 1, None)), Interest::No);
        let meta = EntryMeta::file("var/lib/dpkg/status.d/libssl3", 1, None);
        let mut f = Facts::default();
        a.analyze(
            &meta,
            &mut &b"Package: libssl3\nVersion: 3.0.11-1~deb12u2\nArchitecture: arm64\nSource: openssl\n"[..],
            &mut f,
        )
        .unwrap();
        assert_eq!(f.packages.len(), 1);
        assert_eq!(f.packages[0].source.as_ref().unwrap().version, "3.0.11-1~deb12u2");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*", inst in any::<bool>()) {
            let _ = parse_dpkg_status(&s, inst);
        }
        #[test]
        fn never_panics_structured(s in "(Package|Version|Status|Source): [a-z0-9 ().+~:-]{0,20}\n{0,2}") {
            let _ = parse_dpkg_status(&s, true);
        }
    }
}
