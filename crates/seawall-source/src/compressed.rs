//! Compressed `docker save` archives (`docker save app | gzip > app.tar.gz`, or zstd): a compressed
//! tar cannot be indexed and seeked, so it is read as a stream like the Docker Engine's — one pass to
//! read `manifest.json` and the config (layer data is decompressed and discarded), then one pass that
//! delivers the layers (see [`crate::savestream`]). Nothing is written to disk.

use fs_err::File;
use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::digest::sha256_of;
use crate::docker_archive::{ManifestEntry, digest_from_path, select_entry};
use crate::manifest::MAX_CONFIG_SIZE;
use crate::savestream::{SaveStreamImage, StreamOpener, normalize_member, read_small_member, resolve_link};
use crate::tarindex::{MAX_MEMBERS, MemberKind};
use crate::tarstream::TarStream;
use crate::{ImageMeta, LayerDesc, SourceError};

/// Total bytes of small documents kept from the metadata pass.
const MAX_KEPT: u64 = 64 << 20;

/// Compression of an outer archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    Gzip,
    Zstd,
}

/// Sniffs the compression of a file from its first bytes (`None`: not compressed).
pub(crate) fn sniff(path: &Path) -> Result<Option<Compression>, SourceError> {
    let mut magic = [0u8; 4];
    let mut f = File::open(path).map_err(|e| SourceError::io(path, e))?;
    let mut n = 0;
    while n < magic.len() {
        match f.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(SourceError::io(path, e)),
        }
    }
    Ok(match &magic[..n] {
        [0x1f, 0x8b, ..] => Some(Compression::Gzip),
        [0x28, 0xb5, 0x2f, 0xfd] => Some(Compression::Zstd),
        _ => None,
    })
}

struct FileStream {
    path: PathBuf,
    compression: Compression,
}

impl StreamOpener for FileStream {
    fn open_stream(&self) -> Result<Box<dyn Read + Send>, SourceError> {
        let file = BufReader::with_capacity(
            256 << 10,
            File::open(&self.path).map_err(|e| SourceError::io(&self.path, e))?,
        );
        Ok(match self.compression {
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(file)),
            Compression::Zstd => Box::new(
                zstd::stream::read::Decoder::with_buffer(file).map_err(|e| SourceError::io(&self.path, e))?,
            ),
        })
    }
}

/// Opens a gzip- or zstd-compressed `docker save` archive.
pub(crate) fn open_compressed_docker_archive(
    path: &Path,
    name: &str,
    tag: Option<&str>,
    compression: Compression,
) -> Result<SaveStreamImage, SourceError> {
    let display = path.display().to_string();
    let opener = FileStream { path: path.to_path_buf(), compression };
    let mut links: HashMap<String, String> = HashMap::new();
    let mut sizes: HashMap<String, u64> = HashMap::new();
    let mut kept: HashMap<String, Vec<u8>> = HashMap::new();
    let mut kept_total = 0u64;
    let mut stream = TarStream::new(opener.open_stream()?, &display);
    while let Some(m) = stream.next_member()? {
        let member = m.name;
        if sizes.len() + links.len() >= MAX_MEMBERS {
            return Err(SourceError::TooLarge {
                what: format!("{display}: member count"),
                limit: MAX_MEMBERS as u64,
            });
        }
        match m.kind {
            MemberKind::Symlink(target) => {
                let resolved = resolve_link(&member, &target);
                links.insert(member, resolved);
                continue;
            }
            MemberKind::HardLink(target) => {
                links.insert(member, target);
                continue;
            }
            MemberKind::Other => continue,
            MemberKind::File => {}
        }
        let size = m.size;
        sizes.insert(member.clone(), size);
        let wanted = member == "manifest.json"
            || (member.ends_with(".json") && !member.contains('/'))
            || member.starts_with("blobs/sha256/");
        if wanted && size <= MAX_CONFIG_SIZE && kept_total + size <= MAX_KEPT {
            let bytes = read_small_member(&mut stream.data(), size, &format!("{display}: {member}"))?;
            kept_total += size;
            kept.insert(member, bytes);
        }
    }
    let resolve = |p: &str| -> String {
        let mut cur = normalize_member(p);
        for _ in 0..16 {
            match links.get(&cur) {
                Some(t) => cur = t.clone(),
                None => break,
            }
        }
        cur
    };
    let missing =
        |member: &str| SourceError::Missing { container: display.clone(), member: member.to_string() };
    let manifest = kept.get("manifest.json").ok_or_else(|| missing("manifest.json"))?;
    let what = format!("{display}: manifest.json");
    let entries: Vec<ManifestEntry> =
        serde_json::from_slice(manifest).map_err(|e| SourceError::Json { what: what.clone(), source: e })?;
    if entries.is_empty() {
        return Err(SourceError::malformed(what, "no images in manifest.json"));
    }
    let entry = select_entry(entries, tag, name)?;
    let config_bytes = kept.get(&resolve(&entry.config)).ok_or_else(|| missing(&entry.config))?;
    let config = seawall_core::ImageConfig::from_json(config_bytes)
        .map_err(|e| SourceError::Config { what: format!("{display}: {}", entry.config), source: e })?;
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
    let mut seed_layers: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, (p, diff_id)) in entry.layers.iter().zip(&config.diff_ids).enumerate() {
        let size = *sizes.get(&resolve(p)).ok_or_else(|| missing(p))?;
        layers.push(LayerDesc {
            index: u32::try_from(i).unwrap_or(u32::MAX),
            diff_id: diff_id.clone(),
            digest: digest_from_path(p),
            size,
            media_type: "application/vnd.docker.image.rootfs.diff.tar".to_string(),
        });
        seed_layers.entry(normalize_member(p)).or_default().push(i);
    }
    let initial = ImageMeta {
        name: name.to_string(),
        digest: None,
        config_digest: sha256_of(config_bytes),
        config,
        layers,
    };
    Ok(SaveStreamImage {
        opener: Box::new(opener),
        label: display,
        initial,
        exact: OnceLock::new(),
        seed_layers,
        seed_links: links,
    })
}
