//! # seawall-version — version ordering for every OSV ecosystem
//!
//! A vulnerability matcher is only as good as its version comparison. This leaf crate orders
//! version strings the way each ecosystem's own tooling does, one module per engine:
//!
//! | engine | ecosystems (OSV names) | module |
//! |---|---|---|
//! | [`Engine::Pep440`] | `PyPI` (and conda Python packages) | [`pep440`] (`pep440_rs` + legacy versions) |
//! | [`Engine::Dpkg`] | `Debian`, `Ubuntu` | [`dpkg`] (`debversion`) |
//! | [`Engine::Apk`] | `Alpine`, `Wolfi`, `Chainguard`, `MinimOS` | [`apk`] (hand-written apk-tools rules) |
//! | [`Engine::Rpm`] | `Red Hat`, `Rocky Linux`, `AlmaLinux`, `SUSE`, `openSUSE`, `Mageia`, … | [`rpm`] (`rpm-version`) |
//! | [`Engine::Semver`] | `npm`, `crates.io`, `Go`, `Hex`, `Pub`, `Bitnami`, … | [`semver`] (lenient SemVer, Go pseudo-versions) |
//! | [`Engine::Maven`] | `Maven` | [`maven`] |
//! | [`Engine::Fallback`] | anything else | [`fallback`] (natural ordering) |
//!
//! Ecosystem strings may carry a release suffix (`Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`):
//! ordering only depends on the part before the first `:`.
//!
//! Every parser accepts any string and never panics; malformed input gets a deterministic place
//! in the order. [`Version`] is the parsed form, worth keeping when one installed version is
//! compared against many advisory bounds (`seawall-vulndb` does).
//!
//! The crate depends on no other seawall crate; `seawall-vulndb` uses it to evaluate OSV ranges.
//!
//! ```
//! use std::cmp::Ordering;
//! use seawall_version::{compare, Engine, Version};
//!
//! assert_eq!(compare("PyPI", "1.0.dev0", "1.0a0"), Some(Ordering::Less));
//! assert_eq!(compare("Debian:12", "1.2-1~deb12u1", "1.2-1"), Some(Ordering::Less));
//! assert_eq!(compare("Alpine:v3.19", "1.2.3_rc1-r0", "1.2.3-r0"), Some(Ordering::Less));
//! assert_eq!(compare("Go", "v0.0.0-20210101000000-abcdef123456", "v0.1.0"), Some(Ordering::Less));
//!
//! let installed = Version::parse(Engine::for_ecosystem("PyPI"), "2.28.1");
//! assert!(installed < Version::parse(Engine::Pep440, "2.31.0"));
//! ```
#![deny(missing_docs)]

use std::cmp::Ordering;

pub mod apk;
pub mod dpkg;
pub mod fallback;
pub mod maven;
mod num;
pub mod pep440;
pub mod rpm;
pub mod semver;

/// The comparison engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Engine {
    /// PEP 440 (PyPI).
    Pep440,
    /// dpkg (Debian, Ubuntu).
    Dpkg,
    /// apk (Alpine, Wolfi, Chainguard).
    Apk,
    /// RPM EVR (Red Hat family, SUSE, Mageia).
    Rpm,
    /// Lenient SemVer (npm, crates.io, Go, Hex, Pub).
    Semver,
    /// Maven `ComparableVersion`.
    Maven,
    /// Natural ordering for everything else.
    Fallback,
}

impl Engine {
    /// The engine for an OSV ecosystem string (case-insensitive; a `:release` suffix is ignored).
    pub fn for_ecosystem(ecosystem: &str) -> Engine {
        let base = ecosystem.split(':').next().unwrap_or(ecosystem).trim();
        match base.to_ascii_lowercase().as_str() {
            "pypi" => Engine::Pep440,
            "debian" | "ubuntu" => Engine::Dpkg,
            "alpine" | "wolfi" | "chainguard" | "minimos" | "alpaquita" | "bellsoft hardened containers" => {
                Engine::Apk
            }
            "red hat" | "rocky linux" | "almalinux" | "suse" | "opensuse" | "mageia" | "openeuler"
            | "photon os" | "azure linux" | "centos" | "fedora" | "oracle linux" => Engine::Rpm,
            "npm" | "crates.io" | "go" | "hex" | "pub" | "bitnami" | "swifturl" | "conancenter"
            | "bioconductor" => Engine::Semver,
            "maven" => Engine::Maven,
            _ => Engine::Fallback,
        }
    }

