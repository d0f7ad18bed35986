//! OCI image layouts (`oci:DIR[:TAG]`, `oci-archive:PATH[:TAG]`, Docker ≥ 25 `docker save` archives).

use oci_spec::image::{Descriptor, ImageManifest};

use crate::digest::{blob_path, verify_bytes};
use crate::manifest::{
    Doc, MAX_CONFIG_SIZE, MAX_INDEX_DEPTH, MAX_MANIFEST_SIZE, PlatformSpec, REF_NAME, build_meta, parse_doc,
    select_platform,
};
use crate::store::Store;
use crate::stored::{LayerBlob, StoredImage};
use crate::{SourceError, SourceOptions};

/// Reads a blob of the layout by digest, verifying it.
fn read_blob(store: &dyn Store, digest: &str, limit: u64) -> Result<Vec<u8>, SourceError> {
    let what = format!("{}: blob {digest}", store.describe());
    let path = blob_path(&what, digest)?;
    let bytes = store.read_small(&path, limit)?;
    verify_bytes(&what, digest, &bytes)?;
    Ok(bytes)
}

fn ref_name(d: &Descriptor) -> Option<&str> {
    d.annotations().as_ref().and_then(|a| a.get(REF_NAME)).map(String::as_str)
}

fn tag_matches(d: &Descriptor, tag: &str) -> bool {
    let Some(a) = d.annotations() else {
        return false;
    };
    let eq_or_suffix =
        |v: &String| v == tag || v.rsplit_once(':').is_some_and(|(_, t)| t == tag && !tag.contains(':'));
    a.get(REF_NAME).is_some_and(eq_or_suffix) || a.get("io.containerd.image.name").is_some_and(|v| v == tag)
}

/// Follows descriptors (nested indexes included) down to one image manifest.
fn resolve(
    store: &dyn Store,
    name: &str,
    candidates: &[Descriptor],
    platform: &PlatformSpec,
    depth: usize,
) -> Result<(String, ImageManifest), SourceError> {
    if depth > MAX_INDEX_DEPTH {
        return Err(SourceError::malformed(
            store.describe(),
            format!("indexes nested deeper than {MAX_INDEX_DEPTH} levels"),
        ));
    }
    let chosen = match candidates {
        [] => {
            return Err(SourceError::NoMatchingManifest {
                reference: name.to_string(),
                wanted: "any image".to_string(),
                available: "nothing (empty index)".to_string(),
            });
        }
        [only] => only,
        many => match select_platform(name, many, platform) {
            Ok(d) => d,
            Err(e) => {
                if many.iter().all(|d| d.platform().is_none()) {
                    let names: Vec<String> = many
                        .iter()
                        .map(|d| ref_name(d).map_or_else(|| d.digest().to_string(), str::to_string))
                        .collect();
                    return Err(SourceError::NoMatchingManifest {
                        reference: name.to_string(),
                        wanted: "a single image (the layout holds several: add :TAG)".to_string(),
                        available: names.join(", "),
                    });
                }
                return Err(e);
            }
        },
    };
    let digest = chosen.digest().to_string();
    let bytes = read_blob(store, &digest, MAX_MANIFEST_SIZE)?;
    match parse_doc(&format!("{}: manifest {digest}", store.describe()), &bytes)? {
        Doc::Manifest(m) => Ok((digest, *m)),
        Doc::Index(idx) => resolve(store, name, idx.manifests(), platform, depth + 1),
    }
}

/// Opens the image of an OCI layout held in `store`.
pub(crate) fn open_layout(
    store: Box<dyn Store>,
    name: &str,
    tag: Option<&str>,
    opts: &SourceOptions,
) -> Result<StoredImage, SourceError> {
    let platform = PlatformSpec::parse(opts.platform.as_deref())?;
    let what = format!("{}: index.json", store.describe());
    let bytes = store.read_small("index.json", MAX_MANIFEST_SIZE)?;
    let index = match parse_doc(&what, &bytes)? {
        Doc::Index(i) => i,
        Doc::Manifest(_) => {
            return Err(SourceError::malformed(what, "is an image manifest, not an index"));
        }
    };
    let top: Vec<Descriptor> = match tag {
        Some(t) => {
            let found: Vec<Descriptor> =
                index.manifests().iter().filter(|d| tag_matches(d, t)).cloned().collect();
            if found.is_empty() {
                let avail: Vec<&str> = index.manifests().iter().filter_map(ref_name).collect();
                return Err(SourceError::NoMatchingManifest {
                    reference: name.to_string(),
                    wanted: format!("tag {t:?}"),
                    available: if avail.is_empty() { "no tags".to_string() } else { avail.join(", ") },
                });
            }
            found
        }
        None => index.manifests().clone(),
    };
    let (manifest_digest, manifest) = resolve(store.as_ref(), name, &top, &platform, 0)?;
    let config_digest = manifest.config().digest().to_string();
    let config_bytes = read_blob(store.as_ref(), &config_digest, MAX_CONFIG_SIZE)?;
    let meta = build_meta(name, Some(manifest_digest), &manifest, &config_bytes, store.describe())?;
    let blobs = manifest
        .layers()
        .iter()
        .map(|d| {
            let path = blob_path(store.describe(), d.digest().as_ref())?;
            Ok(LayerBlob { key: path.clone(), path })
        })
        .collect::<Result<Vec<_>, SourceError>>()?;
    for b in &blobs {
        if !store.exists(&b.path) {
            return Err(SourceError::Missing {
                container: store.describe().to_string(),
                member: b.path.clone(),
            });
        }
    }
    Ok(StoredImage { meta, store, blobs })
}
