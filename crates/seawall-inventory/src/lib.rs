//! # seawall-inventory — package inventory analyzers
//!
//! Per-file analyzers ([`seawall_analyzer::FileAnalyzer`]) that turn package databases, metadata
//! files, lock files and binaries into [`seawall_core::Package`]s (and `os-release` into
//! [`seawall_core::OsInfo`]). The walker (`seawall-walker`) feeds them; the orchestrator
//! (`seawall-scan`) registers them with [`analyzers`] and, after the walk, calls [`resolve()`] for
//! the facts that span files (pip `-r`/`-c` includes, editable installs, npm shrinkwrap
//! precedence), picks the OS with [`choose_os`] and calls [`apply_os`] to give OS packages their
//! final ecosystem (`Debian:12`, `Alpine:v3.19`, …).
//!
//! Fail closed: a file an analyzer claims but cannot fully understand — a malformed package
//! database, a stanza without a version, a requirement line pip would reject, an archive with no
//! coordinates — yields a warning naming the file (and line), never a silently empty result. Most
//! analyzers read a whole file; they share that shape (`common::WholeFile`) and its
//! [`FileAnalyzer`] implementation.
//!
//! | analyzer | reads | ecosystem |
//! |---|---|---|
//! | `os-release` | `etc/os-release`, `usr/lib/os-release` | → `Facts::os` |
//! | `dpkg` | `var/lib/dpkg/status`, `var/lib/dpkg/status.d/*` | `Debian` → `Debian:12`, `Ubuntu:22.04` |
//! | `opkg` | `usr/lib/opkg/status`, `var/lib/opkg/status` | `OpenWrt` |
//! | `apk` | `lib/apk/db/installed`, `usr/lib/apk/db/installed` | `Alpine` → `Alpine:v3.19` |
//! | `rpm` | `rpmdb.sqlite` (in memory), Berkeley DB `Packages`, ndb `Packages.db` (`var/lib/rpm`, `usr/lib/sysimage/rpm`, `usr/share/rpm`) | `Red Hat` → `Rocky Linux:9`, … |
//! | `python-dist` | `*.dist-info/METADATA`, `*.egg-info[/PKG-INFO]`, `*.egg/EGG-INFO/PKG-INFO` | `PyPI` |
//! | `python-egg` | zipped `*.egg`, `*.egg-link` | `PyPI` |
//! | `python-lock` | `*requirements*.txt`, `requirements/*.txt`, `*.in`, `poetry.lock`, `uv.lock`, `*.py.lock`, `pdm.lock`, `Pipfile.lock` | `PyPI` |
//! | `python-interpreter` | `include/python3.X/patchlevel.h`, `pyvenv.cfg` | `CPython` (`python`) |
//! | `conda` | `**/conda-meta/*.json` | `conda` |
//! | `cuda` | `usr/local/cuda*/version.{json,txt}`, cuDNN/NCCL/TensorRT headers | `cuda` |
//! | `npm` | `node_modules/[@scope/]name/package.json` | `npm` |
//! | `npm-lock` | `package-lock.json`, `npm-shrinkwrap.json` (outside `node_modules/`) | `npm` |
//! | `cargo-lock` | `Cargo.lock` | `crates.io` |
//! | `binary` | ELF files: Go build info, `cargo auditable` `.dep-v0` | `Go`, `crates.io` |
//! | `java` | `.jar`/`.war`/`.ear`/`.hpi`/`.jmod`/…: `pom.properties`, file name, `MANIFEST.MF`, nested archives | `Maven` |
//!
//! Every package carries `properties["analyzer"]` (the analyzer name), a purl where a purl type
//! exists, and its location (path, layer, and line where meaningful). Each parser is exposed as a
//! public function that never panics on any input (fuzz entry points): [`parse_os_release`],
//! [`parse_dpkg_status`], [`parse_apk_installed`], [`parse_rpm_header`], [`bdb_hash_values`], [`ndb_blobs`],
//! [`parse_python_metadata`], [`parse_zipped_egg`], [`parse_egg_link`],
//! [`parse_requirements`], [`parse_toml_lock`], [`parse_pipfile_lock`], [`parse_patchlevel`],
//! [`parse_pyvenv_cfg`], [`parse_conda_meta`], [`parse_cuda_version_json`],
//! [`parse_cuda_version_txt`], [`parse_version_header`], [`parse_package_json`], [`parse_package_lock`],
//! [`parse_cargo_lock`], [`parse_go_buildinfo`], [`parse_go_buildinfo_pointers`],
//! [`parse_cargo_auditable`], [`parse_jar`], [`java_file_name`], [`pom_xml_version`].
//!
//! ```
//! use seawall_analyzer::{EntryMeta, Facts, Interest};
//! use seawall_core::OsInfo;
//!
//! let analyzers = seawall_inventory::analyzers();
//! let meta = EntryMeta::file("/var/lib/dpkg/status", 80, Some(0));
//! let status = b"Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n";
//! let mut facts = Facts::default();
//! for a in analyzers.iter().filter(|a| a.required(&meta) == Interest::Yes) {
//!     a.analyze(&meta, &mut &status[..], &mut facts).unwrap();
//! }
//! let os = OsInfo { id: "debian".into(), version_id: "12".into(), ..Default::default() };
//! seawall_inventory::apply_os(&mut facts.packages, &os);
//! assert_eq!(facts.packages[0].ecosystem, "Debian:12");
//! assert_eq!(
//!     facts.packages[0].purl.as_deref(),
//!     Some("pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12")
//! );
//! ```
#![deny(missing_docs)]

