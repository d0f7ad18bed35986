//! OS package databases (dpkg, opkg, apk, rpm), `os-release`, and [`apply_os`] which rewrites OS
//! packages to the final image's ecosystem once the orchestrator knows it.

pub mod apk;
pub mod bdb;
pub mod dpkg;
pub mod ndb;
pub mod release;
pub mod rpm;

use seawall_core::{Location, OsInfo, Package, SourcePackage};

use crate::common::{Out, PROP_ANALYZER, purl};
use crate::cuda;
use crate::python::interpreter;

/// Base ecosystem of dpkg packages before [`apply_os`].
pub const ECOSYSTEM_DEBIAN: &str = "Debian";
/// Base ecosystem of apk packages before [`apply_os`].
pub const ECOSYSTEM_ALPINE: &str = "Alpine";
/// Ecosystem of opkg packages (OpenWrt; not an OSV ecosystem).
pub const ECOSYSTEM_OPENWRT: &str = "OpenWrt";
/// Base ecosystem of rpm packages before [`apply_os`].
pub const ECOSYSTEM_REDHAT: &str = "Red Hat";
/// Property: package architecture as recorded (`amd64`, `x86_64`, `noarch`, …).
pub const PROP_ARCH: &str = "arch";
/// Property: rpm epoch, when the header records one.
pub const PROP_RPM_EPOCH: &str = "rpm.epoch";
/// Property: rpm `version-release` without epoch (the purl version).
pub const PROP_RPM_EVR: &str = "rpm.version_release";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Deb,
    Opkg,
    Apk,
    Rpm,
}

impl Family {
    /// The family of the OS analyzer named `analyzer`.
    fn of_analyzer(analyzer: &str) -> Option<Family> {
        match analyzer {
            "dpkg" => Some(Family::Deb),
            "opkg" => Some(Family::Opkg),
            "apk" => Some(Family::Apk),
            "rpm" => Some(Family::Rpm),
            _ => None,
        }
    }

    /// The purl type of the family's packages.
    fn purl_type(self) -> &'static str {
        match self {
            Family::Deb => "deb",
            Family::Opkg => "opkg",
            Family::Apk => "apk",
            Family::Rpm => "rpm",
        }
    }
}

/// One package read from an OS package database, before it becomes a [`Package`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OsEntry {
    pub(crate) name: String,
    /// The version as the package manager records it (rpm: `[epoch:]version-release`).
    pub(crate) version: String,
    pub(crate) arch: String,
    pub(crate) source: Option<SourcePackage>,
    /// 1-based line of the record in a text database.
    pub(crate) line: Option<u32>,
    /// Extra properties (rpm epoch and version-release).
    pub(crate) properties: Vec<(&'static str, String)>,
}

/// Records the packages of a parsed text database and its problems as warnings at their lines.
pub(crate) fn record_database<E: Into<OsEntry>>(
    out: &mut Out<'_, '_>,
    ecosystem: &str,
    db: crate::common::Parsed<E>,
) {
    for e in db.entries {
        push_os_package(out, ecosystem, e.into());
    }
    for (line, p) in db.problems {
        out.warn(Some(line), p);
    }
}

/// Records an OS package read by `out`'s analyzer: base ecosystem, `arch`, source, CUDA component tag,
/// the package manager's purl, and the CPython interpreter when the package is the interpreter.
pub(crate) fn push_os_package(out: &mut Out<'_, '_>, ecosystem: &str, e: OsEntry) {
    let mut p = out.package(&e.name, &e.version, ecosystem, e.line);
    p.source = e.source;
    if !e.arch.is_empty() {
        p.properties.insert(PROP_ARCH.into(), e.arch);
    }
    for (k, v) in e.properties {
        p.properties.insert(k.into(), v);
    }
    if let Some(c) = cuda::os_package_component(&e.name) {
        p.properties.insert(cuda::PROP_COMPONENT.into(), c.into());
    }
    set_os_purl(&mut p, None);
    if let Some(py) = interpreter::from_os_package(out, &e.name, &e.version) {
        out.push(py);
    }
    out.push(p);
}

/// The package-manager family of an OS package: found by the `dpkg` / `apk` / `rpm` analyzer *and*
/// carrying that manager's purl type or none (the interpreter package derived from `libpython3.X-minimal`
/// is found by `dpkg` but is a `pkg:generic` package and must keep its ecosystem).
fn family_of_package(p: &Package) -> Option<Family> {
    let f = Family::of_analyzer(p.properties.get(PROP_ANALYZER)?)?;
    let prefix = format!("pkg:{}/", f.purl_type());
    p.purl.as_deref().is_none_or(|u| u.starts_with(&prefix)).then_some(f)
}

fn family_of_os(os: &OsInfo) -> Option<Family> {
    match os.id.as_str() {
        "debian" | "ubuntu" => Some(Family::Deb),
        "alpine" | "wolfi" | "chainguard" => Some(Family::Apk),
        "openwrt" => Some(Family::Opkg),
        "rhel" | "rocky" | "almalinux" | "centos" | "fedora" | "ol" | "amzn" | "opensuse-leap" | "sles" => {
            Some(Family::Rpm)
        }
        _ => None,
    }
}

