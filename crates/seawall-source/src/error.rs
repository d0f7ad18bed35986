//! The error type of every image source.

use std::path::PathBuf;

/// Everything that can go wrong while opening or reading an image.
///
/// Each variant names the file, reference or blob concerned and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The reference string could not be parsed.
    #[error("invalid image reference {reference:?}: {reason}")]
    InvalidReference {
        /// The reference as given.
        reference: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A reference form that this build does not support.
    #[error("unsupported image reference {reference:?}: {reason}")]
    Unsupported {
        /// The reference as given.
        reference: String,
        /// Why it is not supported.
        reason: String,
    },
    /// An I/O error on a local file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An I/O error while reading a stream (a blob, a member, an HTTP body).
    #[error("reading {what}: {source}")]
    Read {
        /// What was being read.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A structurally invalid archive, layout or document.
    #[error("{what}: {reason}")]
    Malformed {
        /// The file, member or document concerned.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// A JSON document that could not be parsed.
    #[error("{what}: invalid JSON: {source}")]
    Json {
        /// The document concerned.
        what: String,
        /// The parser error.
        #[source]
        source: serde_json::Error,
    },
    /// The image configuration blob could not be parsed.
    #[error("{what}: invalid image configuration: {source}")]
    Config {
        /// The config blob concerned.
        what: String,
        /// The parser error.
        #[source]
        source: seawall_core::CoreError,
    },
    /// A member or blob that the manifest names is absent.
    #[error("{container}: missing {member}")]
    Missing {
        /// The archive, directory or registry.
        container: String,
        /// The member, blob or manifest that is absent.
        member: String,
    },
    /// An archive member name that would escape the archive (`..`, absolute path).
    #[error("{container}: unsafe path {member:?}")]
    UnsafePath {
        /// The archive or directory.
        container: String,
        /// The offending name.
        member: String,
    },
    /// A blob whose content does not match its digest.
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// The blob concerned.
        what: String,
        /// The digest the manifest promised.
        expected: String,
        /// The digest of the bytes read.
        actual: String,
    },
    /// A document larger than the bound seawall accepts.
    #[error("{what}: larger than the limit of {limit} bytes")]
    TooLarge {
        /// The document concerned.
        what: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// A layer index past the last layer.
    #[error("layer index {index} out of range: the image has {count} layers")]
    NoSuchLayer {
        /// The requested index.
        index: u32,
        /// The number of layers.
        count: usize,
    },
    /// No manifest in the image (index) matches the tag or platform requested.
    #[error("{reference}: no manifest for {wanted} (available: {available})")]
    NoMatchingManifest {
        /// The reference as given.
        reference: String,
        /// The tag or platform requested.
        wanted: String,
        /// What the image offers.
        available: String,
    },
    /// An HTTP request failed or returned an unexpected status.
    #[error("{url}: {reason}")]
    Http {
        /// The URL requested (credentials never included).
        url: String,
        /// The status or transport error.
        reason: String,
    },
    /// Registry authentication failed.
    #[error("{registry}: authentication failed: {reason}")]
    Auth {
        /// The registry host.
        registry: String,
        /// What went wrong.
        reason: String,
    },
    /// The Docker Engine API failed.
    #[error("docker engine ({endpoint}): {reason}")]
    Docker {
        /// The socket or host used.
        endpoint: String,
        /// What went wrong.
        reason: String,
    },
    /// An error returned by a layer consumer (the `stream_layers` callback).
    #[error("layer {index}: {message}")]
    Consumer {
        /// The layer being consumed.
        index: u32,
        /// The consumer's message.
        message: String,
    },
}

/// Renders an error with all its sources (`reqwest` errors say little on their own).
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let msg = c.to_string();
        if !s.contains(&msg) {
            s.push_str(": ");
            s.push_str(&msg);
        }
        cur = c.source();
    }
    s
}

impl SourceError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SourceError::Io { path: path.into(), source }
    }

    pub(crate) fn malformed(what: impl Into<String>, reason: impl Into<String>) -> Self {
        SourceError::Malformed { what: what.into(), reason: reason.into() }
    }
}
