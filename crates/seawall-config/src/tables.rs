//! Data tables compiled into the binary: end-of-life releases (`data/eol.toml`) and NVIDIA Container
//! Toolkit advisories (`data/nvidia_toolkit.toml`). Data, not code: update the TOML files.

use std::sync::OnceLock;

use serde::Deserialize;

const EOL_TOML: &str = include_str!("../data/eol.toml");
const NVIDIA_TOML: &str = include_str!("../data/nvidia_toolkit.toml");

/// One end-of-life release entry.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct EolRelease {
    /// `debian`, `ubuntu`, `alpine`, `centos`, `python`, `cuda`.
    pub product: String,
    /// Version numbers and codenames of the release.
    pub versions: Vec<String>,
    /// First day without security support, `YYYY-MM-DD`.
    pub eol: String,
}

#[derive(Deserialize)]
struct EolFile {
    release: Vec<EolRelease>,
}

/// One NVIDIA Container Toolkit advisory.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ToolkitAdvisory {
    /// CVE id.
    pub id: String,
    /// First fixed toolkit version.
    pub fixed: String,
    /// One-line summary.
    pub summary: String,
    /// Advisory record (NVD).
    pub url: String,
}

#[derive(Deserialize)]
struct NvidiaFile {
    advisory: Vec<ToolkitAdvisory>,
}

fn eol_table() -> &'static [EolRelease] {
    static T: OnceLock<Vec<EolRelease>> = OnceLock::new();
    T.get_or_init(|| toml::from_str::<EolFile>(EOL_TOML).map(|f| f.release).unwrap_or_default())
}

fn nvidia_table() -> &'static [ToolkitAdvisory] {
    static T: OnceLock<Vec<ToolkitAdvisory>> = OnceLock::new();
    T.get_or_init(|| toml::from_str::<NvidiaFile>(NVIDIA_TOML).map(|f| f.advisory).unwrap_or_default())
}

/// Today's UTC date as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    // civil_from_days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The release entry of `product` matching `version` (number or codename), if any.
pub fn eol_release(product: &str, version: &str) -> Option<&'static EolRelease> {
    let version = version.trim().to_ascii_lowercase();
    if version.is_empty() {
        return None;
    }
    eol_table().iter().find(|r| {
        r.product == product
            && r.versions.iter().any(|v| {
                version == *v
                    || (v.starts_with(|c: char| c.is_ascii_digit()) && version.starts_with(&format!("{v}.")))
            })
    })
}

/// `Some(eol date)` when `product` `version` is end-of-life on `today` (`YYYY-MM-DD`).
pub fn eol_date(product: &str, version: &str, today: &str) -> Option<&'static str> {
    eol_release(product, version).filter(|r| r.eol.as_str() <= today).map(|r| r.eol.as_str())
}

const CODENAMES: &[(&str, &str)] = &[
    ("wheezy", "debian"),
    ("jessie", "debian"),
    ("stretch", "debian"),
    ("buster", "debian"),
    ("bullseye", "debian"),
    ("bookworm", "debian"),
    ("trusty", "ubuntu"),
    ("xenial", "ubuntu"),
    ("bionic", "ubuntu"),
    ("focal", "ubuntu"),
    ("jammy", "ubuntu"),
    ("noble", "ubuntu"),
];

/// The (product, version) ingredients named by an image reference such as
/// `python:3.8-slim-buster`, `nvidia/cuda:11.3.1-cudnn8-runtime-ubuntu20.04` or
/// `pytorch/pytorch:1.9.0-cuda11.1-cudnn8-runtime`.
pub fn image_ingredients(image: &str) -> Vec<(&'static str, String)> {
    let no_digest = image.split('@').next().unwrap_or(image);
    let (repo, tag) = match no_digest.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r, t),
        _ => (no_digest, ""),
    };
    let name = repo.rsplit('/').next().unwrap_or(repo).to_ascii_lowercase();
    let tag = tag.to_ascii_lowercase();
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let tokens: Vec<&str> = tag.split('-').filter(|t| !t.is_empty()).collect();
    let first = tokens.first().copied().unwrap_or("");
    match name.as_str() {
        "debian" => out.push(("debian", first.to_string())),
        "ubuntu" => out.push(("ubuntu", first.to_string())),
        "alpine" => out.push(("alpine", first.to_string())),
        "centos" => out.push(("centos", first.trim_start_matches("centos").to_string())),
        "python" => out.push(("python", first.to_string())),
        "cuda" => out.push(("cuda", first.to_string())),
        _ => {}
    }
    for t in tokens.iter().skip(1).chain(if out.is_empty() { tokens.first() } else { None }) {
        for (prefix, product) in [
            ("ubuntu", "ubuntu"),
            ("cuda", "cuda"),
            ("alpine", "alpine"),
            ("python", "python"),
            ("centos", "centos"),
            ("debian", "debian"),
        ] {
            if let Some(v) = t.strip_prefix(prefix)
                && v.starts_with(|c: char| c.is_ascii_digit())
            {
                out.push((product, v.to_string()));
            }
        }
        if let Some((_, product)) = CODENAMES.iter().find(|(c, _)| c == t) {
            out.push((product, (*t).to_string()));
        }
    }
    out.retain(|(_, v)| !v.is_empty());
    out.dedup();
    out
}