/// Rewrites OS packages (those found by the `dpkg`, `apk` and `rpm` analyzers, still carrying their
/// base ecosystem `Debian` / `Alpine` / `Red Hat`) to the final image's OSV ecosystem
/// (`Debian:12`, `Ubuntu:22.04`, `Alpine:v3.19`, `Rocky Linux:9`, …, from
/// [`OsInfo::osv_ecosystem`]) and adds the `distro` qualifier (and the OS's purl namespace) to their
/// purls. Packages of a package manager that does not belong to the OS family (a dpkg database in an
/// Alpine image), and all packages when the OS is unknown or has no `VERSION_ID`, keep their base
/// ecosystem. OpenWrt has no OSV ecosystem: opkg packages keep `OpenWrt` and only gain the `distro`
/// qualifier. Idempotent. The orchestrator calls this once after the walk.
///
/// ```
/// use seawall_core::{Location, OsInfo, Package};
/// let mut pkgs = vec![Package::new("musl", "1.2.4-r2", "Alpine", Location::file("/lib/apk/db/installed"))
///     .with_property("analyzer", "apk")];
/// let os = OsInfo { id: "alpine".into(), version_id: "3.19.1".into(), ..Default::default() };
/// seawall_inventory::apply_os(&mut pkgs, &os);
/// assert_eq!(pkgs[0].ecosystem, "Alpine:v3.19");
/// assert_eq!(pkgs[0].purl.as_deref(), Some("pkg:apk/alpine/musl@1.2.4-r2?distro=alpine-3.19.1"));
/// ```
pub fn apply_os(packages: &mut [Package], os: &OsInfo) {
    let Some(os_family) = family_of_os(os) else {
        return;
    };
    if os.version_id.is_empty() {
        return;
    }
    let eco = os.osv_ecosystem();
    if eco.is_none() && os_family != Family::Opkg {
        return;
    }
    for p in packages.iter_mut() {
        if family_of_package(p) != Some(os_family) {
            continue;
        }
        if let Some(eco) = &eco {
            p.ecosystem.clone_from(eco);
        }
        set_os_purl(p, Some(os));
    }
}

/// Picks the OS of the final image from the `os-release` facts still present after whiteouts: the
/// one from the highest layer, and within a layer `etc/os-release` over `usr/lib/os-release`
/// (systemd's rule: `/etc/os-release` wins).
///
/// ```
/// use seawall_core::{Location, OsInfo};
/// let os = |id: &str| OsInfo { id: id.into(), version_id: "1".into(), ..Default::default() };
/// let facts = vec![
///     (Location::file("/usr/lib/os-release").with_layer(Some(2)), os("debian")),
///     (Location::file("/etc/os-release").with_layer(Some(2)), os("ubuntu")),
///     (Location::file("/etc/os-release").with_layer(Some(0)), os("alpine")),
/// ];
/// assert_eq!(seawall_inventory::choose_os(&facts).map(|o| o.id.as_str()), Some("ubuntu"));
/// ```
pub fn choose_os(candidates: &[(Location, OsInfo)]) -> Option<&OsInfo> {
    candidates
        .iter()
        .max_by_key(|(l, _)| (l.layer, l.path.trim_start_matches('/') == "etc/os-release"))
        .map(|(_, o)| o)
}

