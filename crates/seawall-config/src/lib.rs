//! # seawall-config — configuration checks with one rule catalog
//!
//! Checks Dockerfiles, built-image configuration, docker-compose files (with a network-segmentation
//! graph), Kubernetes manifests and Docker daemon / NVIDIA runtime configuration against one catalog
//! of rules ([`RULES`], kind `misconfiguration`, ids `SW-DF-*`, `SW-ML-*`, `SW-IMG-*`, `SW-CTR-*`,
//! `SW-COMPOSE-*`, `SW-K8S-*`, `SW-DAEMON-*`). Every finding carries its seed practice and, for
//! files, the line and column of the offending instruction or key; absent things (no USER, no
//! HEALTHCHECK, no default-deny policy) are file-level findings.
//!
//! Main entry points:
//! * [`scan_config_path`] — `seawall scan config PATH` on a file or tree.
//! * [`file_analyzer`] (`config-files`) and [`image_analyzer`] (`image-config`) — the
//!   `seawall_analyzer` plug-ins used by `scan image` / `scan fs` / `scan config`. The file analyzer
//!   checks each file and captures Kubernetes manifests and `/etc/passwd|group|shadow` into
//!   `Facts.files`; the image analyzer then judges the image config, accounts and NetworkPolicy
//!   coverage *across* manifests. Build them with options via [`ConfigFileAnalyzer::new`] /
//!   [`ImageConfigAnalyzer::new`].
//! * [`compose_graph`] / [`compose_graph_path`] → [`ComposeGraph`], rendered with
//!   [`ComposeGraph::render`] in a [`GraphFormat`] (DOT, Mermaid, SVG) — `seawall graph PATH` and the
//!   HTML report.
//! * [`ContainerSpec`] + [`check_container`] — CIS Docker Benchmark section 5 rules on one container,
//!   shared by compose services and (issue 8) live `docker inspect` data.
//! * Per-format checks: [`check_dockerfile`], [`check_compose`], [`check_k8s`] /
//!   [`check_k8s_documents`] / [`check_k8s_file`] + [`check_netpol_coverage`], [`daemon`] (daemon.json,
//!   dockerd flags, file modes, NVIDIA runtime and toolkit), [`image`] (image config, accounts).
//! * [`live`] — the live-only rules (`SW-LIVE-*`) that `seawall-docker` checks on running containers,
//!   declared here so that the catalog lists them without a Docker client.
//! * [`tables`] — the end-of-life and NVIDIA toolkit data tables (`data/*.toml`).
//! * [`fuzz`] — one never-panicking entry point per parser.
//!
//! Relation to siblings: builds findings with `seawall-core` types and implements the
//! `seawall-analyzer` traits; `seawall-scan` registers the analyzers and merges [`RULES`] into the
//! global catalog. Secret *values* are `seawall-secrets`' job: this crate only flags secret-looking
//! *names* with literal values.
//!
//! ```
//! use seawall_config::{check_dockerfile, ConfigOptions};
//! use seawall_core::Location;
//!
//! let text = "FROM python:3.12-slim\nRUN curl -fsSL https://example.com/i.sh | sh\nUSER root\n";
//! let (findings, warnings) = check_dockerfile(&Location::file("Dockerfile"), text, &ConfigOptions::default());
//! assert!(warnings.is_empty());
//! let pipe = findings.iter().find(|f| f.id == "SW-DF-010").unwrap();
//! assert_eq!((pipe.location.line, pipe.location.column), (Some(2), Some(5)));
//! assert!(findings.iter().any(|f| f.id == "SW-DF-001" && f.practice == 4));
//! assert!(seawall_config::rule("SW-DF-010").is_some());
//! ```
#![deny(missing_docs)]

mod catalog;
pub mod compose;
pub mod container;
pub mod context;
pub mod daemon;
pub mod dockerfile;
mod emit;
pub mod files;
pub mod fuzz;
mod helm;
pub mod image;
pub mod k8s;
mod kustomize;
pub mod live;
mod mlexpose;
mod project;
mod scan;
mod secretname;
mod shell;
pub mod tables;
mod yaml;

pub use catalog::{RULES, rule};
pub use compose::{
    ComposeGraph, GraphFormat, GraphNetwork, GraphService, ServiceRole, check_compose, compose_graph,
    render_graphs,
};
pub use container::{ContainerSpec, MountSpec, PortSpec, check_container};
pub use dockerfile::check_dockerfile;
pub use files::{ConfigFileAnalyzer, ConfigKind};
pub use image::ImageConfigAnalyzer;
pub use k8s::{check_k8s, check_k8s_documents, check_k8s_file, check_netpol_coverage};
pub use scan::{
    ConfigError, ConfigScan, compose_graph_path, compose_graphs_path, recognise_file, scan_config_path,
    scan_config_path_with, scan_config_tree,
};
pub use yaml::YamlError;

/// Options of the configuration checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigOptions {
    /// Registries base images may come from (`docker.io`, `registry.example.com/mirror`); empty
    /// disables `SW-DF-007`.
    pub allowed_registries: Vec<String>,
    /// The date (`YYYY-MM-DD`) used for end-of-life decisions; `None` means today (UTC).
    pub today: Option<String>,
    /// The scanned tree on disk, when there is one (`helm template` renders charts from it).
    pub project_root: Option<std::path::PathBuf>,
    /// Compose files forming one project in this order (`-f a -f b`), relative to the scanned
    /// tree; empty means the default discovery (`compose.yaml` + `compose.override.yaml`, …).
    pub compose_files: Vec<String>,
    /// The executable search path (`$PATH`, from [`seawall_core::Environment::path`]) in which `helm`
    /// is looked up to render charts; `None`: charts are not rendered, only their values are checked.
    pub search_path: Option<std::ffi::OsString>,
}

/// The `config-files` file analyzer with default options.
pub fn file_analyzer() -> ConfigFileAnalyzer {
    ConfigFileAnalyzer::new(ConfigOptions::default())
}

/// The `image-config` whole-image analyzer with default options.
pub fn image_analyzer() -> ImageConfigAnalyzer {
    ImageConfigAnalyzer::new(ConfigOptions::default())
}
