//! Reading layers from a `docker save` stream (the Docker Engine, compressed docker archives), whose
//! member order is not layer order.
//!
//! * Docker ≥ 25 (OCI-style save): uncompressed blobs are named by their digest, which is the diff_id.
//! * Docker < 25 (legacy save, `<v1-id>/layer.tar`): each layer directory's `json` precedes its
//!   `layer.tar`; the v1 id in it is a hash over that JSON and the layer's chain id, so recomputing it
//!   for each candidate chain id gives the layer index before the layer bytes arrive.
//!
//! Each stored layer blob is delivered once, with every layer index it stands for (duplicate content is
//! stored once by Docker) and the digest its name claims (`blobs/sha256/<hex>`); the consumer verifies
//! it against that and the layers' diff_ids while reading. A layer whose index cannot be known in time
//! (unknown naming) is delivered in a further pass, once `manifest.json` of the previous pass has told
//! where it is; empty layers that Docker did not store are synthesized. The exact config blob also
//! passes by: once [`ImageSource::stream_layers`] has finished, [`ImageSource::meta`] answers from it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest as _, Sha256};

use crate::digest::sha256_of;
use crate::manifest::MAX_CONFIG_SIZE;
use crate::tarindex::MemberKind;
use crate::tarstream::TarStream;
use crate::{ImageMeta, ImageSource, LayerDelivery, SourceError};

/// Largest small member (`json`, `manifest.json`) read from the save stream.
const MAX_SMALL_MEMBER: u64 = 8 << 20;
/// Most passes over the save stream.
const MAX_PASSES: usize = 4;

/// Opens a fresh `docker save` stream, once per pass.
pub(crate) trait StreamOpener: Send + Sync {
    /// A new stream from the start.
    fn open_stream(&self) -> Result<Box<dyn Read + Send>, SourceError>;
}

/// Chain ids of a diff_id list: `chain[0] = diff[0]`, `chain[i] = sha256(chain[i-1] + " " + diff[i])`.
pub(crate) fn chain_ids(diff_ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(diff_ids.len());
    for d in diff_ids {
        let next = match out.last() {
            None => d.clone(),
            Some(prev) => sha256_of(format!("{prev} {d}").as_bytes()),
        };
        out.push(next);
    }
    out
}

/// The legacy v1 id Docker computes for a layer: sha256 over the layer's v1 JSON without `id`, with
/// `parent` as a digest and `layer_id` set to the chain id (Go `json.Marshal` of a map: sorted keys).
pub(crate) fn legacy_v1_id(
    fields: &BTreeMap<String, Box<RawValue>>,
    with_os: bool,
    chain_id: &str,
) -> Option<String> {
    let mut m: BTreeMap<&str, &RawValue> = BTreeMap::new();
    for (k, v) in fields {
        if k == "id" || (k == "os" && !with_os) {
            continue;
        }
        m.insert(k.as_str(), v);
    }
    let parent_raw;
    if let Some(p) = fields.get("parent") {
        let p: String = serde_json::from_str(p.get()).ok()?;
        parent_raw = RawValue::from_string(serde_json::to_string(&format!("sha256:{p}")).ok()?).ok()?;
        m.insert("parent", &parent_raw);
    }
    let layer_raw = RawValue::from_string(serde_json::to_string(chain_id).ok()?).ok()?;
    m.insert("layer_id", &layer_raw);
    let bytes = serde_json::to_vec(&m).ok()?;
    Some(hex::encode(Sha256::digest(&bytes)))
}

/// Which layer a legacy `<dir>/json` describes, by recomputing its v1 id for every chain id.
fn legacy_index(json: &[u8], chains: &[String]) -> Option<usize> {
    let fields: BTreeMap<String, Box<RawValue>> = serde_json::from_slice(json).ok()?;
    let id: String = serde_json::from_str(fields.get("id")?.get()).ok()?;
    for with_os in [false, true] {
        for (i, chain) in chains.iter().enumerate() {
            if legacy_v1_id(&fields, with_os, chain).as_deref() == Some(id.as_str()) {
                return Some(i);
            }
        }
    }
    None
}

/// An image read from `docker save` streams. Sequential.
pub(crate) struct SaveStreamImage {
    pub(crate) opener: Box<dyn StreamOpener>,
    /// Names the image in messages (`docker engine image app:1`, `/tmp/app.tar.gz`).
    pub(crate) label: String,
    pub(crate) initial: ImageMeta,
    pub(crate) exact: OnceLock<ImageMeta>,
    /// Member path → layer indexes, when known before the first pass.
    pub(crate) seed_layers: HashMap<String, Vec<usize>>,
    /// Symlinked members → targets, when known before the first pass.
    pub(crate) seed_links: HashMap<String, String>,
}

