//! Base-image lineage: an index of known bases' layer chains (diff_ids, bottom first), built with
//! `seawall base index REF…` and stored as JSON (default `base-index.json` in seawall's cache
//! directory). A scanned image is attributed to the indexed base with the longest layer chain that is
//! a prefix of its own. Re-indexing a tag that moved keeps the old chain (marked superseded), so
//! images built on the old base are still attributed and known to be outdated.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::TrustError;

/// File name of the default index inside seawall's cache directory.
pub const DEFAULT_INDEX_FILE: &str = "base-index.json";
/// Largest index file read (bytes).
const MAX_INDEX: u64 = 64 << 20;

/// One indexed base image (one digest of one reference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseEntry {
    /// The reference as indexed (`127.0.0.1:5000/base/debian:12`).
    pub name: String,
    /// The manifest digest (or config digest when the source has none).
    pub digest: String,
    /// Layer diff_ids, bottom first.
    pub diff_ids: Vec<String>,
    /// When it was indexed (RFC 3339).
    pub indexed_at: String,
    /// Whether the reference still pointed to this digest at the last indexing.
    pub current: bool,
}

/// The base-image index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BaseIndex {
    /// Format version (1).
    pub version: u32,
    /// Every indexed base, in indexing order.
    pub bases: Vec<BaseEntry>,
}

/// An attribution of an image to an indexed base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution<'a> {
    /// The matched entry.
    pub base: &'a BaseEntry,
    /// The current digest of the same reference when the matched one is superseded.
    pub newer_digest: Option<&'a str>,
}

impl BaseIndex {
    /// The default index path: `dir/base-index.json`.
    pub fn default_path(cache_dir: &Path) -> PathBuf {
        cache_dir.join(DEFAULT_INDEX_FILE)
    }

    /// Reads an index; a missing file is an empty index.
    pub fn load(path: &Path) -> Result<BaseIndex, TrustError> {
        if !path.exists() {
            return Ok(BaseIndex { version: 1, bases: Vec::new() });
        }
        let text = crate::root::read_text(path, MAX_INDEX)?;
        parse_index(&text).map_err(|reason| TrustError::Index { path: path.to_path_buf(), reason })
    }

    /// Writes the index atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<(), TrustError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs_err::create_dir_all(dir).map_err(|e| TrustError::io(dir, e))?;
        }
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| TrustError::Index { path: path.to_path_buf(), reason: e.to_string() })?;
        fs_err::write(&tmp, text).map_err(|e| TrustError::io(&tmp, e))?;
        fs_err::rename(&tmp, path).map_err(|e| TrustError::io(path, e))
    }

    /// Records `name` → `digest` with its layer chain. Earlier digests of the same name stay, marked
    /// not current. Returns whether the digest is new for this name.
    pub fn record(&mut self, name: &str, digest: &str, diff_ids: Vec<String>, now: &str) -> bool {
        let mut new = true;
        for b in self.bases.iter_mut().filter(|b| b.name == name) {
            if b.digest == digest {
                b.current = true;
                b.indexed_at = now.to_string();
                b.diff_ids = diff_ids.clone();
                new = false;
            } else {
                b.current = false;
            }
        }
        if new {
            self.bases.push(BaseEntry {
                name: name.to_string(),
                digest: digest.to_string(),
                diff_ids,
                indexed_at: now.to_string(),
                current: true,
            });
        }
        new
    }

    /// The base with the longest layer chain that is a prefix of `diff_ids` (ties: the current
    /// entry, then the latest indexed).
    pub fn attribute(&self, diff_ids: &[String]) -> Option<Attribution<'_>> {
        let best = self
            .bases
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.diff_ids.is_empty() && b.diff_ids.len() <= diff_ids.len())
            .filter(|(_, b)| b.diff_ids.iter().zip(diff_ids).all(|(a, c)| a == c))
            .max_by_key(|(i, b)| (b.diff_ids.len(), b.current, *i))
            .map(|(_, b)| b)?;
        let newer_digest = if best.current {
            None
        } else {
            self.bases.iter().rev().find(|b| b.name == best.name && b.current).map(|b| b.digest.as_str())
        };
        Some(Attribution { base: best, newer_digest })
    }
}

/// Parses an index document. Never panics.
pub fn parse_index(text: &str) -> Result<BaseIndex, String> {
    let idx: BaseIndex = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if idx.version != 1 {
        return Err(format!("unsupported index version {}", idx.version));
    }
    Ok(idx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| format!("sha256:{s}")).collect()
    }

    #[test]
    fn longest_prefix_wins_and_superseded_bases_are_outdated() {
        let mut idx = BaseIndex { version: 1, bases: vec![] };
        assert!(idx.record("r/debian:12", "sha256:d1", ids(&["a"]), "t1"));
        assert!(idx.record("r/python:3.12", "sha256:p1", ids(&["a", "b"]), "t1"));
        assert!(idx.record("r/alpine:3", "sha256:x1", ids(&["z"]), "t1"));
        let a = idx.attribute(&ids(&["a", "b", "c"])).unwrap();
        assert_eq!((a.base.name.as_str(), a.newer_digest), ("r/python:3.12", None));
        assert_eq!(idx.attribute(&ids(&["a", "q"])).unwrap().base.name, "r/debian:12");
        assert!(idx.attribute(&ids(&["q"])).is_none());
        // The python tag moves: images on p1 are outdated, images on p2 are current.
        assert!(idx.record("r/python:3.12", "sha256:p2", ids(&["a", "b2"]), "t2"));
        assert!(!idx.record("r/python:3.12", "sha256:p2", ids(&["a", "b2"]), "t3"));
        let old = idx.attribute(&ids(&["a", "b", "c"])).unwrap();
        assert_eq!(old.newer_digest, Some("sha256:p2"));
        assert_eq!(idx.attribute(&ids(&["a", "b2", "c"])).unwrap().newer_digest, None);
    }

    #[test]
    fn index_roundtrip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/idx.json");
        assert!(BaseIndex::load(&p).unwrap().bases.is_empty());
        let mut idx = BaseIndex { version: 1, bases: vec![] };
        idx.record("n", "sha256:1", ids(&["a"]), "t");
        idx.save(&p).unwrap();
        assert_eq!(BaseIndex::load(&p).unwrap(), idx);
        fs_err::write(&p, "{").unwrap();
        assert!(BaseIndex::load(&p).unwrap_err().to_string().contains("idx.json"));
        assert!(parse_index(r#"{"version":2,"bases":[]}"#).is_err());
    }
}