pub mod binary;
pub mod cargo_lock;
mod common;
pub mod conda;
pub mod cuda;
pub mod java;
pub mod npm;
pub mod npm_lock;
pub mod os;
pub mod python;
pub mod resolve;

use seawall_analyzer::FileAnalyzer;

pub use binary::{BinaryAnalyzer, parse_cargo_auditable, parse_go_buildinfo, parse_go_buildinfo_pointers};
pub use cargo_lock::{CargoLockAnalyzer, parse_cargo_lock};
pub use common::{PROP_ANALYZER, PROP_VERSION_MISSING, Parsed, pep503_normalize};
pub use conda::{CondaAnalyzer, parse_conda_meta};
pub use cuda::{CudaAnalyzer, parse_cuda_version_json, parse_cuda_version_txt, parse_version_header};
pub use java::{JavaAnalyzer, java_file_name, parse_jar, pom_xml_version};
pub use npm::{NpmAnalyzer, parse_package_json};
pub use npm_lock::{NpmLockAnalyzer, parse_package_lock};
pub use os::apk::{ApkAnalyzer, parse_apk_installed};
pub use os::bdb::bdb_hash_values;
pub use os::dpkg::{DpkgAnalyzer, OpkgAnalyzer, parse_dpkg_status};
pub use os::ndb::ndb_blobs;
pub use os::release::{OsReleaseAnalyzer, parse_os_release};
pub use os::rpm::{RpmAnalyzer, parse_rpm_header};
pub use os::{apply_os, choose_os};
pub use python::dist::{
    PythonDistAnalyzer, PythonEggAnalyzer, parse_egg_link, parse_python_metadata, parse_zipped_egg,
};
pub use python::interpreter::{PythonInterpreterAnalyzer, parse_patchlevel, parse_pyvenv_cfg};
pub use python::lock::{PythonLockAnalyzer, parse_pipfile_lock, parse_toml_lock};
pub use python::requirements::parse_requirements;
pub use resolve::resolve;