/// End-of-life ingredients of an image reference on `today`: `(product, version, eol date)`.
pub fn image_eol(image: &str, today: &str) -> Vec<(&'static str, String, &'static str)> {
    image_ingredients(image)
        .into_iter()
        .filter_map(|(p, v)| eol_date(p, &v, today).map(|d| (p, v, d)))
        .collect()
}

fn parse_version(v: &str) -> Vec<u64> {
    let core = v.trim().split(['-', '~', '+']).next().unwrap_or("");
    core.split('.').map(|p| p.parse::<u64>().unwrap_or(0)).collect()
}

fn version_lt(a: &str, b: &str) -> bool {
    let (mut x, mut y) = (parse_version(a), parse_version(b));
    let n = x.len().max(y.len());
    x.resize(n, 0);
    y.resize(n, 0);
    x < y
}

/// NVIDIA Container Toolkit advisories affecting `version` (e.g. `1.16.1-1`).
pub fn nvidia_toolkit_advisories(version: &str) -> Vec<&'static ToolkitAdvisory> {
    if parse_version(version).iter().all(|&p| p == 0) {
        return Vec::new();
    }
    nvidia_table().iter().filter(|a| version_lt(version, &a.fixed)).collect()
}

/// Package names that carry the NVIDIA Container Toolkit version.
pub const NVIDIA_TOOLKIT_PACKAGES: &[&str] = &[
    "nvidia-container-toolkit",
    "nvidia-container-toolkit-base",
    "libnvidia-container1",
    "libnvidia-container-tools",
    "nvidia-container-runtime",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse() {
        assert!(eol_table().len() > 20);
        assert_eq!(nvidia_table().len(), 8);
    }

    #[test]
    fn eol_lookup() {
        assert_eq!(eol_date("debian", "10", "2025-01-01"), Some("2024-06-30"));
        assert_eq!(eol_date("debian", "buster", "2025-01-01"), Some("2024-06-30"));
        assert_eq!(eol_date("debian", "12", "2025-01-01"), None);
        assert_eq!(eol_date("python", "3.8.19", "2025-01-01"), Some("2024-10-07"));
        assert_eq!(eol_date("python", "3.10", "2025-01-01"), None);
        assert_eq!(eol_date("python", "3.1", "2025-01-01"), Some("2020-09-30"));
        assert!(eol_release("alpine", "3.1").is_some());
        assert_eq!(eol_release("alpine", "3.10").map(|r| r.eol.as_str()), Some("2023-05-01"));
        assert_eq!(eol_date("debian", "", "2025-01-01"), None);
    }

    #[test]
    fn ingredients() {
        let i = image_ingredients("python:3.8-slim-buster");
        assert!(i.contains(&("python", "3.8".into())) && i.contains(&("debian", "buster".into())), "{i:?}");
        let i = image_ingredients("nvidia/cuda:11.3.1-cudnn8-runtime-ubuntu20.04");
        assert!(i.contains(&("cuda", "11.3.1".into())) && i.contains(&("ubuntu", "20.04".into())), "{i:?}");
        let i = image_ingredients("pytorch/pytorch:1.9.0-cuda11.1-cudnn8-runtime");
        assert_eq!(i, vec![("cuda", "11.1".into())]);
        let i = image_ingredients("registry.local:5000/debian@sha256:abc");
        assert!(i.is_empty(), "{i:?}");
        assert_eq!(image_eol("ubuntu:18.04", "2026-01-01").len(), 1);
        assert!(image_eol("ubuntu:24.04", "2026-01-01").is_empty());
        assert!(image_eol("nvidia/cuda:12.4.1-runtime-ubuntu22.04", "2026-01-01").is_empty());
    }

    #[test]
    fn toolkit_versions() {
        assert_eq!(nvidia_toolkit_advisories("1.16.1-1").len(), 8);
        assert_eq!(nvidia_toolkit_advisories("1.17.4").len(), 2);
        assert!(nvidia_toolkit_advisories("1.17.8-1").is_empty());
        assert!(nvidia_toolkit_advisories("garbage").is_empty());
    }

    #[test]
    fn today_is_a_date() {
        let t = today();
        assert_eq!(t.len(), 10);
        assert!(t.as_str() > "2024-01-01");
    }
}
