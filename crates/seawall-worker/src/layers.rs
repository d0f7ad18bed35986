//! The fleet-wide layer cache: per-layer facts in PostgreSQL, shared by every worker.
//!
//! Entries are keyed on the layer blob's digest (which the registry source verifies on the bytes it
//! reads) plus analyzer versions and options, so one image cannot poison another's facts. A fleet-wide
//! advisory lock per key makes one worker walk a layer while the others wait for its entry: a base
//! layer shared by every image is walked once for the whole fleet.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use seawall_store::Store;
use seawall_walker::{LayerStore, LayerWalk};

/// A [`LayerStore`] on the fleet database. Called from the scan's blocking threads; it runs the
/// database calls on the worker's runtime.
pub struct SharedLayerCache {
    store: Store,
    rt: tokio::runtime::Handle,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for SharedLayerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedLayerCache").field("hits", &self.hits).field("misses", &self.misses).finish()
    }
}

impl SharedLayerCache {
    /// A cache on `store`, running queries on `rt`.
    pub fn new(store: Store, rt: tokio::runtime::Handle) -> Self {
        SharedLayerCache { store, rt, hits: AtomicU64::new(0), misses: AtomicU64::new(0) }
    }

    /// (hits, misses) of this process.
    pub fn counts(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }
}

/// Holds a key's advisory lock; released (asynchronously) when dropped.
struct Guard {
    lock: Option<seawall_store::CacheLock>,
    rt: tokio::runtime::Handle,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(lock) = self.lock.take() {
            self.rt.spawn(async move {
                // A failed unlock (connection lost) releases the lock with the connection.
                let _ = lock.release().await;
            });
        }
    }
}

impl LayerStore for SharedLayerCache {
    fn get(&self, key: &str) -> Option<LayerWalk> {
        let bytes = self.rt.block_on(self.store.layer_cache_get(key)).ok().flatten();
        let walk = bytes.and_then(|b| serde_json::from_slice::<LayerWalk>(&b).ok());
        match walk {
            Some(_) => self.hits.fetch_add(1, Ordering::Relaxed),
            None => self.misses.fetch_add(1, Ordering::Relaxed),
        };
        walk
    }

    fn put(&self, key: &str, walk: &LayerWalk) -> io::Result<()> {
        let bytes = serde_json::to_vec(walk).map_err(io::Error::other)?;
        self.rt.block_on(self.store.layer_cache_put(key, &bytes)).map_err(io::Error::other)
    }

    fn lock(&self, key: &str) -> Option<Box<dyn Send>> {
        // Without the lock (database unavailable) the scan walks the layer itself: slower, not wrong.
        let lock = self.rt.block_on(self.store.layer_cache_lock(key)).ok()?;
        Some(Box::new(Guard { lock: Some(lock), rt: self.rt.clone() }))
    }

    fn describe(&self) -> String {
        "the shared layer cache in PostgreSQL".into()
    }
}