/// State carried across passes over the save stream.
#[derive(Default)]
struct StreamState {
    done: BTreeSet<usize>,
    sizes: HashMap<usize, u64>,
    /// Layer directory (legacy) → index, from its `json`.
    dir_index: HashMap<String, usize>,
    /// Member path → layer indexes, from `manifest.json`.
    manifest_layers: HashMap<String, Vec<usize>>,
    /// Symlinked members → target member.
    links: HashMap<String, String>,
    config: Option<Vec<u8>>,
}

pub(crate) fn read_small_member(r: &mut dyn Read, size: u64, what: &str) -> Result<Vec<u8>, SourceError> {
    if size > MAX_SMALL_MEMBER.max(MAX_CONFIG_SIZE) {
        return Err(SourceError::TooLarge { what: what.to_string(), limit: MAX_CONFIG_SIZE });
    }
    let mut buf = Vec::new();
    r.take(size)
        .read_to_end(&mut buf)
        .map_err(|e| SourceError::Read { what: what.to_string(), source: e })?;
    Ok(buf)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SaveManifestEntry {
    #[serde(default)]
    pub(crate) layers: Vec<String>,
}

pub(crate) fn normalize_member(path: &str) -> String {
    path.trim_start_matches("./").to_string()
}

pub(crate) fn resolve_link(base: &str, target: &str) -> String {
    let dir = base.rsplit_once('/').map_or("", |(d, _)| d);
    let mut parts: Vec<&str> =
        if target.starts_with('/') { Vec::new() } else { dir.split('/').filter(|c| !c.is_empty()).collect() };
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

impl SaveStreamImage {
    fn what(&self, member: &str) -> String {
        format!("{}: {member}", self.label)
    }

    /// Indexes wanted for a layer member seen in the stream.
    fn wanted_for(&self, st: &StreamState, path: &str) -> Vec<usize> {
        let diff_ids = &self.initial.config.diff_ids;
        let mut out: BTreeSet<usize> = BTreeSet::new();
        // Members that other members link to stand for those too.
        let mut aliases = vec![path.to_string()];
        aliases.extend(st.links.iter().filter(|(_, t)| t.as_str() == path).map(|(l, _)| l.clone()));
        for p in &aliases {
            if let Some(v) = st.manifest_layers.get(p) {
                out.extend(v);
            }
            if let Some(dir) = p.strip_suffix("/layer.tar")
                && let Some(&i) = st.dir_index.get(dir)
            {
                out.insert(i);
            }
            if let Some(hex) = p.strip_prefix("blobs/sha256/") {
                let d = format!("sha256:{hex}");
                out.extend(diff_ids.iter().enumerate().filter(|(_, x)| **x == d).map(|(i, _)| i));
            }
        }
        out.retain(|i| !st.done.contains(i));
        out.into_iter().collect()
    }

    fn deliver(
        &self,
        st: &mut StreamState,
        wanted: &[usize],
        size: u64,
        reader: &mut dyn Read,
        member: &str,
        f: &mut dyn FnMut(&LayerDelivery, &mut dyn Read) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        let index_u32 = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        // An OCI-style member is named by its blob digest; a legacy `layer.tar` only has the diff_ids.
        let blob_digest = member.strip_prefix("blobs/sha256/").map(|hex| format!("sha256:{hex}"));
        let delivery = LayerDelivery { indexes: wanted.iter().map(|&i| index_u32(i)).collect(), blob_digest };
        f(&delivery, reader)?;
        // Skip what the consumer left, so the next member can be read.
        std::io::copy(reader, &mut std::io::sink())
            .map_err(|e| SourceError::Read { what: self.what(member), source: e })?;
        for &i in wanted {
            st.done.insert(i);
            st.sizes.insert(i, size);
        }
        Ok(())
    }

    fn pass(
        &self,
        st: &mut StreamState,
        f: &mut dyn FnMut(&LayerDelivery, &mut dyn Read) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        let resp = self.opener.open_stream()?;
        let chains = chain_ids(&self.initial.config.diff_ids);
        let config_hex = self.initial.config_digest.strip_prefix("sha256:").unwrap_or("").to_string();
        let mut stream = TarStream::new(resp, &self.what("save stream"));
        while let Some(member) = stream.next_member()? {
            let (path, size) = (member.name, member.size);
            match member.kind {
                MemberKind::Symlink(target) => {
                    let resolved = resolve_link(&path, &target);
                    st.links.insert(path, resolved);
                    continue;
                }
                MemberKind::HardLink(target) => {
                    st.links.insert(path, target);
                    continue;
                }
                MemberKind::Other => continue,
                MemberKind::File => {}
            }
            let mut entry = stream.data();
            let file = path.rsplit('/').next().unwrap_or("");
            let is_config = !config_hex.is_empty()
                && (path == format!("{config_hex}.json") || path == format!("blobs/sha256/{config_hex}"));
            if is_config {
                let bytes = read_small_member(&mut entry, size, &self.what(&path))?;
                if sha256_of(&bytes) == self.initial.config_digest {
                    st.config = Some(bytes);
                }
                continue;
            }
            if path == "manifest.json" {
                let bytes = read_small_member(&mut entry, size, &self.what(&path))?;
                let entries: Vec<SaveManifestEntry> = serde_json::from_slice(&bytes)
                    .map_err(|e| SourceError::Json { what: self.what("manifest.json"), source: e })?;
                if let Some(e) = entries.into_iter().next() {
                    for (i, p) in e.layers.iter().enumerate() {
                        st.manifest_layers.entry(normalize_member(p)).or_default().push(i);
                    }
                }
                continue;
            }
            if file == "json" && size <= MAX_SMALL_MEMBER {
                let bytes = read_small_member(&mut entry, size, &self.what(&path))?;
                if let Some(i) = legacy_index(&bytes, &chains) {
                    st.dir_index.insert(path.trim_end_matches("/json").to_string(), i);
                }
                continue;
            }
            let wanted = self.wanted_for(st, &path);
            if !wanted.is_empty() {
                self.deliver(st, &wanted, size, &mut entry, &path, f)?;
            }
        }
        Ok(())
    }
}

/// The SHA-256 of an empty layer (1024 zero bytes, the tar end marker), which Docker saves only once.
fn empty_layer_digest() -> String {
    sha256_of(&[0u8; 1024])
}

impl ImageSource for SaveStreamImage {
    fn meta(&self) -> &ImageMeta {
        self.exact.get().unwrap_or(&self.initial)
    }

    fn random_access(&self) -> bool {
        false
    }

    fn open_layer(&self, index: u32) -> Result<Box<dyn Read + Send + '_>, SourceError> {
        Err(SourceError::Unsupported {
            reference: self.initial.name.clone(),
            reason: format!(
                "layer {index}: the Docker Engine only offers a sequential `docker save` stream; use stream_layers"
            ),
        })
    }

    fn stream_layers(
        &self,
        f: &mut dyn FnMut(&LayerDelivery, &mut dyn Read) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        let n = self.initial.layers.len();
        let mut st = StreamState {
            manifest_layers: self.seed_layers.clone(),
            links: self.seed_links.clone(),
            ..Default::default()
        };
        for _ in 0..MAX_PASSES {
            self.pass(&mut st, f)?;
            // Empty layers Docker stored once (or not at all): synthesize the rest.
            let empty = empty_layer_digest();
            let missing_empty: Vec<u32> = (0..n)
                .filter(|i| !st.done.contains(i) && self.initial.config.diff_ids.get(*i) == Some(&empty))
                .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
                .collect();
            if !missing_empty.is_empty() {
                f(
                    &LayerDelivery { indexes: missing_empty.clone(), blob_digest: Some(empty.clone()) },
                    &mut &[0u8; 1024][..],
                )?;
                for i in missing_empty {
                    st.done.insert(i as usize);
                    st.sizes.insert(i as usize, 1024);
                }
            }
            if st.done.len() == n {
                break;
            }
        }
        if st.done.len() != n {
            let missing: Vec<String> =
                (0..n).filter(|i| !st.done.contains(i)).map(|i| i.to_string()).collect();
            return Err(SourceError::Missing {
                container: format!("save stream of {}", self.label),
                member: format!("layers {}", missing.join(", ")),
            });
        }
        if let Some(bytes) = st.config
            && let Ok(config) = seawall_core::ImageConfig::from_json(&bytes)
            && config.diff_ids == self.initial.config.diff_ids
        {
            let mut meta = self.initial.clone();
            meta.config = config;
            for l in &mut meta.layers {
                l.size = st.sizes.get(&(l.index as usize)).copied().unwrap_or(0);
            }
            let _ = self.exact.set(meta);
        }
        Ok(())
    }
}

/// Test hook for the property tests.
#[cfg(test)]
pub(crate) fn legacy_index_for_fuzz(json: &[u8], chains: &[String]) -> Option<usize> {
    legacy_index(json, chains)
}
