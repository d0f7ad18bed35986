//! # seawall-monitor — the long-running monitor agent (`seawall monitor`)
//!
//! * [`monitor`] — [`run`] subscribes to the Docker Engine's event stream (health-pinged, resumed with
//!   `since` after an outage so that no event is lost), audits each container on start with
//!   `seawall_docker::audit::check_container`, optionally scans its image through an injected
//!   [`ImageScanner`], and samples processes and listening sockets on an interval.
//! * [`drift`] — a [`Baseline`] learned from the image (entrypoint, command) and the first seconds of the
//!   container; each [`Sample`] is compared with it and every new behaviour is one [`DriftAlert`].
//! * [`procfs`] / [`procnet`] — processes of the container's cgroup and listeners from
//!   `/proc/PID/net/tcp*` (read only when `sockstat` shows sockets); the Engine's `top` is the fallback.
//! * [`alerts`] — [`Alert`]s are handed to the [`Logger`] and POSTed to a webhook with backoff
//!   ([`AlertSink`]); [`log`] — the [`LogEvent`]s the agent reports instead of printing.
//! * [`report`] / [`spool`] — `--report-to`: every alert and host audit is an [`AgentRecord`] with a
//!   sequence number, durably spooled on disk ([`Spool`]) and delivered in order to the fleet
//!   service, which deduplicates on (host, sequence number).
//! * [`metrics`] / [`server`] — Prometheus [`Metrics`] on `/metrics` and `/healthz` (axum).
//!
//! Relation to siblings: the Docker client and the container checks come from `seawall-docker`; the
//! image scan is injected by the CLI so that this crate does not depend on the scan pipeline.
//!
//! ```
//! use seawall_monitor::{Baseline, Sample};
//! let mut b = Baseline::from_image(&[], &["python".to_string()]);
//! assert!(b.detect(&Sample::default()).is_empty());
//! ```
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod alerts;
#[cfg(test)]
mod deploy_tests;
pub mod drift;
mod error;
pub mod log;
pub mod metrics;
pub mod monitor;
pub mod procfs;
pub mod procnet;
pub mod report;
mod sampler;
pub mod server;
pub mod spool;

pub use alerts::{Alert, AlertSink};
pub use drift::{Baseline, DriftAlert, DriftKind, Process, Sample};
pub use error::MonitorError;
pub use log::{LogEvent, Logger};
pub use metrics::Metrics;
pub use monitor::{ImageScanner, MonitorOptions, run};
pub use procnet::{Listener, parse_proc_net_tcp};
pub use report::{AgentBatch, AgentContainer, AgentRecord, BatchAck, RecordBody, ReportOptions, Reporter};
pub use spool::{Spool, SpoolError};
