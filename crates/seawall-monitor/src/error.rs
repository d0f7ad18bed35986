use thiserror::Error;

use seawall_docker::DockerError;

/// Errors of the monitor agent.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MonitorError {
    /// The HTTP server for `/metrics` could not start.
    #[error("cannot listen on {addr}: {message}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        message: String,
    },
    /// The report spool (`--report-to`) cannot be opened.
    #[error(transparent)]
    Spool(#[from] crate::spool::SpoolError),
    /// Talking to the Docker Engine failed.
    #[error(transparent)]
    Docker(#[from] DockerError),
}
