//! Where per-layer facts are cached: the local [`LayerCache`] directory or another backend (the fleet
//! keeps one in PostgreSQL, shared by every worker).

use std::io;

use crate::{LayerCache, LayerWalk};

/// A cache of [`LayerWalk`]s by cache key (see [`crate::cache_key`]).
///
/// Implementations treat anything unreadable or corrupt as a miss. [`LayerStore::lock`] lets a
/// shared backend make one scanner walk a layer while the others wait for its entry (a base layer
/// shared by many images is then walked once for the whole fleet); the local directory does not lock.
pub trait LayerStore: Send + Sync {
    /// The cached walk for `key`, if present and intact.
    fn get(&self, key: &str) -> Option<LayerWalk>;
    /// Stores a complete walk under `key`.
    fn put(&self, key: &str, walk: &LayerWalk) -> io::Result<()>;
    /// Takes an exclusive lock on `key` until the returned guard is dropped; `None` when the backend
    /// does not lock (then concurrent scanners may both walk the layer).
    fn lock(&self, _key: &str) -> Option<Box<dyn Send>> {
        None
    }
    /// Names the backend in warnings (`the layer cache in DIR`).
    fn describe(&self) -> String;
}

impl LayerStore for LayerCache {
    fn get(&self, key: &str) -> Option<LayerWalk> {
        LayerCache::get(self, key)
    }

    fn put(&self, key: &str, walk: &LayerWalk) -> io::Result<()> {
        LayerCache::put(self, key, walk)
    }

    fn describe(&self) -> String {
        format!("the layer cache in {}", self.dir().display())
    }
}
