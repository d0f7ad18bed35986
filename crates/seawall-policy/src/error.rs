use std::path::PathBuf;

use thiserror::Error;

/// Errors raised while loading policy inputs (`seawall.toml`, `.seawallignore`, VEX, baselines).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `seawall.toml` is not valid TOML or does not match the documented shape.
    #[error("invalid seawall.toml {}: {message}", path.display())]
    Config {
        /// The file (`<string>` when parsed from memory).
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A line of a `.seawallignore` file could not be understood.
    #[error("{}:{line}: {message}", path.display())]
    IgnoreLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A VEX document is not an OpenVEX JSON document.
    #[error("invalid OpenVEX document {}: {message}", path.display())]
    Vex {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A baseline file is not a seawall JSON report.
    #[error("invalid baseline report {}: {message}", path.display())]
    Baseline {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

pub(crate) fn read_to_string(path: &std::path::Path) -> Result<String, PolicyError> {
    fs_err::read_to_string(path).map_err(|source| PolicyError::Io { path: path.to_path_buf(), source })
}
