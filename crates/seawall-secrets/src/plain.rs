//! Plain-text scanning of an in-memory buffer: the engine's candidates turned into findings at their
//! line and column. Shared by whole-file scans (`scan`), notebook cells (`notebook`) and image
//! configuration values (`image`), so that none of them depends on another.

use seawall_core::{Finding, Location};

use crate::candidate::Candidate;
use crate::emit::{self, LineCursor};
use crate::engine::{self, Hint};
use crate::generic::Syntax;

/// The lower-cased file name of `path` (detectors use it as a hint).
pub(crate) fn file_name_lower(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase()
}

/// Scans a buffer as plain text with an explicit syntax family.
pub(crate) fn scan_plain(path: &str, layer: Option<u32>, bytes: &[u8], syntax: Syntax) -> Vec<Finding> {
    let Some(e) = engine::engine() else {
        return Vec::new();
    };
    let name = file_name_lower(path);
    let cands = e.scan(bytes, Hint { syntax, file_name: &name });
    let mut cursor = LineCursor::default();
    let mut out = Vec::with_capacity(cands.len());
    for c in &cands {
        cursor.advance(bytes, 0, c.secret.start);
        if let Some(f) = emit_at(c, bytes, path, layer, &cursor) {
            out.push(f);
        }
    }
    out
}

/// One candidate of `buf` as a finding at the cursor's line and column.
pub(crate) fn emit_at(
    c: &Candidate,
    buf: &[u8],
    path: &str,
    layer: Option<u32>,
    cursor: &LineCursor,
) -> Option<Finding> {
    let secret = buf.get(c.secret.clone())?;
    let loc = Location::file(path).with_layer(layer).with_line(cursor.line()).with_column(cursor.column());
    emit::finding(c, secret, loc)
}
