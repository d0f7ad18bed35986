//! Walking one layer tar stream.

use std::collections::HashSet;
use std::io::{self, Read};

use serde::{Deserialize, Serialize};

use seawall_analyzer::{EntryKind, EntryMeta, Facts, Location, ScanWarning};
use seawall_core::{FindingKind, WarningKind};

use crate::Walker;
use crate::decompress::{self, LayerDigests, LimitHit};
use crate::dispatch::offer;
use crate::path::{LayerLinks, clean_name};
use crate::tar::TarReader;

/// Notices about entry names (clamped, resolved through a symlink) reported per layer; the rest are
/// counted in one last notice.
const MAX_PATH_NOTICES: usize = 20;

/// The paths a layer adds, deletes (whiteouts) and hides (opaque directories), as display paths
/// (`/etc/passwd`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerPaths {
    /// Every non-whiteout entry of the layer (files, directories, links), where the layer applier puts
    /// it (parents resolved through the layer's own symlinks, `..` clamped at the root).
    pub present: HashSet<String>,
    /// Paths deleted by `.wh.NAME` entries.
    pub whiteouts: HashSet<String>,
    /// Directories whose lower-layer content is hidden by `.wh..wh..opq`.
    pub opaque: HashSet<String>,
}

/// Counters for one layer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerStats {
    /// Entries seen (whiteouts included).
    pub entries: u64,
    /// Regular files seen.
    pub files: u64,
    /// Uncompressed bytes read.
    pub uncompressed_bytes: u64,
    /// Compressed bytes read.
    pub compressed_bytes: u64,
    /// `gzip`, `zstd` or `none`.
    pub compression: String,
    /// True when the walk stopped early (corrupt or truncated stream, limit): see the warnings.
    pub incomplete: bool,
}

/// The result of walking one layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerWalk {
    /// 0-based layer index.
    pub index: u32,
    /// Facts from this layer's files (locations carry `layer = Some(index)`).
    pub facts: Facts,
    /// What the layer adds and removes.
    pub paths: LayerPaths,
    /// Counters.
    pub stats: LayerStats,
    /// The blob digest and diff_id computed on every byte of the blob, when it was read to its end
    /// (`None` when the walk stopped early: then nothing is verified and a warning says why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digests: Option<LayerDigests>,
}

impl LayerWalk {
    /// The same walk as layer `index` (a blob that several layers of an image reference): facts
    /// re-located to that layer.
    pub fn for_layer(&self, index: u32) -> LayerWalk {
        let mut w = self.clone();
        w.index = index;
        w.facts.set_layer(Some(index));
        for warning in &mut w.facts.warnings {
            if let Some(l) = &mut warning.location {
                l.layer = Some(index);
            }
        }
        w
    }
}

/// Why a walk stopped before the end of the archive.
enum Stop {
    /// The stream is corrupt or truncated.
    Io(io::Error),
    /// A bound of the walk (entries) was hit.
    Limit(String),
}

/// Forgets the facts of an entry that a later entry of the same layer replaces (the applier removes
/// the old one: the last entry of a name wins). Secret and model findings stay, marked as deleted in
/// this layer: the bytes are in the layer blob, as for files deleted by a later layer.
fn retire(facts: &mut Facts, path: &str, subtree: bool, layer: u32) {
    let hit = |p: &str| {
        p == path
            || (subtree && p.len() > path.len() && p.starts_with(path) && p.as_bytes()[path.len()] == b'/')
    };
    facts.packages.retain(|p| !p.locations.first().is_some_and(|l| hit(&l.path)));
    facts.models.retain(|m| !hit(&m.location.path));
    facts.os.retain(|(l, _)| !hit(&l.path));
    facts.files.retain(|c| !hit(&c.location.path));
    facts.findings.retain_mut(|f| {
        if !hit(&f.location.path) {
            return true;
        }
        if matches!(f.kind, FindingKind::Secret | FindingKind::Model) {
            f.deleted_in_layer = Some(layer);
            true
        } else {
            false
        }
    });
}

