use thiserror::Error;

/// Errors raised while parsing vocabulary values from strings or documents.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A severity name that is not one of CRITICAL, HIGH, MEDIUM, LOW, INFO.
    #[error("unknown severity {0:?} (expected one of CRITICAL, HIGH, MEDIUM, LOW, INFO)")]
    UnknownSeverity(String),
    /// A scanner name that is not one of inventory, vuln, secret, model, config.
    #[error("unknown scanner {0:?} (expected inventory, vuln, secret, model, config)")]
    UnknownScanner(String),
    /// A model verdict that is not one of safe, suspicious, unsafe, unscannable.
    #[error("unknown model verdict {0:?} (expected safe, suspicious, unsafe, unscannable)")]
    UnknownVerdict(String),
    /// An image configuration JSON document that could not be parsed.
    #[error("invalid image configuration: {0}")]
    ImageConfig(#[from] serde_json::Error),
}
