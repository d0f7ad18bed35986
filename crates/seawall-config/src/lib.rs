//! Configuration checks.
#![deny(missing_docs)]

#[macro_use]
mod catalog;
pub mod compose;
pub mod container;
pub mod daemon;
pub mod dockerfile;
mod emit;
pub mod k8s;
mod mlexpose;
mod secretname;
mod shell;
pub mod tables;
mod yaml;

pub use catalog::{RULES, rule};
pub use compose::{ComposeGraph, check_compose, compose_graph};
pub use container::{ContainerSpec, MountSpec, PortSpec, check_container};
pub use dockerfile::check_dockerfile;
pub use k8s::{check_k8s, check_k8s_documents};
pub use yaml::YamlError;

/// Options of the configuration checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigOptions {
    /// Registries base images may come from (`docker.io`, `registry.example.com/mirror`); empty
    /// disables `SW-DF-007`.
    pub allowed_registries: Vec<String>,
    /// The date (`YYYY-MM-DD`) used for end-of-life decisions; `None` means today (UTC).
    pub today: Option<String>,
}
