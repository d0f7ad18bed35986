//! Walking one layer tar stream.

use std::collections::HashSet;
use std::io::{self, Read};

use serde::{Deserialize, Serialize};

use seawall_analyzer::{EntryKind, EntryMeta, Facts, Location, ScanWarning};

use crate::Walker;
use crate::decompress;
use crate::dispatch::offer;
use crate::path::normalize_tar_path;

/// The paths a layer adds, deletes (whiteouts) and hides (opaque directories), as display paths
/// (`/etc/passwd`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerPaths {
    /// Every non-whiteout entry of the layer (files, directories, links).
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
}

impl Walker {
    /// Walks one layer blob (gzip, zstd or plain tar, sniffed). Never fails: a corrupt or truncated
    /// stream ends the walk with a warning and `stats.incomplete = true`, keeping every fact found so far.
    pub fn walk_layer(&self, index: u32, blob: &mut dyn Read) -> LayerWalk {
        let mut walk = LayerWalk { index, ..Default::default() };
        let origin = "walker";
        let layer_loc = || Location::file(format!("layer {index}")).with_layer(Some(index));
        let (comp, mut bounded) = match decompress::open(blob, &self.limits) {
            Ok(x) => x,
            Err(e) => {
                walk.stats.incomplete = true;
                walk.facts.warnings.push(ScanWarning::at(
                    origin,
                    layer_loc(),
                    format!("cannot read layer blob: {e}"),
                ));
                return walk;
            }
        };
        walk.stats.compression = comp.as_str().to_string();
        let result = self.walk_tar(index, &mut bounded, &mut walk);
        walk.stats.uncompressed_bytes = bounded.uncompressed_bytes();
        walk.stats.compressed_bytes = bounded.compressed_bytes();
        if let Err(e) = result {
            walk.stats.incomplete = true;
            walk.facts.warnings.push(ScanWarning::at(
                origin,
                layer_loc(),
                format!(
                    "layer walk stopped after {} entries ({} compression): {e}",
                    walk.stats.entries,
                    comp.as_str()
                ),
            ));
        }
        walk
    }

    fn walk_tar(&self, index: u32, tar_stream: &mut dyn Read, walk: &mut LayerWalk) -> io::Result<()> {
        let mut archive = tar::Archive::new(tar_stream);
        for entry in archive.entries()? {
            let mut entry = entry?;
            walk.stats.entries += 1;
            if walk.stats.entries > self.limits.max_entries {
                return Err(io::Error::other(format!(
                    "more than {} entries in one layer",
                    self.limits.max_entries
                )));
            }
            let raw_path = entry.path_bytes().into_owned();
            let Some(rel) = normalize_tar_path(&raw_path) else {
                walk.facts.warnings.push(ScanWarning::at(
                    "walker",
                    Location::file(String::from_utf8_lossy(&raw_path).into_owned()).with_layer(Some(index)),
                    "entry name escapes the image root ('..' component): skipped",
                ));
                continue;
            };
            if rel.is_empty() {
                continue;
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
            let header = entry.header();
            let kind = match header.entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => EntryKind::File,
                tar::EntryType::Directory => EntryKind::Dir,
                tar::EntryType::Symlink => EntryKind::Symlink,
                tar::EntryType::Link => EntryKind::Hardlink,
                _ => EntryKind::Other,
            };
            let mode = header.mode().unwrap_or(0);
            let uid = header.uid().unwrap_or(0);
            let gid = header.gid().unwrap_or(0);
            let size = if kind == EntryKind::File { entry.size() } else { 0 };
            let link = entry.link_name_bytes().map(|b| String::from_utf8_lossy(&b).into_owned());
            if kind == EntryKind::File {
                walk.stats.files += 1;
            }
            walk.paths.present.insert(display.clone());
            let meta = EntryMeta {
                path: &display,
                size,
                mode,
                uid,
                gid,
                kind,
                layer: Some(index),
                link_target: link.as_deref(),
            };
            offer(&self.analyzers, &self.limits, &meta, &mut entry, &mut walk.facts)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
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

    pub(crate) fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (p, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            h.set_cksum();
            b.append_data(&mut h, p, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

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

    #[test]
    fn traversal_names_are_skipped_with_warning() {
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
        assert!(l.facts.packages.is_empty());
        assert_eq!(l.facts.warnings.len(), 1);
        assert!(l.facts.warnings[0].message.contains("escapes"));
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

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(data in proptest::collection::vec(proptest::num::u8::ANY, 0..4096)) {
            let w = Walker::new(vec![Box::new(Recorder)], Default::default());
            let _ = w.walk_layer(0, &mut &data[..]);
        }
    }
}
