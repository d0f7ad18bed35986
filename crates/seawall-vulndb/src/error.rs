use std::path::PathBuf;

/// Errors of the vulnerability database: opening, importing, updating, querying.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// SQLite failed on the database file.
    #[error("vulnerability database {path}: {source}")]
    Sqlite {
        /// Database file.
        path: PathBuf,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A zip archive could not be read.
    #[error("{path}: not a readable zip archive: {message}")]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A record could not be parsed.
    #[error("{path}: invalid OSV record: {message}")]
    Record {
        /// File (or `archive!member`).
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The database was written by a newer or incompatible seawall.
    #[error("vulnerability database {path}: schema version {found}, expected {expected}")]
    Schema {
        /// Database file.
        path: PathBuf,
        /// Schema version found.
        found: String,
        /// Schema version this build writes.
        expected: u32,
    },
    /// A download failed (connection, HTTP status, truncated body).
    #[error("download {url}: {message}")]
    Download {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A downloaded file failed verification (checksum, size, zip structure).
    #[error("verification of {url} failed: {message}")]
    Verify {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The database file is not a readable, intact seawall database (garbage, empty, truncated, zeroed
    /// pages): matching against it could silently miss advisories.
    #[error(
        "vulnerability database {path} is corrupt ({message}): delete it and run `seawall db update` \
         (or `seawall db import PATH`) to rebuild it"
    )]
    Corrupt {
        /// Database file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The import source is neither a zip, a directory, a JSON nor a YAML file.
    #[error("{path}: unsupported import source (expected a .zip, a directory, .json or .yaml)")]
    UnsupportedSource {
        /// The path.
        path: PathBuf,
    },
}

impl DbError {
    pub(crate) fn sqlite(path: &std::path::Path) -> impl FnOnce(rusqlite::Error) -> DbError + '_ {
        move |source| DbError::Sqlite { path: path.to_path_buf(), source }
    }

    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> DbError + '_ {
        move |source| DbError::Io { path: path.to_path_buf(), source }
    }
}
