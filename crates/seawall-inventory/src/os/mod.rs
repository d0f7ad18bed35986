//! OS package databases (dpkg, apk, rpm), `os-release`, and [`apply_os`] which rewrites OS packages
//! to the final image's ecosystem once the orchestrator knows it.

pub mod apk;
pub mod bdb;
pub mod dpkg;
pub mod ndb;
pub mod release;
pub mod rpm;

use seawall_core::{Location, OsInfo, Package};

use crate::common::{PROP_ANALYZER, purl};

/// Base ecosystem of dpkg packages before [`apply_os`].
pub const ECOSYSTEM_DEBIAN: &str = "Debian";
/// Base ecosystem of apk packages before [`apply_os`].
pub const ECOSYSTEM_ALPINE: &str = "Alpine";
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
    Apk,
    Rpm,
}

/// The package-manager family of an OS package: found by the `dpkg` / `apk` / `rpm` analyzer *and*
/// carrying that manager's purl type or none (the interpreter package derived from `libpython3.X-minimal`
/// is found by `dpkg` but is a `pkg:generic` package and must keep its ecosystem).
fn family_of_package(p: &Package) -> Option<Family> {
    let purl_is = |ty: &str| p.purl.as_deref().is_none_or(|u| u.starts_with(ty));
    match p.properties.get(PROP_ANALYZER).map(String::as_str) {
        Some("dpkg") if purl_is("pkg:deb/") => Some(Family::Deb),
        Some("apk") if purl_is("pkg:apk/") => Some(Family::Apk),
        Some("rpm") if purl_is("pkg:rpm/") => Some(Family::Rpm),
        _ => None,
    }
}

fn family_of_os(os: &OsInfo) -> Option<Family> {
    match os.id.as_str() {
        "debian" | "ubuntu" => Some(Family::Deb),
        "alpine" | "wolfi" | "chainguard" => Some(Family::Apk),
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
/// ecosystem. Idempotent. The orchestrator calls this once after the walk.
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
    let Some(eco) = os.osv_ecosystem() else {
        return;
    };
    for p in packages.iter_mut() {
        let Some(f) = family_of_package(p) else {
            continue;
        };
        if f != os_family {
            continue;
        }
        p.ecosystem.clone_from(&eco);
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
    let f = match p.properties.get(PROP_ANALYZER).map(String::as_str) {
        Some("dpkg") => Family::Deb,
        Some("apk") => Family::Apk,
        Some("rpm") => Family::Rpm,
        _ => return,
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
        let py =
            crate::python::interpreter::from_os_package("dpkg", &meta, "libpython3.11-minimal", "3.11.2-6")
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
