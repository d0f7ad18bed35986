//! # seawall-docker — live Docker hosts
//!
//! * [`audit`] — `seawall audit docker`: the daemon (`GET /info`, daemon.json when readable) and every
//!   container (`docker inspect` → [`LiveContainer`]) checked with the same CIS rules seawall applies to
//!   compose files; findings name the container.
//! * [`monitor`] — `seawall monitor`: subscribes to the Engine's event stream (reconnecting without losing
//!   events), audits each container on start, samples processes and listening sockets on an interval and
//!   compares them with a [`Baseline`] learned from the image and the first seconds of the container
//!   ([`drift`]), raises [`Alert`]s (structured log lines and a webhook), and serves Prometheus
//!   [`Metrics`] on `/metrics` plus `/healthz`.
//!
//! Client: bollard (unix socket, `DOCKER_HOST`, TLS with `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`).
//!
//! ```
//! use seawall_docker::{Baseline, Sample};
//! let mut b = Baseline::from_image(&[], &["python".to_string()]);
//! assert!(b.detect(&Sample::default()).is_empty());
//! ```
#![deny(missing_docs)]

pub mod alerts;
pub mod audit;
mod client;
#[cfg(test)]
mod deploy_tests;
pub mod drift;
mod error;
pub mod graph;
pub mod live;
pub mod metrics;
pub mod monitor;
pub mod procfs;
pub mod procnet;
mod sampler;
pub mod server;

pub use alerts::{Alert, AlertSink};
pub use client::connect;
pub use drift::{Baseline, DriftAlert, DriftKind, Process, Sample};
pub use error::DockerError;
pub use live::{LiveContainer, LiveMount, LivePort};
pub use metrics::Metrics;
pub use procnet::{Listener, parse_proc_net_tcp};