    /// Whether this engine reproduces the ecosystem's native ordering (everything but the fallback).
    pub fn is_exact(self) -> bool {
        self != Engine::Fallback
    }

    /// A short name (`pep440`, `dpkg`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Pep440 => "pep440",
            Engine::Dpkg => "dpkg",
            Engine::Apk => "apk",
            Engine::Rpm => "rpm",
            Engine::Semver => "semver",
            Engine::Maven => "maven",
            Engine::Fallback => "fallback",
        }
    }
}

/// A version parsed by one engine. Versions of different engines compare by engine first (a
/// programming error on the caller's side, but still a total order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    /// PEP 440 or legacy PyPI version.
    Pep440(pep440::PypiVersion),
    /// dpkg version.
    Dpkg(dpkg::DpkgVersion),
    /// apk version.
    Apk(apk::ApkVersion),
    /// RPM EVR.
    Rpm(rpm::RpmVersion),
    /// SemVer-like version.
    Semver(semver::SemverLike),
    /// Maven version.
    Maven(maven::MavenVersion),
    /// Any string, naturally ordered.
    Fallback(String),
}

impl Version {
    /// Parses `s` with `engine`. Never fails and never panics, whatever the input.
    pub fn parse(engine: Engine, s: &str) -> Version {
        match engine {
            Engine::Pep440 => Version::Pep440(pep440::PypiVersion::parse(s)),
            Engine::Dpkg => Version::Dpkg(dpkg::DpkgVersion::parse(s)),
            Engine::Apk => Version::Apk(apk::ApkVersion::parse(s)),
            Engine::Rpm => Version::Rpm(rpm::RpmVersion::parse(s)),
            Engine::Semver => Version::Semver(semver::SemverLike::parse(s)),
            Engine::Maven => Version::Maven(maven::MavenVersion::parse(s)),
            Engine::Fallback => Version::Fallback(s.to_string()),
        }
    }

    /// The engine that parsed this version.
    pub fn engine(&self) -> Engine {
        match self {
            Version::Pep440(_) => Engine::Pep440,
            Version::Dpkg(_) => Engine::Dpkg,
            Version::Apk(_) => Engine::Apk,
            Version::Rpm(_) => Engine::Rpm,
            Version::Semver(_) => Engine::Semver,
            Version::Maven(_) => Engine::Maven,
            Version::Fallback(_) => Engine::Fallback,
        }
    }

    /// Compares two versions (see the type docs for mixed engines).
    pub fn compare(&self, other: &Version) -> Ordering {
        match (self, other) {
            (Version::Pep440(a), Version::Pep440(b)) => a.compare(b),
            (Version::Dpkg(a), Version::Dpkg(b)) => a.compare(b),
            (Version::Apk(a), Version::Apk(b)) => a.compare(b),
            (Version::Rpm(a), Version::Rpm(b)) => a.compare(b),
            (Version::Semver(a), Version::Semver(b)) => a.compare(b),
            (Version::Maven(a), Version::Maven(b)) => a.compare(b),
            (Version::Fallback(a), Version::Fallback(b)) => fallback::compare(a, b),
            (a, b) => a.engine().cmp(&b.engine()),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.compare(other))
    }
}

/// Compares two versions of one OSV ecosystem (`PyPI`, `Debian:12`, `Alpine:v3.19`, `Maven`, …).
///
/// Returns `None` when either version string is empty (nothing to order); otherwise always
/// `Some`, using the fallback engine for unknown ecosystems (see [`Engine::is_exact`]).
pub fn compare(ecosystem: &str, a: &str, b: &str) -> Option<Ordering> {
    if a.trim().is_empty() || b.trim().is_empty() {
        return None;
    }
    let engine = Engine::for_ecosystem(ecosystem);
    Some(Version::parse(engine, a).compare(&Version::parse(engine, b)))
}

/// Fuzz entry point: parses `data` (lossily decoded) with every engine and compares the results
/// with each other and with themselves. Must never panic.
pub fn fuzz_compare(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\n').unwrap_or((&text, ""));
    for engine in [
        Engine::Pep440,
        Engine::Dpkg,
        Engine::Apk,
        Engine::Rpm,
        Engine::Semver,
        Engine::Maven,
        Engine::Fallback,
    ] {
        let va = Version::parse(engine, a);
        let vb = Version::parse(engine, b);
        let _ = va.compare(&vb);
        let _ = vb.compare(&va);
        let _ = va.compare(&va);
    }
}
