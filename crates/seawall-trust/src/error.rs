//! Errors: things that stop a verification from being carried out at all (a file that cannot be read,
//! a trusted root or key that does not parse). A signature that does not verify is not an error but a
//! [`crate::Rejection`].

use std::path::PathBuf;

/// An error that prevents verification from running.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A trusted root file does not parse or cannot be used.
    #[error("trusted root {what}: {reason}")]
    TrustedRoot {
        /// Which root (a path or `embedded`).
        what: String,
        /// Why.
        reason: String,
    },
    /// A public key does not parse.
    #[error("public key {what}: {reason}")]
    Key {
        /// Which key (a path or a policy entry).
        what: String,
        /// Why.
        reason: String,
    },
    /// An identity pattern (regular expression) does not compile.
    #[error("identity pattern {pattern:?}: {reason}")]
    Pattern {
        /// The pattern.
        pattern: String,
        /// Why.
        reason: String,
    },
    /// A base-image index file is corrupt.
    #[error("base index {path}: {reason}")]
    Index {
        /// The index file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A registry could not be asked for signatures, attestations or manifests.
    #[error(transparent)]
    Source(#[from] seawall_source::SourceError),
}

impl TrustError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TrustError::Io { path: path.into(), source }
    }
}
