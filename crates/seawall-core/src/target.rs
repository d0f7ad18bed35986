use serde::{Deserialize, Serialize};

/// What kind of thing was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// A container image (any source).
    Image,
    /// A directory: a project tree or an unpacked rootfs.
    Filesystem,
    /// Configuration files only (`seawall scan config`).
    Config,
    /// Model files only (`seawall scan model`).
    Model,
    /// A live Docker host (`seawall audit docker`).
    Docker,
}

/// The operating system of an image, from `/etc/os-release`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct OsInfo {
    /// `ID` (`debian`, `ubuntu`, `alpine`, `rhel`, …).
    pub id: String,
    /// `VERSION_ID` (`12`, `22.04`, `3.19.1`, …).
    pub version_id: String,
    /// `PRETTY_NAME`, if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// `VERSION_CODENAME`, if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_codename: Option<String>,
}

impl OsInfo {
    /// The OSV ecosystem string for OS packages: `Debian:12`, `Ubuntu:22.04`, `Alpine:v3.19`,
    /// `Red Hat`, `Rocky Linux:9`, … or `None` for an unknown distribution.
    pub fn osv_ecosystem(&self) -> Option<String> {
        let major_minor = |v: &str| v.split('.').take(2).collect::<Vec<_>>().join(".");
        let major = |v: &str| v.split('.').next().unwrap_or("").to_string();
        match self.id.as_str() {
            "debian" => Some(format!("Debian:{}", major(&self.version_id))),
            // OSV names Ubuntu LTS releases `Ubuntu:22.04:LTS` (even year, April release).
            "ubuntu" => {
                let lts = self.version_id.ends_with(".04")
                    && self
                        .version_id
                        .split('.')
                        .next()
                        .and_then(|y| y.parse::<u32>().ok())
                        .is_some_and(|y| y % 2 == 0);
                Some(if lts {
                    format!("Ubuntu:{}:LTS", self.version_id)
                } else {
                    format!("Ubuntu:{}", self.version_id)
                })
            }
            "alpine" => Some(format!("Alpine:v{}", major_minor(&self.version_id))),
            "rocky" => Some(format!("Rocky Linux:{}", major(&self.version_id))),
            "almalinux" => Some(format!("AlmaLinux:{}", major(&self.version_id))),
            "rhel" => Some("Red Hat".to_string()),
            "wolfi" => Some("Wolfi".to_string()),
            "chainguard" => Some("Chainguard".to_string()),
            _ => None,
        }
    }
}

/// One layer of an image target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LayerInfo {
    /// 0-based index, bottom layer 0.
    pub index: u32,
    /// Digest of the uncompressed layer tar (`sha256:…`).
    pub diff_id: String,
    /// Digest of the blob as stored (compressed), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Size in bytes of the blob as stored.
    pub size: u64,
    /// The history `created_by` of the step that made this layer, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// What was scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Image, filesystem, config, model or docker host.
    pub kind: TargetKind,
    /// The reference or path as given by the user.
    pub name: String,
    /// Image digest (manifest digest, or config digest when no manifest digest exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// OS, if recognised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<OsInfo>,
    /// Layers, bottom first (images only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<LayerInfo>,
}

impl Target {
    /// A target with only kind and name set.
    pub fn new(kind: TargetKind, name: impl Into<String>) -> Self {
        Target { kind, name: name.into(), digest: None, os: None, layers: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems() {
        let os = |id: &str, v: &str| OsInfo { id: id.into(), version_id: v.into(), ..Default::default() };
        assert_eq!(os("debian", "12").osv_ecosystem().as_deref(), Some("Debian:12"));
        assert_eq!(os("ubuntu", "22.04").osv_ecosystem().as_deref(), Some("Ubuntu:22.04:LTS"));
        assert_eq!(os("ubuntu", "23.10").osv_ecosystem().as_deref(), Some("Ubuntu:23.10"));
        assert_eq!(os("alpine", "3.19.1").osv_ecosystem().as_deref(), Some("Alpine:v3.19"));
        assert_eq!(os("plan9", "4").osv_ecosystem(), None);
    }
}