impl Walker {
    /// Walks one layer blob (gzip, zstd or plain tar, sniffed). Never fails: a corrupt or truncated
    /// stream ends the walk with a warning (`layer-unreadable`, or `budget-exceeded` for a bound) and
    /// `stats.incomplete = true`, keeping every fact found so far. A complete walk reads the blob to
    /// its end and sets [`LayerWalk::digests`].
    pub fn walk_layer(&self, index: u32, blob: &mut dyn Read) -> LayerWalk {
        let mut walk = LayerWalk { index, ..Default::default() };
        let origin = "walker";
        let layer_loc = || Location::file(format!("layer {index}")).with_layer(Some(index));
        let (comp, mut reader) = match decompress::open(blob, &self.limits, &self.budget) {
            Ok(x) => x,
            Err(e) => {
                walk.stats.incomplete = true;
                walk.facts.warnings.push(
                    ScanWarning::at(origin, layer_loc(), format!("cannot read layer blob: {e}"))
                        .with_kind(WarningKind::LayerUnreadable),
                );
                return walk;
            }
        };
        walk.stats.compression = comp.as_str().to_string();
        let mut result = self.walk_tar(index, &mut reader, &mut walk);
        if result.is_ok() {
            // The rest of the uncompressed stream (end-of-archive blocks, padding): the diff_id covers it.
            result = io::copy(&mut reader, &mut io::sink()).map(|_| ()).map_err(Stop::Io);
        }
        walk.stats.uncompressed_bytes = reader.uncompressed_bytes();
        walk.stats.compressed_bytes = reader.compressed_bytes();
        let limit = reader.limit_hit.clone();
        let stopped = match result {
            Ok(()) => match reader.finish() {
                Ok(d) => {
                    walk.stats.compressed_bytes = d.blob_size;
                    walk.digests = Some(d);
                    None
                }
                Err(e) => Some((
                    WarningKind::LayerUnreadable,
                    format!("layer blob could not be read to its end: {e}"),
                )),
            },
            Err(stop) => Some(match (stop, limit) {
                (_, Some(LimitHit(m))) | (Stop::Limit(m), None) => (WarningKind::BudgetExceeded, m),
                (Stop::Io(e), None) if self.budget_spent() => (WarningKind::BudgetExceeded, e.to_string()),
                (Stop::Io(e), None) => (WarningKind::LayerUnreadable, e.to_string()),
            }),
        };
        if let Some((kind, message)) = stopped {
            walk.stats.incomplete = true;
            walk.facts.warnings.push(
                ScanWarning::at(
                    origin,
                    layer_loc(),
                    format!(
                        "layer walk stopped after {} entries ({} compression): {message}",
                        walk.stats.entries,
                        comp.as_str()
                    ),
                )
                .with_kind(kind),
            );
        }
        walk
    }

