//! Content-addressed per-layer fact cache.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use seawall_analyzer::FileAnalyzer;

use crate::LayerWalk;

/// Version of the cached layer format; bump on any change of [`LayerWalk`]'s serialized shape.
const CACHE_FORMAT: u32 = 1;

/// The cache key of a layer: a hash of the cache format, the layer's diff_id, the sorted (name, version)
/// of every analyzer, and an options fingerprint (anything else that changes output).
pub fn cache_key(diff_id: &str, analyzers: &[Box<dyn FileAnalyzer>], options: &str) -> String {
    let mut ids: Vec<(String, u32)> = analyzers.iter().map(|a| (a.name().to_string(), a.version())).collect();
    ids.sort();
    let mut h = Sha256::new();
    h.update(CACHE_FORMAT.to_le_bytes());
    h.update((diff_id.len() as u64).to_le_bytes());
    h.update(diff_id.as_bytes());
    for (n, v) in &ids {
        h.update((n.len() as u64).to_le_bytes());
        h.update(n.as_bytes());
        h.update(v.to_le_bytes());
    }
    h.update((options.len() as u64).to_le_bytes());
    h.update(options.as_bytes());
    hex::encode(h.finalize())
}

/// A directory of cached [`LayerWalk`]s, one JSON file per key.
///
/// Safe for concurrent processes: entries are written to a uniquely named file in the same directory
/// and renamed into place, so readers see either nothing or a complete entry. Unreadable or corrupt
/// entries are treated as misses.
#[derive(Debug, Clone)]
pub struct LayerCache {
    dir: PathBuf,
}

impl LayerCache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LayerCache { dir: dir.into() }
    }

    /// `$SEAWALL_CACHE_DIR`, else `$XDG_CACHE_HOME/seawall`, else `~/.cache/seawall`.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(d) = std::env::var_os("SEAWALL_CACHE_DIR") {
            return Some(PathBuf::from(d));
        }
        if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
            return Some(PathBuf::from(d).join("seawall"));
        }
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("seawall"))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn layers_dir(&self) -> PathBuf {
        self.dir.join("layers")
    }

    /// The cached walk for a key, if present and readable.
    pub fn get(&self, key: &str) -> Option<LayerWalk> {
        let bytes = std::fs::read(self.layers_dir().join(format!("{key}.json"))).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores a walk under a key (atomically). Incomplete walks should not be stored by callers.
    pub fn put(&self, key: &str, walk: &LayerWalk) -> io::Result<()> {
        let dir = self.layers_dir();
        std::fs::create_dir_all(&dir)?;
        let tmp = dir.join(format!(".{key}.{}.tmp", std::process::id()));
        {
            let mut f = std::fs::File::create(&tmp)?;
            let bytes = serde_json::to_vec(walk).map_err(io::Error::other)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, dir.join(format!("{key}.json")))
    }

    /// Removes every cached entry; returns how many files were removed.
    pub fn clean(&self) -> io::Result<u64> {
        let dir = self.layers_dir();
        let mut n = 0;
        match std::fs::read_dir(&dir) {
            Ok(rd) => {
                for e in rd {
                    let e = e?;
                    std::fs::remove_file(e.path())?;
                    n += 1;
                }
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn roundtrip_and_clean() {
        let d = tempfile::tempdir().unwrap();
        let c = LayerCache::new(d.path());
        let key = cache_key("sha256:abc", &[], "opts");
        assert!(c.get(&key).is_none());
        let mut w = LayerWalk { index: 2, ..Default::default() };
        w.paths.present.insert("/x".into());
        c.put(&key, &w).unwrap();
        assert_eq!(c.get(&key), Some(w));
        assert_eq!(c.clean().unwrap(), 1);
        assert!(c.get(&key).is_none());
    }

    #[test]
    fn key_depends_on_inputs() {
        assert_ne!(cache_key("a", &[], ""), cache_key("b", &[], ""));
        assert_ne!(cache_key("a", &[], "x"), cache_key("a", &[], "y"));
    }
}
