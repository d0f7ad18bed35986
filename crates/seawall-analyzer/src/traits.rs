use std::io::Read;

use seawall_core::{ImageConfig, OsInfo, Package, Target};

use crate::{AnalyzerError, CapturedFile, EntryMeta, Facts};

/// How many leading bytes the walker shows to [`FileAnalyzer::required_by_content`].
pub const SNIFF_LEN: usize = 512;

/// Default cap on the size of a file an analyzer reads (64 MiB).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// The answer to [`FileAnalyzer::required`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interest {
    /// Not interested.
    No,
    /// Interested: call `analyze` with the content (for non-regular entries, with an empty reader).
    Yes,
    /// Undecided from the path: show me the first [`SNIFF_LEN`] bytes
    /// ([`FileAnalyzer::required_by_content`]). Only meaningful for regular files.
    Sniff,
}

/// A per-file analyzer.
///
/// Contract:
/// * `required` looks only at the [`EntryMeta`] (string comparisons on the path, size, mode): it is
///   called for every entry of every layer and must be cheap.
/// * `analyze` receives a reader over the file's content. Files larger than [`FileAnalyzer::max_size`]
///   are not offered unless [`FileAnalyzer::streams`] is true, in which case the reader streams the file
///   and the analyzer must keep its memory bounded. Skipped files are reported as warnings by the walker.
/// * Errors become warnings naming the analyzer, path and layer; facts pushed before the error are kept.
/// * Never executes, loads or unpacks anything; never follows symlinks.
pub trait FileAnalyzer: Send + Sync {
    /// Unique, stable, kebab-case name (`dpkg`, `python-dist`, `secrets`, `pickle`, …).
    fn name(&self) -> &'static str;

    /// Bumped whenever the analyzer's output for the same input changes (feeds the cache key).
    fn version(&self) -> u32;

    /// Cheap prefilter on path/size/mode.
    fn required(&self, meta: &EntryMeta<'_>) -> Interest;

    /// Second-stage prefilter on the first [`SNIFF_LEN`] bytes (or fewer for short files), called only
    /// when `required` answered [`Interest::Sniff`].
    fn required_by_content(&self, _meta: &EntryMeta<'_>, _head: &[u8]) -> bool {
        false
    }

    /// Largest file this analyzer wants in one piece.
    fn max_size(&self) -> u64 {
        DEFAULT_MAX_FILE_SIZE
    }

    /// True if the analyzer can consume files of any size as a stream with bounded memory.
    fn streams(&self) -> bool {
        false
    }

    /// Reads the file and records facts.
    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        out: &mut Facts,
    ) -> Result<(), AnalyzerError>;
}

/// The squashed view of a whole target, given to [`ImageAnalyzer`]s after the walk.
#[derive(Debug, Clone, Copy)]
pub struct ImageView<'a> {
    /// The target being scanned.
    pub target: &'a Target,
    /// Image configuration and history (images only).
    pub config: Option<&'a ImageConfig>,
    /// OS of the final image, if recognised.
    pub os: Option<&'a OsInfo>,
    /// Captured small files still present in the final image (whiteouts applied).
    pub files: &'a [CapturedFile],
    /// The squashed package inventory.
    pub packages: &'a [Package],
}

impl ImageView<'_> {
    /// The captured file at a path (display path, e.g. `/etc/passwd`), if present in the final image.
    pub fn file(&self, path: &str) -> Option<&CapturedFile> {
        let want = path.trim_start_matches('/');
        self.files.iter().find(|f| f.location.path.trim_start_matches('/') == want)
    }
}

/// A whole-target analyzer, run once after the walk on the squashed view.
pub trait ImageAnalyzer: Send + Sync {
    /// Unique, stable, kebab-case name.
    fn name(&self) -> &'static str;

    /// Bumped whenever output changes.
    fn version(&self) -> u32;

    /// Analyzes the view and records facts.
    fn analyze(&self, view: &ImageView<'_>, out: &mut Facts) -> Result<(), AnalyzerError>;
}
