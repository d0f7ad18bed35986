//! # seawall-docker — live Docker hosts
//!
//! * [`connect`] — the Engine client (bollard: unix socket, `DOCKER_HOST`, TLS with
//!   `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`).
//! * [`live`] — a container as `docker inspect` describes it ([`LiveContainer`]), built from the inspect
//!   JSON, and a network ([`LiveNetwork`]).
//! * [`audit`] — `seawall audit docker`: the daemon (`GET /info`, daemon.json when readable, the dockerd
//!   command line) checked with the CIS 2.x rules and every container checked with the same CIS 5.x
//!   rules seawall applies to compose files (`seawall-config`), plus the live-only `SW-LIVE-*` rules
//!   (declared in `seawall_config::live`); findings name the container.
//! * [`graph`] — the live network segmentation graph, drawn by the compose graph renderers.
//!
//! The long-running monitor agent (events, drift, alerts, metrics) is the `seawall-monitor` crate, built
//! on [`connect`], [`LiveContainer`] and [`audit::check_container`]. This crate does not print: problems
//! end up in the report's warnings or in a [`DockerError`].
//!
//! ```
//! use seawall_docker::{LiveContainer, audit::check_container};
//! let inspect = serde_json::json!({"Id": "1", "Name": "/nb", "State": {"Running": true},
//!     "HostConfig": {"Privileged": true}});
//! let c = LiveContainer::from_inspect(&inspect);
//! assert!(check_container(&c).iter().any(|f| f.id == "SW-CTR-001"));
//! ```
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod audit;
mod client;
mod error;
pub mod graph;
pub mod live;

pub use client::connect;
pub use error::DockerError;
pub use live::{LiveContainer, LiveMount, LiveNetwork, LivePort};
