use thiserror::Error;

/// Why an analyzer could not finish a file. The walker turns it into a [`seawall_core::ScanWarning`]
/// naming the analyzer, the path and the layer; facts pushed before the error are kept.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AnalyzerError {
    /// Reading the content failed (truncated layer, corrupt compression, …).
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
    /// The content is not what the analyzer expected.
    #[error("parse error: {0}")]
    Parse(String),
    /// A declared bound was exceeded (size, depth, count, ratio).
    #[error("limit exceeded: {0}")]
    Limit(String),
}

impl AnalyzerError {
    /// A parse error with a message.
    pub fn parse(msg: impl Into<String>) -> Self {
        AnalyzerError::Parse(msg.into())
    }
}
