//! # seawall-walker — read every layer once, streamed, never unpacked
//!
//! The walker owns the bytes. It takes a layer blob (gzip, zstd or plain tar — sniffed from the first
//! bytes, never trusted from a media type) or a directory, walks every entry exactly once, asks each
//! [`FileAnalyzer`] whether it wants the entry (path first, then the first
//! bytes), and feeds the content to the analyzers that do — one reader for one analyzer, one in-memory
//! buffer for several analyzers of a small file, a bounded channel tee for several analyzers of a large
//! file. Nothing is written to disk.
//!
//! Main types and functions:
//! * [`Walker`] — analyzers + [`WalkLimits`]; [`Walker::walk_layer`] and [`Walker::walk_dir`].
//! * [`LayerWalk`] — the facts of one layer plus its [`LayerPaths`] (present paths, whiteouts, opaque
//!   directories) and [`LayerStats`].
//! * [`squash()`] — applies whiteouts and overwrites of later layers to the *facts* (not to a tree):
//!   the result keeps live packages, OS info and captured files, and keeps secrets and model findings of
//!   deleted files with `deleted_in_layer` set.
//! * [`LayerDigests`] — the blob digest and diff_id of a layer, computed on every byte read in the walk
//!   itself; the caller compares them with what the manifest and config claim.
//! * [`LayerCache`] — per-layer facts keyed by the *verified* blob digest, analyzer names and
//!   versions, and options; entries carry a digest of their own content (a tampered or truncated
//!   entry is a miss), are bounded in total size (least recently used evicted first) and are safe for
//!   concurrent processes (write to a unique file, then rename).
//! * [`LayerStore`] — the cache backend trait ([`LayerCache`] is the local one; fleet mode adds a
//!   PostgreSQL one shared by every worker).
//!
//! Layers are read as the runtimes apply them (the semantics of Go's `archive/tar`: PAX and
//! GNU sparse files expanded, header-only entries without data, names resolved through the layer's
//! own symlinks and clamped at the root — see the `path` and `tar` modules).
//!
//! The walker knows nothing about where blobs come from (`seawall-source`) or what analyzers exist
//! (`seawall-scan` builds the registry).
//!
//! ```
//! use seawall_walker::{Walker, WalkLimits};
//! let walker = Walker::new(Vec::new(), WalkLimits::default());
//! // An empty (but valid) tar: two zero blocks.
//! let tar = vec![0u8; 1024];
//! let walk = walker.walk_layer(0, &mut &tar[..]);
//! assert!(walk.facts.warnings.is_empty());
//! assert_eq!(walk.stats.entries, 0);
//! ```
#![deny(missing_docs)]

mod cache;
mod decompress;
mod dir;
mod dispatch;
mod layer;
mod path;
pub mod sparse;
mod squash;
mod store;
mod tar;

pub use cache::{
    CacheInfo, DEFAULT_MAX_BYTES, LayerCache, blob_digest, cache_key, decode_cache_entry,
    decode_framed_cache_body,
};
pub use decompress::LayerDigests;
pub use dir::{DirOptions, DirWalk, SKIP_DIRS};
pub use layer::{LayerPaths, LayerStats, LayerWalk};
pub use path::normalize_tar_path;
pub use squash::{Squashed, squash};
pub use store::LayerStore;
pub use tar::{TarListing, list_tar};

use seawall_analyzer::FileAnalyzer;

/// Bounds that keep a walk safe on hostile input. Exceeding one yields a warning, never a crash.
#[derive(Debug, Clone)]
pub struct WalkLimits {
    /// Files up to this size wanted by several analyzers are read once into memory and shared.
    pub shared_buffer_max: u64,
    /// Maximum ratio of uncompressed to compressed bytes of a layer (checked past `ratio_check_after`).
    pub max_ratio: u64,
    /// Uncompressed bytes after which the ratio check starts.
    pub ratio_check_after: u64,
    /// Maximum uncompressed size of one layer.
    pub max_layer_bytes: u64,
    /// Maximum number of entries in one layer.
    pub max_entries: u64,
    /// Maximum uncompressed bytes of all layers walked by one [`Walker`] (one scan), sparse-file holes
    /// included. A blob referenced by several layers counts once when the caller walks it once.
    pub max_scan_bytes: u64,
}

impl Default for WalkLimits {
    fn default() -> Self {
        WalkLimits {
            shared_buffer_max: 64 * 1024 * 1024,
            max_ratio: 1000,
            ratio_check_after: 512 * 1024 * 1024,
            max_layer_bytes: 256 * 1024 * 1024 * 1024,
            max_entries: 10_000_000,
            max_scan_bytes: 512 * 1024 * 1024 * 1024,
        }
    }
}

/// Walks layers and directories with a fixed set of analyzers. One walker per scan: its budget of
/// uncompressed bytes ([`WalkLimits::max_scan_bytes`]) is shared by every layer it walks.
pub struct Walker {
    analyzers: Vec<Box<dyn FileAnalyzer>>,
    limits: WalkLimits,
    budget: decompress::Budget,
}

impl Walker {
    /// A walker over the given analyzers.
    pub fn new(analyzers: Vec<Box<dyn FileAnalyzer>>, limits: WalkLimits) -> Self {
        let budget = decompress::Budget::new(limits.max_scan_bytes);
        Walker { analyzers, limits, budget }
    }

    /// Uncompressed bytes walked so far (all layers).
    pub fn bytes_walked(&self) -> u64 {
        self.budget.used()
    }

    /// True once the scan's budget of uncompressed bytes is spent.
    pub fn budget_spent(&self) -> bool {
        self.budget.used() > self.limits.max_scan_bytes
    }

    /// The analyzers, in registration order.
    pub fn analyzers(&self) -> &[Box<dyn FileAnalyzer>] {
        &self.analyzers
    }

    /// The limits in force.
    pub fn limits(&self) -> &WalkLimits {
        &self.limits
    }
}
