use thiserror::Error;

/// Why a scan could not run at all. Partial failures (a corrupt layer, an unreadable file, an analyzer
/// error, a missing vulnerability DB) are not errors: they are warnings and scanner statuses in the
/// report, which then says it is incomplete. A *corrupt* database file the user pointed at is an error:
/// matching against it could silently miss advisories, and the fix (rebuild it) is the user's.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The image could not be opened or its metadata read.
    #[error(transparent)]
    Source(#[from] seawall_source::SourceError),
    /// The path to scan does not exist or is not readable.
    #[error("{path}: {message}")]
    Path {
        /// The path given.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The vulnerability database exists but is corrupt.
    #[error(transparent)]
    Database(#[from] seawall_vulndb::DbError),
    /// Unknown scanner name in `--scanners`.
    #[error(
        "unknown scanner {0:?} (expected a comma-separated list of: inventory, vuln, secret, model, config)"
    )]
    UnknownScanner(String),
}