    fn walk_tar(&self, index: u32, stream: &mut dyn Read, walk: &mut LayerWalk) -> Result<(), Stop> {
        let mut tar = TarReader::new(stream, &self.budget);
        let mut links = LayerLinks::default();
        let mut dirs: HashSet<String> = HashSet::new();
        let mut notices: Vec<String> = Vec::new();
        let mut more_notices = 0usize;
        let mut notice = |m: String| {
            if notices.len() < MAX_PATH_NOTICES {
                notices.push(m);
            } else {
                more_notices += 1;
            }
        };
        let result = loop {
            let h = match tar.next_entry() {
                Ok(Some(h)) => h,
                Ok(None) => break Ok(()),
                Err(e) => break Err(Stop::Io(e)),
            };
            walk.stats.entries += 1;
            if walk.stats.entries > self.limits.max_entries {
                break Err(Stop::Limit(format!(
                    "more than {} entries in one layer",
                    self.limits.max_entries
                )));
            }
            let shown = String::from_utf8_lossy(&h.name).into_owned();
            let (clean, clamped) = clean_name(&h.name);
            if clean.is_empty() {
                continue;
            }
            if clamped {
                notice(format!(
                    "entry {shown:?} climbs above the image root: containerd clamps it to /{clean} (analysed there), Docker rejects the layer"
                ));
            }
            let rel = match links.resolve(&clean) {
                Ok(r) => r,
                Err(_) => {
                    notice(format!(
                        "entry {shown:?}: too many levels of symlinks in its parents (runtimes reject the layer); analysed as /{clean}"
                    ));
                    clean.clone()
                }
            };
            if rel != clean {
                notice(format!(
                    "entry {shown:?} is written through a symlinked directory of this layer: the applier puts it at /{rel} (analysed there)"
                ));
            }
            let display = format!("/{rel}");
            let (parent, name) = match display.rfind('/') {
                Some(i) => (&display[..i], &display[i + 1..]),
                None => ("", display.as_str()),
            };
            if let Some(hidden) = name.strip_prefix(".wh.") {
                if hidden == ".wh..opq" {
                    let dir = if parent.is_empty() { "/".to_string() } else { parent.to_string() };
                    walk.paths.opaque.insert(dir);
                } else {
                    walk.paths.whiteouts.insert(format!("{parent}/{hidden}"));
                }
                continue;
            }
            let kind = match h.typeflag {
                b'0' | b'7' | b'S' => EntryKind::File,
                b'5' => EntryKind::Dir,
                b'2' => EntryKind::Symlink,
                b'1' => EntryKind::Hardlink,
                _ => EntryKind::Other,
            };
            // The last entry of a name wins: forget what an earlier one of this layer contributed.
            if walk.paths.present.contains(&display) {
                let was_dir = dirs.contains(&display);
                if !(was_dir && kind == EntryKind::Dir) {
                    retire(&mut walk.facts, &display, was_dir, index);
                    if was_dir {
                        links.remove_under(&rel);
                    }
                }
            }
            if kind == EntryKind::Dir {
                dirs.insert(display.clone());
            } else {
                dirs.remove(&display);
            }
            let link = (!h.link.is_empty() || matches!(kind, EntryKind::Symlink | EntryKind::Hardlink))
                .then(|| String::from_utf8_lossy(&h.link).into_owned());
            links.record(&rel, if kind == EntryKind::Symlink { link.as_deref() } else { None });
            if kind == EntryKind::File {
                walk.stats.files += 1;
            }
            walk.paths.present.insert(display.clone());
            let meta = EntryMeta {
                path: &display,
                size: if kind == EntryKind::File { h.size } else { 0 },
                mode: u32::try_from(h.mode & 0xffff_ffff).unwrap_or_default(),
                uid: h.uid,
                gid: h.gid,
                kind,
                layer: Some(index),
                link_target: link.as_deref(),
            };
            if let Err(e) = offer(&self.analyzers, &self.limits, &meta, &mut tar.data(), &mut walk.facts) {
                break Err(Stop::Io(e));
            }
        };
        let loc = || Location::file(format!("layer {index}")).with_layer(Some(index));
        for m in notices {
            walk.facts.warnings.push(ScanWarning::at("walker", loc(), m).with_kind(WarningKind::Notice));
        }
        if more_notices > 0 {
            walk.facts.warnings.push(
                ScanWarning::at(
                    "walker",
                    loc(),
                    format!("{more_notices} more entry names clamped or resolved through symlinks"),
                )
                .with_kind(WarningKind::Notice),
            );
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_analyzer::{AnalyzerError, FileAnalyzer, Interest};
    use seawall_core::Package;
    use std::io::Write;

    /// Records every file it is given as a package named after the path, with the content as version.
    struct Recorder;
    impl FileAnalyzer for Recorder {
        fn name(&self) -> &'static str {
            "recorder"
        }
        fn version(&self) -> u32 {
            1
        }
        fn required(&self, m: &EntryMeta<'_>) -> Interest {
            if m.is_file() { Interest::Yes } else { Interest::No }
        }
        fn analyze(&self, m: &EntryMeta<'_>, r: &mut dyn Read, out: &mut Facts) -> Result<(), AnalyzerError> {
            let mut s = String::new();
            r.read_to_string(&mut s)?;
            out.packages.push(Package::new(m.path, s, "test", m.location()));
            Ok(())
        }
    }

    pub(crate) use seawall_testkit::tar_of;

    #[test]
    fn walks_plain_and_gzip_and_zstd() {
        let tar = tar_of(&[("./etc/os-release", b"ID=debian"), ("usr/bin/x", b"bin")]);
        let w = Walker::new(vec![Box::new(Recorder)], Default::default());
        let plain = w.walk_layer(0, &mut &tar[..]);
        assert_eq!(plain.facts.packages.len(), 2);
        assert_eq!(plain.facts.packages[0].name, "/etc/os-release");
        assert_eq!(plain.facts.packages[0].version, "ID=debian");
        assert_eq!(plain.stats.compression, "none");

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar).unwrap();
        let gz = gz.finish().unwrap();
        let g = w.walk_layer(1, &mut &gz[..]);
        assert_eq!(g.stats.compression, "gzip");
        assert_eq!(g.facts.packages.len(), 2);
        assert_eq!(g.facts.packages[1].locations[0].layer, Some(1));

        let zs = zstd::encode_all(&tar[..], 3).unwrap();
        let z = w.walk_layer(2, &mut &zs[..]);
        assert_eq!(z.stats.compression, "zstd");
        assert_eq!(z.facts.packages.len(), 2);
    }

