//! dpkg databases (`var/lib/dpkg/status`, distroless `var/lib/dpkg/status.d/*`) and opkg databases
//! (`usr/lib/opkg/status`, `var/lib/opkg/status`: OpenWrt-based edge images), which share the
//! format.
//!
//! Hand-written: the format is RFC 822-style stanzas (shared parser in `common`); the Debian crates
//! that parse control files (`debian-control`, `deb822-lossless`) keep lossless syntax trees we do not
//! need and are much heavier than the lines here.

use seawall_analyzer::{AnalyzerError, EntryMeta};
use seawall_core::SourcePackage;

use crate::common::{Out, Parsed, WholeFile, line_list, stanzas, text, whole_file_analyzer};
use crate::os::{ECOSYSTEM_DEBIAN, ECOSYSTEM_OPENWRT, OsEntry, record_database};

/// One installed package from a dpkg or opkg database.
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

/// What [`parse_dpkg_status`] read: installed packages, and the problems met (lines that are not
/// `Field: value`, installed stanzas without `Package:` or `Version:`, unknown `Status:` values).
pub type DpkgDatabase = Parsed<DpkgEntry>;

/// Parses a dpkg or opkg status file. A stanza is installed when its `Status:` is
/// `<want> <flag> installed` (so `deinstall ok config-files` and `install ok unpacked` are not, and
/// `deinstall ok installed` is); a stanza without `Status:` is installed when
/// `missing_status_installed` (distroless `status.d` files carry none) and not otherwise (the main
/// `status` file always records one). Not-installed stanzas are skipped; everything malformed becomes
/// a problem, never a silent skip: an installed stanza without `Version:` is an entry with an empty
/// version *and* a problem, one without `Package:` only a problem. Fuzz entry point.
pub fn parse_dpkg_status(text: &str, missing_status_installed: bool) -> DpkgDatabase {
    let mut db = DpkgDatabase::default();
    for st in stanzas(text, false) {
        let line = st.line();
        if !st.malformed.is_empty() {
            db.problems.push((
                st.malformed.first().copied().unwrap_or(line),
                format!("line(s) {} are not `Field: value`", line_list(&st.malformed)),
            ));
        }
        let installed = match st.get("Status") {
            None => missing_status_installed,
            Some(status) => {
                let words: Vec<&str> = status.split_whitespace().collect();
                match words.as_slice() {
                    [_, _, state] => *state == "installed",
                    _ => {
                        db.problems.push((line, format!("stanza at line {line}: unknown Status `{status}`")));
                        false
                    }
                }
            }
        };
        if !installed || st.fields.is_empty() {
            continue;
        }
        let name = st.get("Package").unwrap_or("");
        let version = st.get("Version").unwrap_or("");
        if name.is_empty() {
            db.problems.push((line, format!("installed stanza at line {line} has no Package: skipped")));
            continue;
        }
        if version.is_empty() {
            // Reported with an empty version: the package is there, its version is not known.
            db.problems.push((line, format!("installed package `{name}` at line {line} has no Version")));
        }
        let (source_name, source_version) = match st.get("Source") {
            Some(src) if !src.is_empty() => parse_source(src, version),
            _ => (name.to_string(), version.to_string()),
        };
        db.entries.push(DpkgEntry {
            name: name.to_string(),
            version: version.to_string(),
            arch: st.get("Architecture").unwrap_or("").to_string(),
            source_name,
            source_version,
            line,
        });
    }
    db
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

impl From<DpkgEntry> for OsEntry {
    fn from(e: DpkgEntry) -> Self {
        let source = Some(SourcePackage { name: e.source_name, version: e.source_version });
        OsEntry {
            name: e.name,
            version: e.version,
            arch: e.arch,
            source,
            line: Some(e.line),
            properties: Vec::new(),
        }
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

impl WholeFile for DpkgAnalyzer {
    const NAME: &'static str = "dpkg";
    const VERSION: u32 = 3;

    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        let p = meta.rel_path();
        p == "var/lib/dpkg/status" || Self::is_status_d(p)
    }

    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        let status_d = Self::is_status_d(out.meta.rel_path());
        record_database(out, ECOSYSTEM_DEBIAN, parse_dpkg_status(&text(bytes), status_d));
        Ok(())
    }
}

whole_file_analyzer!(DpkgAnalyzer);

/// Reads opkg databases (`usr/lib/opkg/status`, `var/lib/opkg/status`). Packages get ecosystem
/// [`ECOSYSTEM_OPENWRT`] and a `pkg:opkg/openwrt/…` purl.
#[derive(Debug, Default, Clone, Copy)]
pub struct OpkgAnalyzer;

impl WholeFile for OpkgAnalyzer {
    const NAME: &'static str = "opkg";
    const VERSION: u32 = 2;

    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        matches!(meta.rel_path(), "usr/lib/opkg/status" | "var/lib/opkg/status")
    }

    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        record_database(out, ECOSYSTEM_OPENWRT, parse_dpkg_status(&text(bytes), false));
        Ok(())
    }
}

