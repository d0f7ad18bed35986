use thiserror::Error;

/// Why a secret scan could not complete.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SecretsError {
    /// Reading the content failed.
    #[error("{path}: read error at byte {offset}: {source}")]
    Read {
        /// The file being scanned.
        path: String,
        /// Bytes successfully read before the error.
        offset: u64,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The detector set failed to compile (a bug in seawall).
    #[error("secret detectors failed to build: {0}")]
    Engine(String),
}
