//! # seawall-core — the shared vocabulary
//!
//! Every other seawall crate speaks in the types defined here:
//!
//! * [`Package`] — one installed or declared software package, with its OSV ecosystem string and the
//!   [`Location`]s (path + layer) where it was seen.
//! * [`Finding`] — one problem: a vulnerability, a secret, a dangerous model file or a misconfiguration,
//!   with a [`Severity`], the seed [`Practice`] it serves and a stable fingerprint.
//! * [`Target`] — what was scanned (an image with its [`LayerInfo`]s and [`OsInfo`], a directory, a file).
//! * [`ImageConfig`] — the runtime configuration and history of an image, shared by the analyzers that
//!   check it.
//! * [`RuleMeta`] — one entry of the rule catalog (id, title, severity, practice, rationale, fix,
//!   references). Scanner crates export their rules as `&'static [RuleMeta]`.
//! * [`Report`] — the complete, deterministic result of a scan; reporters render it.
//!
//! * [`Environment`] — the snapshot of every environment variable seawall reads ([`env`](mod@env)); the binary
//!   takes it once and passes it down, so libraries never read the process environment.
//!
//! This crate has no I/O (reading the environment in [`Environment::from_process`] aside) and almost no
//! dependencies, so that spec crates and scanners can depend on it without pulling in anything heavy.
//!
//! ```
//! use seawall_core::{Finding, FindingKind, Location, Severity};
//! let f = Finding::new(FindingKind::Misconfiguration, "SW-DF-001", Severity::High, 4, "Image runs as root")
//!     .with_location(Location::file("Dockerfile").with_line(1));
//! assert_eq!(f.severity, Severity::High);
//! ```
#![deny(missing_docs)]

mod completeness;
mod diff;
pub mod env;
mod error;
mod finding;
mod fingerprint;
mod image;
mod location;
mod names;
mod package;
mod practice;
mod redacted;
mod report;
mod rule;
mod severity;
mod target;
mod trust;

pub use completeness::{
    Completeness, CompletenessStatus, IncompleteReason, Scanner, ScannerState, WarningKind,
};
pub use diff::{ReportDiff, diff_reports};
pub use env::Environment;
pub use error::CoreError;
pub use finding::{Cvss, Finding, FindingKind, FixStatus, PackageRef, SuppressedBy, Suppression};
pub use fingerprint::stable_hash;
pub use image::{HealthCheck, HistoryEntry, ImageConfig};
pub use location::Location;
pub use names::normalize_pypi_name;
pub use package::{Package, SourcePackage};
pub use practice::{Practice, practice_title};
pub use redacted::Redacted;
pub use report::{ModelFile, ModelVerdict, Report, SCHEMA_VERSION, ScanWarning, ScannerStatus, ToolInfo};
pub use rule::RuleMeta;
pub use severity::Severity;
pub use target::{LayerInfo, OsInfo, Target, TargetKind};
pub use trust::{BaseImage, TrustCheck, TrustSummary};