whole_file_analyzer!(OpkgAnalyzer);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use seawall_analyzer::{Facts, FileAnalyzer, Interest};

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

Package: purged
Status: purge ok not-installed
";

    fn run(a: &dyn FileAnalyzer, path: &str, body: &str) -> Facts {
        let meta = EntryMeta::file(path, body.len() as u64, Some(1));
        assert_eq!(a.required(&meta), Interest::Yes, "{path}");
        let mut f = Facts::default();
        a.analyze(&meta, &mut body.as_bytes(), &mut f).unwrap();
        f
    }

    fn names(f: &Facts) -> Vec<&str> {
        f.packages.iter().filter(|p| p.name != "python").map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn parses_installed_only() {
        let db = parse_dpkg_status(STATUS, false);
        let names: Vec<_> = db.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["libc6", "perl-base", "libpython3.11-minimal", "libcudnn8"]);
        assert_eq!(db.problems, [], "a purged stanza without Version is not a problem");
        let e = &db.entries;
        assert_eq!(e[0].source_name, "glibc");
        assert_eq!(e[0].source_version, "2.36-9+deb12u4");
        assert_eq!(e[1].source_version, "5.36.0-7+deb12u1");
        assert_eq!(e[3].source_name, "libcudnn8");
        assert_eq!(e[0].line, 1);
    }

    #[test]
    fn analyzer_status() {
        let f = run(&DpkgAnalyzer, "/var/lib/dpkg/status", STATUS);
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
        assert!(f.warnings.is_empty());
    }

    #[test]
    fn status_field_decides_installation() {
        // The states dpkg and opkg write, one stanza each (want, error flag, state).
        let db = "Package: a-install-installed\nStatus: install ok installed\nVersion: 1.0\n\n\
                  Package: b-deinstall-installed\nStatus: deinstall ok installed\nVersion: 1.0\n\n\
                  Package: c-purge-installed\nStatus: purge ok installed\nVersion: 1.0\n\n\
                  Package: d-deinstall-config-files\nStatus: deinstall ok config-files\nVersion: 1.0\n\n\
                  Package: e-install-unpacked\nStatus: install ok unpacked\nVersion: 1.0\n\n\
                  Package: f-install-half-installed\nStatus: install reinstreq half-installed\nVersion: 1.0\n\n\
                  Package: g-purge-not-installed\nStatus: purge ok not-installed\nVersion: 1.0\n\n\
                  Package: h-no-status\nVersion: 1.0\n";
        let want = ["a-install-installed", "b-deinstall-installed", "c-purge-installed"];
        assert_eq!(names(&run(&DpkgAnalyzer, "var/lib/dpkg/status", db)), want);
        assert_eq!(names(&run(&OpkgAnalyzer, "usr/lib/opkg/status", db)), want);
        // status.d: the same rules when Status is present; no Status means installed.
        let mut with_h = want.to_vec();
        with_h.push("h-no-status");
        assert_eq!(names(&run(&DpkgAnalyzer, "var/lib/dpkg/status.d/multi", db)), with_h);
    }

    #[test]
    fn status_d_deinstalled_config_files_is_not_installed() {
        let f = run(
            &DpkgAnalyzer,
            "var/lib/dpkg/status.d/libfoo",
            "Package: libfoo\nStatus: deinstall ok config-files\nVersion: 1.0-1\n",
        );
        assert!(f.packages.is_empty());
        assert!(f.warnings.is_empty());
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
        let f = run(
            &a,
            "var/lib/dpkg/status.d/libssl3",
            "Package: libssl3\nVersion: 3.0.11-1~deb12u2\nArchitecture: arm64\nSource: openssl\n",
        );
        assert_eq!(f.packages.len(), 1);
        assert_eq!(f.packages[0].source.as_ref().unwrap().version, "3.0.11-1~deb12u2");
    }

    #[test]
    fn opkg_status() {
        let a = OpkgAnalyzer;
        assert_eq!(a.required(&EntryMeta::file("/var/lib/opkg/status", 1, None)), Interest::Yes);
        assert_eq!(a.required(&EntryMeta::file("/usr/lib/opkg/status/x", 1, None)), Interest::No);
        let f = run(
            &a,
            "/usr/lib/opkg/status",
            "Package: ubus\nVersion: 2024.10.20~252a9b0c-r1\nDepends: libc, ubusd\nStatus: install ok installed\nArchitecture: x86_64\nInstalled-Time: 1730715936\n\nPackage: busybox\nVersion: 1.36.1-r2\nStatus: install user installed\nArchitecture: x86_64\n",
        );
        let got: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        assert_eq!(got, [("ubus", "2024.10.20~252a9b0c-r1"), ("busybox", "1.36.1-r2")]);
        assert_eq!(f.packages[0].ecosystem, "OpenWrt");
        assert_eq!(
            f.packages[0].purl.as_deref(),
            Some("pkg:opkg/openwrt/ubus@2024.10.20~252a9b0c-r1?arch=x86_64")
        );
        let mut v = f.packages;
        let os =
            seawall_core::OsInfo { id: "openwrt".into(), version_id: "21.02.1".into(), ..Default::default() };
        crate::apply_os(&mut v, &os);
        assert_eq!(v[0].ecosystem, "OpenWrt");
        assert_eq!(
            v[0].purl.as_deref(),
            Some("pkg:opkg/openwrt/ubus@2024.10.20~252a9b0c-r1?arch=x86_64&distro=openwrt-21.02.1")
        );
    }

    #[test]
    fn malformed_database_warns_naming_the_file() {
        for a in [&DpkgAnalyzer as &dyn FileAnalyzer, &OpkgAnalyzer] {
            let path = if a.name() == "dpkg" { "/var/lib/dpkg/status" } else { "/usr/lib/opkg/status" };
            let f = run(a, path, "asdf\n\nyolo\n");
            assert!(f.packages.is_empty());
            assert_eq!(f.warnings.len(), 2, "{:?}", f.warnings);
            assert!(f.warnings.iter().all(|w| w.location.as_ref().unwrap().path == path));
            assert_eq!(f.warnings[1].location.as_ref().unwrap().line, Some(3));
        }
        // An installed stanza without a version, and one without a name: skipped, each with a warning.
        let f = run(
            &DpkgAnalyzer,
            "/var/lib/dpkg/status",
            "Package: foo\nStatus: install ok installed\nVersion: 1.0\n\nPackage: nover\nStatus: install ok installed\n\nStatus: install ok installed\nVersion: 2.0\n\nPackage: odd\nStatus: weird\nVersion: 1\n",
        );
        assert_eq!(names(&f), ["foo", "nover"]);
        let nover = f.packages.iter().find(|p| p.name == "nover").unwrap();
        assert_eq!(nover.version, "");
        assert_eq!(
            nover.properties.get(crate::common::PROP_VERSION_MISSING).map(String::as_str),
            Some("true")
        );
        let msgs: Vec<_> = f.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("no Version"));
        assert!(msgs[1].contains("no Package"));
        assert!(msgs[2].contains("unknown Status"));
    }

    #[test]
    fn empty_database_is_valid() {
        let f = run(&DpkgAnalyzer, "/var/lib/dpkg/status", "");
        assert!(f.packages.is_empty() && f.warnings.is_empty());
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