    #[test]
    fn whiteouts_recorded() {
        let tar = tar_of(&[("etc/.wh.secret", b""), ("opt/.wh..wh..opq", b""), ("a", b"x")]);
        let w = Walker::new(vec![Box::new(Recorder)], Default::default());
        let l = w.walk_layer(3, &mut &tar[..]);
        assert!(l.paths.whiteouts.contains("/etc/secret"));
        assert!(l.paths.opaque.contains("/opt"));
        assert!(l.paths.present.contains("/a"));
        assert_eq!(l.facts.packages.len(), 1);
    }

    /// containerd clamps names that climb above the root (`fs.RootPath`) and creates the file there:
    /// the entry is analysed under the clamped path, with a notice.
    #[test]
    fn traversal_names_are_clamped_to_the_root_like_containerd() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_old();
        // Write the raw name bytes directly: tar::Builder refuses '..' itself.
        h.as_old_mut().name[..16].copy_from_slice(b"../../etc/passwd");
        h.set_size(1);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append(&h, &b"x"[..]).unwrap();
        let tar = b.into_inner().unwrap();
        let w = Walker::new(vec![Box::new(Recorder)], Default::default());
        let l = w.walk_layer(0, &mut &tar[..]);
        assert_eq!(l.facts.packages.len(), 1);
        assert_eq!(l.facts.packages[0].name, "/etc/passwd");
        assert_eq!(l.facts.warnings.len(), 1);
        assert!(l.facts.warnings[0].message.contains("climbs above the image root"));
        assert_eq!(l.facts.warnings[0].kind, seawall_core::WarningKind::Notice);
        assert!(!l.stats.incomplete);
        assert!(l.digests.is_some());
    }

    #[test]
    fn truncated_layer_keeps_earlier_facts() {
        let big = vec![b'a'; 4096];
        let tar = tar_of(&[("first", b"1"), ("second", &big)]);
        let cut = &tar[..1024 + 512 + 100];
        let w = Walker::new(vec![Box::new(Recorder)], Default::default());
        let l = w.walk_layer(0, &mut &cut[..]);
        assert!(l.stats.incomplete);
        assert!(l.facts.packages.iter().any(|p| p.name == "/first"));
        assert!(!l.facts.warnings.is_empty());
    }

    #[test]
    fn corrupt_gzip_is_a_warning() {
        let mut data = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        data.extend_from_slice(b"garbage garbage garbage");
        let w = Walker::new(vec![Box::new(Recorder)], Default::default());
        let l = w.walk_layer(0, &mut &data[..]);
        assert!(l.stats.incomplete);
        assert_eq!(l.facts.warnings.len(), 1);
    }

    /// Counts bytes; streams.
    struct Counter(&'static str);
    impl FileAnalyzer for Counter {
        fn name(&self) -> &'static str {
            self.0
        }
        fn version(&self) -> u32 {
            1
        }
        fn required(&self, m: &EntryMeta<'_>) -> Interest {
            if m.is_file() { Interest::Sniff } else { Interest::No }
        }
        fn required_by_content(&self, _m: &EntryMeta<'_>, head: &[u8]) -> bool {
            head.starts_with(b"BIG")
        }
        fn streams(&self) -> bool {
            true
        }
        fn max_size(&self) -> u64 {
            16
        }
        fn analyze(&self, m: &EntryMeta<'_>, r: &mut dyn Read, out: &mut Facts) -> Result<(), AnalyzerError> {
            let n = std::io::copy(r, &mut std::io::sink())?;
            out.packages.push(Package::new(self.0, n.to_string(), "t", m.location()));
            Ok(())
        }
    }

    #[test]
    fn large_file_is_teed_to_several_streaming_analyzers() {
        let mut big = b"BIG".to_vec();
        big.resize(5 * 1024 * 1024 + 7, b'z');
        let tar = tar_of(&[("model.bin", &big), ("small", b"BIG!")]);
        let limits = crate::WalkLimits { shared_buffer_max: 1024, ..Default::default() };
        let w = Walker::new(vec![Box::new(Counter("a")), Box::new(Counter("b"))], limits);
        let l = w.walk_layer(0, &mut &tar[..]);
        let sizes: Vec<_> = l.facts.packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        let expected = big.len().to_string();
        assert!(sizes.contains(&("a", expected.as_str())), "{sizes:?}");
        assert!(sizes.contains(&("b", expected.as_str())), "{sizes:?}");
        assert!(sizes.contains(&("a", "4")));
        assert!(l.facts.warnings.is_empty());
    }

    #[test]
    fn oversized_file_for_non_streaming_analyzer_is_warned() {
        struct Small;
        impl FileAnalyzer for Small {
            fn name(&self) -> &'static str {
                "small"
            }
            fn version(&self) -> u32 {
                1
            }
            fn required(&self, _m: &EntryMeta<'_>) -> Interest {
                Interest::Yes
            }
            fn max_size(&self) -> u64 {
                2
            }
            fn analyze(
                &self,
                _m: &EntryMeta<'_>,
                _r: &mut dyn Read,
                _o: &mut Facts,
            ) -> Result<(), AnalyzerError> {
                Ok(())
            }
        }
        let tar = tar_of(&[("f", b"12345")]);
        let w = Walker::new(vec![Box::new(Small)], Default::default());
        let l = w.walk_layer(0, &mut &tar[..]);
        assert_eq!(l.facts.warnings.len(), 1);
        assert!(l.facts.warnings[0].message.contains("exceeds"));
    }

    /// A file's logical content with holes, and the fragments a sparse archive stores.
    fn sparse_sample() -> (Vec<u8>, Vec<(u64, u64)>) {
        let mut content = vec![0u8; 10_000];
        content[0..5].copy_from_slice(b"root:");
        content[4096..4096 + 22].copy_from_slice(b"HF_TOKEN=hf_in_a_hole\n");
        content[9_990..10_000].copy_from_slice(b"tail bytes");
        (content, vec![(0, 5), (4096, 22), (9_990, 10)])
    }

    fn stored(content: &[u8], map: &[(u64, u64)]) -> Vec<u8> {
        map.iter().flat_map(|&(o, l)| content[o as usize..(o + l) as usize].to_vec()).collect()
    }

    /// A PAX sparse entry (`version` 0.0, 0.1 or 1.0) as GNU tar and Python's tarfile write it: PAX
    /// records, then a header whose name is a decoy when the records carry `GNU.sparse.name`.
    pub(crate) fn pax_sparse_tar(version: &str, name: &str, content: &[u8], map: &[(u64, u64)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let size = content.len().to_string();
        let n = map.len().to_string();
        let pairs: Vec<String> = map.iter().flat_map(|(o, l)| [o.to_string(), l.to_string()]).collect();
        let mut data = stored(content, map);
        let mut records: Vec<(String, String)> = Vec::new();
        let header_name = match version {
            "0.0" => {
                records.push(("GNU.sparse.size".into(), size));
                records.push(("GNU.sparse.numblocks".into(), n));
                for (o, l) in map {
                    records.push(("GNU.sparse.offset".into(), o.to_string()));
                    records.push(("GNU.sparse.numbytes".into(), l.to_string()));
                }
                name.to_string()
            }
            "0.1" => {
                records.push(("GNU.sparse.major".into(), "0".into()));
                records.push(("GNU.sparse.minor".into(), "1".into()));
                records.push(("GNU.sparse.name".into(), name.into()));
                records.push(("GNU.sparse.size".into(), size));
                records.push(("GNU.sparse.numblocks".into(), n));
                records.push(("GNU.sparse.map".into(), pairs.join(",")));
                "GNUSparseFile.0/decoy".to_string()
            }
            _ => {
                records.push(("GNU.sparse.major".into(), "1".into()));
                records.push(("GNU.sparse.minor".into(), "0".into()));
                records.push(("GNU.sparse.name".into(), name.into()));
                records.push(("GNU.sparse.realsize".into(), size));
                let mut m = format!("{}\n{}\n", map.len(), pairs.join("\n")).into_bytes();
                m.resize(m.len().next_multiple_of(512), 0);
                m.extend_from_slice(&data);
                data = m;
                "GNUSparseFile.0/decoy".to_string()
            }
        };
        b.append_pax_extensions(records.iter().map(|(k, v)| (k.as_str(), v.as_bytes()))).unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, header_name, &data[..]).unwrap();
        b.into_inner().unwrap()
    }

    /// An old-GNU sparse entry (type `S`), with an extension block when the map has more than four
    /// fragments.
    pub(crate) fn gnu_sparse_tar(name: &str, content: &[u8], map: &[(u64, u64)]) -> Vec<u8> {
        let data = stored(content, map);
        let mut h = tar::Header::new_gnu();
        h.set_path(name).unwrap();
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_entry_type(tar::EntryType::GNUSparse);
        let octal = |field: &mut [u8], v: u64| {
            let s = format!("{v:0width$o}", width = field.len() - 1);
            field[..s.len()].copy_from_slice(s.as_bytes());
            field[s.len()] = 0;
        };
        let mut ext: Vec<[u8; 512]> = Vec::new();
        {
            let g = h.as_gnu_mut().unwrap();
            octal(&mut g.realsize, content.len() as u64);
            for (i, &(o, l)) in map.iter().enumerate().take(4) {
                octal(&mut g.sparse[i].offset, o);
                octal(&mut g.sparse[i].numbytes, l);
            }
            if map.len() > 4 {
                g.isextended[0] = 1;
                for chunk in map[4..].chunks(21).enumerate() {
                    let (ci, chunk) = chunk;
                    let mut blk = [0u8; 512];
                    for (i, &(o, l)) in chunk.iter().enumerate() {
                        octal(&mut blk[i * 24..i * 24 + 12], o);
                        octal(&mut blk[i * 24 + 12..i * 24 + 24], l);
                    }
                    if (ci + 1) * 21 < map.len() - 4 {
                        blk[504] = 1;
                    }
                    ext.push(blk);
                }
            }
        }
        h.set_cksum();
        let mut out = h.as_bytes().to_vec();
        for blk in ext {
            out.extend_from_slice(&blk);
        }
        out.extend_from_slice(&data);
        out.resize(out.len().next_multiple_of(512) + 1024, 0);
        out
    }

    #[test]
    fn sparse_files_are_expanded_as_go_archive_tar_does() {
        let (content, map) = sparse_sample();
        let w = Walker::new(vec![Box::new(Recorder)], Default::default());
        let expected = String::from_utf8(content.clone()).unwrap();
        for version in ["0.0", "0.1", "1.0"] {
            let tar = pax_sparse_tar(version, "etc/shadow", &content, &map);
            let l = w.walk_layer(0, &mut &tar[..]);
            assert!(l.facts.warnings.is_empty(), "{version}: {:?}", l.facts.warnings);
            assert_eq!(l.facts.packages.len(), 1, "{version}");
            assert_eq!(l.facts.packages[0].name, "/etc/shadow", "{version}: GNU.sparse.name wins");
            assert!(l.facts.packages[0].version == expected, "{version}: expanded content");
        }
        let many: Vec<(u64, u64)> = (0..30).map(|i| (i * 300, 7)).collect();
        let mut big = vec![0u8; 9_000];
        for &(o, _) in &many {
            big[o as usize..o as usize + 7].copy_from_slice(b"data..!");
        }
        for (c, m) in [(&content, &map), (&big, &many)] {
            let tar = gnu_sparse_tar("opt/file", c, m);
            let l = w.walk_layer(0, &mut &tar[..]);
            assert!(l.facts.warnings.is_empty(), "{:?}", l.facts.warnings);
            assert_eq!(l.facts.packages[0].version.as_bytes(), &c[..]);
        }
    }

    #[test]
    fn invalid_sparse_maps_stop_the_walk_like_go() {
        let (content, _) = sparse_sample();
        let overlapping = [(0u64, 100u64), (50, 10)];
        let tar = pax_sparse_tar("0.1", "etc/shadow", &content, &overlapping);
        let w = Walker::new(vec![Box::new(Recorder)], Default::default());
        let l = w.walk_layer(0, &mut &tar[..]);
        assert!(l.stats.incomplete);
        assert_eq!(l.facts.warnings[0].kind, seawall_core::WarningKind::LayerUnreadable);
    }

    #[test]
    fn writes_through_a_symlinked_directory_land_in_the_image_root() {
        let mut b = tar::Builder::new(Vec::new());
        let mut l = tar::Header::new_gnu();
        l.set_entry_type(tar::EntryType::Symlink);
        b.append_link(&mut l, "e", "/etc").unwrap();
        let mut l2 = tar::Header::new_gnu();
        l2.set_entry_type(tar::EntryType::Symlink);
        b.append_link(&mut l2, "up", "../../../usr").unwrap();
        for (p, d) in [("e/shadow", &b"root::0:0:99999:7:::\n"[..]), ("up/lib/os-release", &b"ID=x\n"[..])] {
            let mut h = tar::Header::new_gnu();
            h.set_size(d.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, p, d).unwrap();
        }
        let tar = b.into_inner().unwrap();
        let w = Walker::new(vec![Box::new(Recorder)], Default::default());
        let l = w.walk_layer(0, &mut &tar[..]);
        let names: Vec<&str> = l.facts.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["/etc/shadow", "/usr/lib/os-release"]);
        assert!(l.paths.present.contains("/etc/shadow") && l.paths.present.contains("/e"));
        assert!(l.facts.warnings.iter().all(|w| w.kind == seawall_core::WarningKind::Notice));
    }

    #[test]
    fn the_last_entry_of_a_name_in_a_layer_wins() {
        let tar = tar_of(&[("etc/passwd", b"first"), ("etc/passwd", b"second")]);
        let w = Walker::new(vec![Box::new(Recorder)], Default::default());
        let l = w.walk_layer(0, &mut &tar[..]);
        assert_eq!(l.facts.packages.len(), 1);
        assert_eq!(l.facts.packages[0].version, "second");
    }

    #[test]
    fn digests_cover_the_whole_blob() {
        use sha2::Digest;
        let tar = tar_of(&[("a", b"1")]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar).unwrap();
        let gz = gz.finish().unwrap();
        let w = Walker::new(vec![Box::new(Recorder)], Default::default());
        let l = w.walk_layer(0, &mut &gz[..]);
        let d = l.digests.unwrap();
        assert_eq!(d.blob, format!("sha256:{}", hex::encode(sha2::Sha256::digest(&gz))));
        assert_eq!(d.diff_id, format!("sha256:{}", hex::encode(sha2::Sha256::digest(&tar))));
        assert_eq!((d.blob_size, d.diff_size), (gz.len() as u64, tar.len() as u64));
    }

    #[test]
    fn the_scan_budget_stops_walks_as_budget_exceeded() {
        let tar = tar_of(&[("a", &[1u8; 3000]), ("b", &[2u8; 3000])]);
        let limits = crate::WalkLimits { max_scan_bytes: 5000, ..Default::default() };
        let w = Walker::new(vec![Box::new(Recorder)], limits);
        let l = w.walk_layer(0, &mut &tar[..]);
        assert!(l.stats.incomplete);
        assert!(l.digests.is_none());
        assert_eq!(l.facts.warnings.last().map(|w| w.kind), Some(seawall_core::WarningKind::BudgetExceeded));
        assert!(w.budget_spent());
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(data in proptest::collection::vec(proptest::num::u8::ANY, 0..4096)) {
            let w = Walker::new(vec![Box::new(Recorder)], Default::default());
            let _ = w.walk_layer(0, &mut &data[..]);
        }
    }
}
