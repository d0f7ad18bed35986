//! `docker save` archives: the legacy layout (`manifest.json`, `<id>/layer.tar`, `<config>.json`) and the
//! Docker ≥ 25 OCI-style layout (`index.json`, `blobs/sha256/…`, plus `manifest.json`).

use serde::Deserialize;

use crate::digest::{parse_digest, sha256_of};
use crate::manifest::{Doc, MAX_CONFIG_SIZE, MAX_MANIFEST_SIZE, parse_doc};
use crate::oci::open_layout;
use crate::store::Store;
use crate::stored::{LayerBlob, StoredImage};
use crate::{ImageMeta, LayerDesc, SourceError, SourceOptions};

/// Largest `manifest.json` accepted (bytes).
const MAX_DOCKER_MANIFEST: u64 = 8 << 20;

/// One entry of a docker-save `manifest.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ManifestEntry {
    pub(crate) config: String,
    #[serde(default)]
    pub(crate) repo_tags: Option<Vec<String>>,
    pub(crate) layers: Vec<String>,
}

/// Picks the image: the one whose `RepoTags` has `tag` (`app:1`, or just `1`), or the only one.
pub(crate) fn select_entry(
    mut entries: Vec<ManifestEntry>,
    tag: Option<&str>,
    reference: &str,
) -> Result<ManifestEntry, SourceError> {
    let tags_of = |e: &ManifestEntry| e.repo_tags.clone().unwrap_or_default();
    let available = || {
        let all: Vec<String> = entries.iter().flat_map(tags_of).collect();
        if all.is_empty() { format!("{} untagged images", entries.len()) } else { all.join(", ") }
    };
    match tag {
        Some(t) => {
            let matches = |rt: &String| {
                rt == t
                    || (!t.contains(':') && rt.rsplit_once(':').is_some_and(|(_, x)| x == t))
                    || rt.strip_prefix("docker.io/library/").is_some_and(|x| x == t)
            };
            match entries.iter().position(|e| tags_of(e).iter().any(matches)) {
                Some(i) => Ok(entries.swap_remove(i)),
                None => Err(SourceError::NoMatchingManifest {
                    reference: reference.to_string(),
                    wanted: format!("tag {t:?}"),
                    available: available(),
                }),
            }
        }
        None if entries.len() > 1 => Err(SourceError::NoMatchingManifest {
            reference: reference.to_string(),
            wanted: "a single image (the archive holds several: add :TAG)".to_string(),
            available: available(),
        }),
        None => Ok(entries.swap_remove(0)),
    }
}

/// Parses a docker-save `manifest.json`. Fuzz entry point. Never panics.
pub fn parse_docker_manifest_bytes(bytes: &[u8]) -> Result<usize, SourceError> {
    parse_entries("<memory>", bytes).map(|e| e.len())
}

fn parse_entries(what: &str, bytes: &[u8]) -> Result<Vec<ManifestEntry>, SourceError> {
    let entries: Vec<ManifestEntry> =
        serde_json::from_slice(bytes).map_err(|e| SourceError::Json { what: what.to_string(), source: e })?;
    if entries.is_empty() {
        return Err(SourceError::malformed(what, "no images in manifest.json"));
    }
    Ok(entries)
}

/// `sha256:<hex>` when a member path names its blob digest (`blobs/sha256/<hex>`, `<hex>.tar`).
pub(crate) fn digest_from_path(path: &str) -> Option<String> {
    let candidate = if let Some(hex) = path.strip_prefix("blobs/sha256/") {
        hex
    } else {
        let file = path.rsplit('/').next().unwrap_or(path);
        file.strip_suffix(".tar").or_else(|| file.strip_suffix(".json"))?
    };
    let d = format!("sha256:{candidate}");
    parse_digest("", &d).ok().map(|_| d)
}

fn single_image_index(store: &dyn Store) -> bool {
    let Ok(bytes) = store.read_small("index.json", MAX_MANIFEST_SIZE) else {
        return false;
    };
    matches!(parse_doc("index.json", &bytes), Ok(Doc::Index(i)) if i.manifests().len() == 1)
}

/// Opens a docker-save archive (`docker-archive:PATH`), `store` being its indexed tar.
pub(crate) fn open_docker_archive(
    store: Box<dyn Store>,
    name: &str,
    tag: Option<&str>,
    opts: &SourceOptions,
) -> Result<StoredImage, SourceError> {
    // Docker ≥ 25 writes a full OCI layout as well; with a single image in it, that layout knows the
    // manifest digest and the media types. Several images (`docker save a b`): use manifest.json.
    if store.exists("index.json")
        && store.exists("oci-layout")
        && (tag.is_some() || single_image_index(store.as_ref()))
    {
        return open_layout(store, name, tag, opts);
    }
    let what = format!("{}: manifest.json", store.describe());
    let bytes = store.read_small("manifest.json", MAX_DOCKER_MANIFEST)?;
    let entries = parse_entries(&what, &bytes)?;
    let entry = select_entry(entries, tag, name)?;
    let config_bytes = store.read_small(&entry.config, MAX_CONFIG_SIZE)?;
    let config_digest = sha256_of(&config_bytes);
    if let Some(named) = digest_from_path(&entry.config)
        && named != config_digest
    {
        return Err(SourceError::DigestMismatch {
            what: format!("{}: {}", store.describe(), entry.config),
            expected: named,
            actual: config_digest,
        });
    }
    let config = seawall_core::ImageConfig::from_json(&config_bytes).map_err(|e| SourceError::Config {
        what: format!("{}: {}", store.describe(), entry.config),
        source: e,
    })?;
    if config.diff_ids.len() != entry.layers.len() {
        return Err(SourceError::malformed(
            what,
            format!(
                "{} lists {} layers but its config has {} diff_ids",
                entry.config,
                entry.layers.len(),
                config.diff_ids.len()
            ),
        ));
    }
    let mut layers = Vec::with_capacity(entry.layers.len());
    let mut blobs = Vec::with_capacity(entry.layers.len());
    for (i, (path, diff_id)) in entry.layers.iter().zip(&config.diff_ids).enumerate() {
        let (_, size) = store.open(path)?;
        let digest = digest_from_path(path);
        layers.push(LayerDesc {
            index: u32::try_from(i).unwrap_or(u32::MAX),
            diff_id: diff_id.clone(),
            digest,
            size,
            media_type: "application/vnd.docker.image.rootfs.diff.tar".to_string(),
        });
        blobs.push(LayerBlob { path: path.clone(), key: store.canonical(path)? });
    }
    let meta = ImageMeta { name: name.to_string(), digest: None, config_digest, config, layers };
    Ok(StoredImage { meta, store, blobs })
}
