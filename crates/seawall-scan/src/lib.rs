//! # seawall-scan — the pipeline
//!
//! One-way data flow: source → layer walk → analyzers → facts → matchers and rules → findings → report.
//!
//! * [`ScanOptions`] / [`Scanners`] — what to run and how (cache, DB, offline, source options).
//! * [`registry`] — the explicit list of analyzers per scanner set (no global registration) and the rule
//!   [`catalog`](registry::catalog).
//! * [`scan_image`], [`scan_fs`], [`scan_config`], [`scan_model`] — each returns a normalized
//!   [`seawall_core::Report`].
//!
//! The CLI (`seawall-cli`) parses flags into [`ScanOptions`], calls one of these functions, then applies
//! policy (`seawall-policy`) and renders (`seawall-report`).
//!
//! ```no_run
//! use seawall_scan::{scan_fs, ScanOptions};
//! let report = scan_fs(std::path::Path::new("examples/ml-service"), &ScanOptions::default())?;
//! println!("{} packages, {} findings", report.packages.len(), report.findings.len());
//! # Ok::<(), seawall_scan::ScanError>(())
//! ```
#![deny(missing_docs)]

mod error;
mod fs;
mod image;
mod options;
pub mod registry;
mod vuln;

pub use error::ScanError;
pub use fs::{scan_config, scan_fs, scan_model};
pub use image::{scan_image, scan_source};
pub use options::{Progress, ScanOptions, Scanners};
pub use vuln::default_db_path;