/// Every inventory analyzer, in a fixed order. Built per scan; no global state.
pub fn analyzers() -> Vec<Box<dyn FileAnalyzer>> {
    vec![
        Box::new(OsReleaseAnalyzer),
        Box::new(DpkgAnalyzer),
        Box::new(OpkgAnalyzer),
        Box::new(ApkAnalyzer),
        Box::new(RpmAnalyzer),
        Box::new(PythonDistAnalyzer),
        Box::new(PythonEggAnalyzer),
        Box::new(PythonLockAnalyzer),
        Box::new(PythonInterpreterAnalyzer),
        Box::new(CondaAnalyzer),
        Box::new(CudaAnalyzer),
        Box::new(NpmAnalyzer),
        Box::new(NpmLockAnalyzer),
        Box::new(CargoLockAnalyzer),
        Box::new(BinaryAnalyzer::default()),
        Box::new(JavaAnalyzer),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use seawall_analyzer::{EntryMeta, Facts, Interest};
    use std::collections::BTreeSet;

    /// One path each analyzer wants (or sniffs), for the whole-analyzer robustness test.
    const PATHS: &[&str] = &[
        "/etc/os-release",
        "/var/lib/dpkg/status",
        "/var/lib/dpkg/status.d/libc6",
        "/usr/lib/opkg/status",
        "/lib/apk/db/installed",
        "/var/lib/rpm/rpmdb.sqlite",
        "/var/lib/rpm/Packages",
        "/usr/lib/sysimage/rpm/Packages.db",
        "/usr/lib/python3/dist-packages/x-1.0.dist-info/METADATA",
        "/usr/lib/python3/dist-packages/x-1.0.egg-info",
        "/usr/lib/python3/dist-packages/x-1.0-py3.11.egg",
        "/usr/lib/python3/dist-packages/x.egg-link",
        "/app/requirements.txt",
        "/app/dev.in",
        "/app/poetry.lock",
        "/app/uv.lock",
        "/app/Pipfile.lock",
        "/usr/local/include/python3.11/patchlevel.h",
        "/opt/venv/pyvenv.cfg",
        "/opt/conda/conda-meta/x-1.0-0.json",
        "/usr/local/cuda-12.1/version.json",
        "/usr/local/cuda-10.2/version.txt",
        "/usr/include/cudnn_version.h",
        "/usr/include/nccl.h",
        "/usr/include/NvInferVersion.h",
        "/app/node_modules/x/package.json",
        "/app/package-lock.json",
        "/src/Cargo.lock",
        "/usr/local/bin/tool",
        "/opt/app.jar",
    ];

    #[test]
    fn every_analyzer_is_reachable() {
        let all = analyzers();
        for a in &all {
            let hit = PATHS.iter().any(|p| {
                let mut m = EntryMeta::file(p, 1024, Some(0));
                m.mode = 0o755;
                a.required(&m) != Interest::No
            });
            assert!(hit, "no test path for analyzer {}", a.name());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        /// Every analyzer, fed arbitrary bytes at a path it wants (small and "huge" sizes), returns
        /// facts or an error, never panics.
        #[test]
        fn analyzers_never_panic(idx in 0usize..PATHS.len(), body in proptest::collection::vec(any::<u8>(), 0..1024), elf in any::<bool>(), huge in any::<bool>()) {
            let mut data = if elf { b"\x7fELF".to_vec() } else { Vec::new() };
            data.extend(body);
            let size = if huge { u64::MAX / 2 } else { data.len() as u64 };
            let mut meta = EntryMeta::file(PATHS[idx], size, Some(1));
            meta.mode = 0o755;
            for a in analyzers() {
                let want = match a.required(&meta) {
                    Interest::No => false,
                    Interest::Yes => true,
                    Interest::Sniff => a.required_by_content(&meta, &data),
                };
                if want {
                    let mut facts = Facts::default();
                    let _ = a.analyze(&meta, &mut data.as_slice(), &mut facts);
                }
            }
        }
    }

    /// The bug class of issue 14: a package database or lock file that cannot be read must never
    /// come out as a clean, empty inventory. Each file below is claimed by an analyzer and holds no
    /// valid content; the analyzer must fail (the walker turns that into a warning naming the file)
    /// or record a warning itself.
    #[test]
    fn regression_malformed_package_databases_are_never_silently_empty() {
        let claimed = [
            "/var/lib/dpkg/status",
            "/var/lib/dpkg/status.d/libc6",
            "/usr/lib/opkg/status",
            "/lib/apk/db/installed",
            "/usr/lib/apk/db/installed",
            "/var/lib/rpm/rpmdb.sqlite",
            "/var/lib/rpm/Packages",
            "/usr/share/rpm/Packages",
            "/usr/lib/sysimage/rpm/Packages.db",
            "/usr/lib/python3/dist-packages/x-1.0.dist-info/METADATA",
            "/usr/lib/python3/dist-packages/x-1.0.egg-info",
            "/usr/lib/python3/dist-packages/x-1.0-py3.11.egg",
            "/app/poetry.lock",
            "/app/uv.lock",
            "/app/pdm.lock",
            "/app/Pipfile.lock",
            "/opt/conda/conda-meta/x-1.0-0.json",
            "/app/node_modules/x/package.json",
            "/app/package-lock.json",
            "/app/npm-shrinkwrap.json",
            "/app/Cargo.lock",
            "/opt/app/lib/x.jar",
        ];
        for path in claimed {
            for body in [&b"asdf\n\nyolo\n"[..], b"null", b"\0\0\0\0garbage"] {
                let meta = EntryMeta::file(path, body.len() as u64, Some(0));
                let mut hit = false;
                for a in analyzers() {
                    if a.required(&meta) != Interest::Yes {
                        continue;
                    }
                    hit = true;
                    let mut facts = Facts::default();
                    let r = a.analyze(&meta, &mut &body[..], &mut facts);
                    let real: Vec<_> = facts.packages.iter().filter(|p| !p.version.is_empty()).collect();
                    assert!(real.is_empty(), "{path}: {real:?}");
                    assert!(
                        r.is_err() || !facts.warnings.is_empty(),
                        "{} on {path} with {:?}: silently empty",
                        a.name(),
                        String::from_utf8_lossy(body)
                    );
                }
                assert!(hit, "{path} is claimed by no analyzer");
            }
        }
    }

    #[test]
    fn names_are_unique_and_kebab_case() {
        let all = analyzers();
        let names: BTreeSet<_> = all.iter().map(|a| a.name()).collect();
        assert_eq!(names.len(), all.len());
        for n in names {
            assert!(n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{n}");
        }
        assert!(all.iter().all(|a| a.version() >= 1));
    }
}
