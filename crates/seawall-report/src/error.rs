use thiserror::Error;

/// Errors raised while rendering a report.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Writing the output failed.
    #[error("cannot write the {format} report: {source}")]
    Io {
        /// The format being written.
        format: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Serializing JSON failed.
    #[error("cannot serialize the {format} report: {source}")]
    Json {
        /// The format being written.
        format: &'static str,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// A template failed to render (a bug in seawall).
    #[error("cannot render the {format} template: {source}")]
    Template {
        /// The format being written.
        format: &'static str,
        /// The underlying error.
        source: minijinja::Error,
    },
    /// `SOURCE_DATE_EPOCH` is set but is not a number of seconds.
    #[error("SOURCE_DATE_EPOCH={0:?} is not a Unix timestamp in seconds")]
    SourceDateEpoch(String),
    /// An unknown `--format` name.
    #[error(
        "unknown report format {0:?} (expected one of table, json, cyclonedx, spdx, sarif, html, markdown)"
    )]
    UnknownFormat(String),
}

impl ReportError {
    pub(crate) fn io(format: &'static str) -> impl FnOnce(std::io::Error) -> ReportError {
        move |source| ReportError::Io { format, source }
    }

    pub(crate) fn json(format: &'static str) -> impl FnOnce(serde_json::Error) -> ReportError {
        move |source| ReportError::Json { format, source }
    }
}
