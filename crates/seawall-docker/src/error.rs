use thiserror::Error;

/// Errors talking to the Docker Engine.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DockerError {
    /// Could not connect (socket missing, permission denied, TLS files unreadable).
    #[error("cannot connect to the Docker Engine at {endpoint}: {message}")]
    Connect {
        /// The endpoint tried.
        endpoint: String,
        /// Why.
        message: String,
    },
    /// An API call failed.
    #[error("Docker Engine API {call}: {message}")]
    Api {
        /// The call (`GET /info`, `inspect abc`, …).
        call: String,
        /// Why.
        message: String,
    },
}
