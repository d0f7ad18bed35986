//! Manifests, indexes and platform selection shared by the OCI layout and registry sources.

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest};
use seawall_core::ImageConfig;

use crate::{ImageMeta, LayerDesc, SourceError};

/// Largest manifest or index accepted (bytes).
pub(crate) const MAX_MANIFEST_SIZE: u64 = 4 << 20;
/// Largest config blob accepted (bytes).
pub(crate) const MAX_CONFIG_SIZE: u64 = 32 << 20;
/// Deepest nesting of indexes followed.
pub(crate) const MAX_INDEX_DEPTH: usize = 4;

/// The OCI ref-name annotation used for tags in OCI layouts.
pub(crate) const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// Media types accepted when asking a registry for a manifest.
pub(crate) const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// A parsed manifest document.
pub(crate) enum Doc {
    /// An OCI index or Docker manifest list.
    Index(Box<ImageIndex>),
    /// An OCI or Docker v2 schema 2 image manifest.
    Manifest(Box<ImageManifest>),
}

/// Parses a manifest or index by content (the `mediaType` field is optional in OCI documents).
pub(crate) fn parse_doc(what: &str, bytes: &[u8]) -> Result<Doc, SourceError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| SourceError::Json { what: what.to_string(), source: e })?;
    if value.get("schemaVersion").and_then(serde_json::Value::as_u64) == Some(1) {
        return Err(SourceError::Unsupported {
            reference: what.to_string(),
            reason: "Docker image manifest v2 schema 1 is obsolete and not supported".to_string(),
        });
    }
    let malformed = |e: oci_spec::OciSpecError| SourceError::malformed(what, e.to_string());
    if value.get("manifests").is_some() {
        ImageIndex::from_reader(bytes).map(|i| Doc::Index(Box::new(i))).map_err(malformed)
    } else if value.get("layers").is_some() {
        ImageManifest::from_reader(bytes).map(|m| Doc::Manifest(Box::new(m))).map_err(malformed)
    } else {
        Err(SourceError::malformed(what, "neither an image manifest nor an index"))
    }
}

/// A wanted platform, `os/arch[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlatformSpec {
    pub(crate) os: String,
    pub(crate) arch: String,
    pub(crate) variant: Option<String>,
}

impl PlatformSpec {
    /// Parses `os/arch[/variant]`; `None` means `linux/amd64`.
    pub(crate) fn parse(s: Option<&str>) -> Result<PlatformSpec, SourceError> {
        let Some(s) = s else {
            return Ok(PlatformSpec { os: "linux".into(), arch: "amd64".into(), variant: None });
        };
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => {
                Ok(PlatformSpec { os: (*os).into(), arch: (*arch).into(), variant: None })
            }
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(PlatformSpec { os: (*os).into(), arch: (*arch).into(), variant: Some((*variant).into()) })
            }
            _ => Err(SourceError::InvalidReference {
                reference: s.to_string(),
                reason: "platform must be os/arch[/variant]".to_string(),
            }),
        }
    }

    fn matches(&self, d: &Descriptor) -> bool {
        let Some(p) = d.platform() else { return false };
        if p.os().to_string() != self.os || p.architecture().to_string() != self.arch {
            return false;
        }
        match (&self.variant, p.variant()) {
            (None, _) => true,
            (Some(w), Some(v)) => w == v,
            // arm64 images rarely spell out v8.
            (Some(w), None) => self.arch == "arm64" && w == "v8",
        }
    }
}

impl std::fmt::Display for PlatformSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

fn describe_platform(d: &Descriptor) -> String {
    match d.platform() {
        Some(p) => {
            let mut s = format!("{}/{}", p.os(), p.architecture());
            if let Some(v) = p.variant() {
                s.push('/');
                s.push_str(v);
            }
            s
        }
        None => format!("{} (no platform)", d.digest()),
    }
}

fn is_attestation(d: &Descriptor) -> bool {
    d.annotations()
        .as_ref()
        .is_some_and(|a| a.get("vnd.docker.reference.type").is_some_and(|t| t == "attestation-manifest"))
        || d.platform().as_ref().is_some_and(|p| p.os().to_string() == "unknown")
}

/// Picks the manifest for `platform` among the entries of an index. An index with exactly one
/// (non-attestation) entry without platform information is taken as is.
pub(crate) fn select_platform<'a>(
    reference: &str,
    manifests: &'a [Descriptor],
    platform: &PlatformSpec,
) -> Result<&'a Descriptor, SourceError> {
    let candidates: Vec<&Descriptor> = manifests.iter().filter(|d| !is_attestation(d)).collect();
    if let Some(d) = candidates.iter().find(|d| platform.matches(d)) {
        return Ok(d);
    }
    if let [only] = candidates.as_slice()
        && only.platform().is_none()
    {
        return Ok(only);
    }
    Err(SourceError::NoMatchingManifest {
        reference: reference.to_string(),
        wanted: format!("platform {platform}"),
        available: if candidates.is_empty() {
            "nothing".to_string()
        } else {
            candidates.iter().map(|d| describe_platform(d)).collect::<Vec<_>>().join(", ")
        },
    })
}

/// Builds [`ImageMeta`] from a manifest and its config blob (already digest-verified).
pub(crate) fn build_meta(
    name: &str,
    manifest_digest: Option<String>,
    manifest: &ImageManifest,
    config_bytes: &[u8],
    what: &str,
) -> Result<ImageMeta, SourceError> {
    let config = ImageConfig::from_json(config_bytes).map_err(|e| SourceError::Config {
        what: format!("{what}: config {}", manifest.config().digest()),
        source: e,
    })?;
    let layers = manifest.layers();
    if config.diff_ids.len() != layers.len() {
        return Err(SourceError::malformed(
            what,
            format!(
                "the manifest lists {} layers but the config has {} diff_ids",
                layers.len(),
                config.diff_ids.len()
            ),
        ));
    }
    let layers = layers
        .iter()
        .zip(&config.diff_ids)
        .enumerate()
        .map(|(i, (d, diff_id))| LayerDesc {
            index: u32::try_from(i).unwrap_or(u32::MAX),
            diff_id: diff_id.clone(),
            digest: Some(d.digest().to_string()),
            size: d.size(),
            media_type: d.media_type().to_string(),
        })
        .collect();
    Ok(ImageMeta {
        name: name.to_string(),
        digest: manifest_digest,
        config_digest: manifest.config().digest().to_string(),
        config,
        layers,
    })
}

/// Fuzz entry point: parses a manifest or index document. Never panics.
pub fn parse_manifest_bytes(bytes: &[u8]) -> Result<(), SourceError> {
    parse_doc("<memory>", bytes).map(|_| ())
}