/// (Re)computes the purl of an OS package, with `distro` when the OS is known.
pub(crate) fn set_os_purl(p: &mut Package, os: Option<&OsInfo>) {
    let Some(f) = p.properties.get(PROP_ANALYZER).and_then(|a| Family::of_analyzer(a)) else {
        return;
    };
    let arch = p.properties.get(PROP_ARCH).cloned().unwrap_or_default();
    let distro = os
        .filter(|o| !o.version_id.is_empty())
        .map(|o| format!("{}-{}", o.id, o.version_id))
        .unwrap_or_default();
    let os_id = os.map(|o| o.id.as_str());
    // Syft's `upstream` qualifier: the source package when it differs from the binary one.
    let upstream = match (&p.source, f) {
        (Some(src), Family::Rpm) => format!("{}-{}.src.rpm", src.name, src.version),
        (Some(src), _) if src.name != p.name || src.version != p.version => {
            if src.version == p.version || src.version.is_empty() {
                src.name.clone()
            } else {
                format!("{}@{}", src.name, src.version)
            }
        }
        _ => String::new(),
    };
    p.purl = match f {
        Family::Deb => {
            let ns = match os_id {
                Some("ubuntu") => "ubuntu",
                _ => "debian",
            };
            purl(
                "deb",
                Some(ns),
                &p.name,
                Some(&p.version),
                &[("arch", &arch), ("distro", &distro), ("upstream", &upstream)],
            )
        }
        Family::Opkg => purl(
            "opkg",
            Some("openwrt"),
            &p.name,
            Some(&p.version),
            &[("arch", &arch), ("distro", &distro), ("upstream", &upstream)],
        ),
        Family::Apk => {
            let ns = os_id.filter(|id| matches!(*id, "wolfi" | "chainguard")).unwrap_or("alpine");
            purl(
                "apk",
                Some(ns),
                &p.name,
                Some(&p.version),
                &[("arch", &arch), ("distro", &distro), ("upstream", &upstream)],
            )
        }
        Family::Rpm => {
            let ns = match os_id {
                None | Some("rhel") => "redhat",
                Some(id) => id,
            };
            let epoch = p.properties.get(PROP_RPM_EPOCH).cloned().unwrap_or_default();
            let evr = p.properties.get(PROP_RPM_EVR).cloned().unwrap_or_else(|| p.version.clone());
            purl(
                "rpm",
                Some(ns),
                &p.name,
                Some(&evr),
                &[("arch", &arch), ("epoch", &epoch), ("distro", &distro), ("upstream", &upstream)],
            )
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_core::Location;

    fn os(id: &str, v: &str) -> OsInfo {
        OsInfo { id: id.into(), version_id: v.into(), ..Default::default() }
    }

    fn deb(name: &str) -> Package {
        let mut p = Package::new(name, "1:2.0-1", ECOSYSTEM_DEBIAN, Location::file("/var/lib/dpkg/status"))
            .with_property(PROP_ANALYZER, "dpkg")
            .with_property(PROP_ARCH, "amd64");
        set_os_purl(&mut p, None);
        p
    }

    #[test]
    fn rewrites_debian_and_ubuntu() {
        let mut v = vec![deb("bash"), Package::new("numpy", "1.0", "PyPI", Location::default())];
        apply_os(&mut v, &os("debian", "12"));
        assert_eq!(v[0].ecosystem, "Debian:12");
        assert_eq!(v[0].purl.as_deref(), Some("pkg:deb/debian/bash@1:2.0-1?arch=amd64&distro=debian-12"));
        assert_eq!(v[1].ecosystem, "PyPI");
        // idempotent
        apply_os(&mut v, &os("debian", "12"));
        assert_eq!(v[0].ecosystem, "Debian:12");

        let mut u = vec![deb("bash")];
        apply_os(&mut u, &os("ubuntu", "22.04"));
        assert_eq!(u[0].ecosystem, "Ubuntu:22.04:LTS");
        assert_eq!(u[0].purl.as_deref(), Some("pkg:deb/ubuntu/bash@1:2.0-1?arch=amd64&distro=ubuntu-22.04"));
    }

    #[test]
    fn leaves_interpreter_from_dpkg_alone() {
        let meta = seawall_analyzer::EntryMeta::file("/var/lib/dpkg/status", 1, None);
        let mut facts = seawall_analyzer::Facts::default();
        let out = Out::new("dpkg", &meta, &mut facts);
        let py = crate::python::interpreter::from_os_package(&out, "libpython3.11-minimal", "3.11.2-6")
            .unwrap_or_else(|| Package::new("x", "1", "x", Location::default()));
        let mut v = vec![py, deb("bash")];
        apply_os(&mut v, &os("debian", "12"));
        assert_eq!(v[0].ecosystem, "CPython");
        assert_eq!(v[0].purl.as_deref(), Some("pkg:generic/python@3.11.2"));
        assert_eq!(v[1].ecosystem, "Debian:12");
    }

    #[test]
    fn leaves_foreign_or_unknown() {
        let mut v = vec![deb("bash")];
        apply_os(&mut v, &os("alpine", "3.19.1"));
        assert_eq!(v[0].ecosystem, "Debian");
        apply_os(&mut v, &os("plan9", "4"));
        assert_eq!(v[0].ecosystem, "Debian");
        apply_os(&mut v, &os("debian", ""));
        assert_eq!(v[0].ecosystem, "Debian");
    }

    #[test]
    fn rewrites_rpm() {
        let mut p = Package::new("bash", "1:5.1.8-6.el9", ECOSYSTEM_REDHAT, Location::default())
            .with_property(PROP_ANALYZER, "rpm")
            .with_property(PROP_ARCH, "x86_64")
            .with_property(PROP_RPM_EPOCH, "1")
            .with_property(PROP_RPM_EVR, "5.1.8-6.el9");
        set_os_purl(&mut p, None);
        assert_eq!(p.purl.as_deref(), Some("pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64&epoch=1"));
        let mut v = vec![p];
        apply_os(&mut v, &os("rocky", "9.3"));
        assert_eq!(v[0].ecosystem, "Rocky Linux:9");
        assert_eq!(
            v[0].purl.as_deref(),
            Some("pkg:rpm/rocky/bash@5.1.8-6.el9?arch=x86_64&distro=rocky-9.3&epoch=1")
        );
    }
}
