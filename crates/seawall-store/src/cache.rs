//! The shared per-layer fact cache: serialized layer walks keyed like the local cache (verified
//! layer digest, analyzer names and versions, options), zstd-compressed, with a SHA-256 of their
//! content (a tampered or corrupt entry is a miss and is deleted).

use sha2::{Digest, Sha256};

use crate::results::{compress, decompress};
use crate::{Store, StoreError, sql};

/// Entries larger than this (uncompressed) are not shared: one layer's facts are normally KiBs.
pub const MAX_ENTRY_BYTES: usize = 64 << 20;

/// Cache figures for `/metrics`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CacheStats {
    /// Entries.
    pub entries: i64,
    /// Hits served since the entries were written.
    pub hits: i64,
    /// Compressed bytes stored.
    pub bytes: i64,
    /// Walks of a layer that already had an entry (two scanners walked the same layer).
    pub duplicate_walks: i64,
}

/// The advisory-lock id of a cache key (first 8 bytes of its SHA-256).
fn lock_id(key: &str) -> i64 {
    let h = Sha256::digest(key.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[..8]);
    i64::from_be_bytes(b)
}

/// A held per-key lock (a dedicated pooled connection holding `pg_advisory_lock`). Dropping it
/// without [`CacheLock::release`] closes nothing: the connection goes back to the pool still holding
/// the lock, so always release; a worker that dies releases by losing its connection.
pub struct CacheLock {
    client: deadpool_postgres::Object,
    id: i64,
}

impl CacheLock {
    /// Releases the lock.
    pub async fn release(self) -> Result<(), StoreError> {
        self.client.execute(sql::CACHE_UNLOCK, &[&self.id]).await?;
        Ok(())
    }
}

impl Store {
    /// The cached walk bytes for `key`, if present and intact (counts a hit).
    pub async fn layer_cache_get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let c = self.client().await?;
        let Some(row) = c.query_opt(sql::CACHE_GET, &[&key]).await? else {
            return Ok(None);
        };
        let blob: Vec<u8> = row.get(0);
        let sha: String = row.get(1);
        match decompress(&blob, &sha) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(_) => {
                c.execute(sql::CACHE_DELETE, &[&key]).await?;
                Ok(None)
            }
        }
    }

    /// Stores walk bytes under `key` (the first writer wins; entries are immutable).
    pub async fn layer_cache_put(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        if bytes.len() > MAX_ENTRY_BYTES {
            return Ok(());
        }
        let sha = hex::encode(Sha256::digest(bytes));
        let blob = compress(bytes)?;
        let size = i32::try_from(blob.len()).unwrap_or(i32::MAX);
        let c = self.client().await?;
        c.execute(sql::CACHE_PUT, &[&key, &blob, &sha, &size]).await?;
        Ok(())
    }

    /// Takes the fleet-wide lock of a cache key, so that one worker walks a layer while the others
    /// wait for its entry instead of walking it too.
    pub async fn layer_cache_lock(&self, key: &str) -> Result<CacheLock, StoreError> {
        let client = self.client().await?;
        let id = lock_id(key);
        client.execute(sql::CACHE_LOCK, &[&id]).await?;
        Ok(CacheLock { client, id })
    }

    /// Removes entries unused for `days` days; returns how many.
    pub async fn layer_cache_evict(&self, days: i32) -> Result<u64, StoreError> {
        let c = self.client().await?;
        Ok(c.execute(sql::CACHE_EVICT, &[&days]).await?)
    }

    /// Entry count, total hits and stored bytes.
    pub async fn layer_cache_stats(&self) -> Result<CacheStats, StoreError> {
        let c = self.client().await?;
        let r = c.query_one(sql::CACHE_STATS, &[]).await?;
        Ok(CacheStats { entries: r.get(0), hits: r.get(1), bytes: r.get(2), duplicate_walks: r.get(3) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_ids_differ_per_key() {
        assert_eq!(lock_id("a"), lock_id("a"));
        assert_ne!(lock_id("a"), lock_id("b"));
    }
}
