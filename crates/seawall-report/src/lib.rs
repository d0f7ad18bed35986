//! # seawall-report — render a scan report
//!
//! Turns a [`seawall_core::Report`] into one of seven [`Format`]s:
//!
//! | format | for | notes |
//! |---|---|---|
//! | `table` | terminals | grouped by practice then severity; colours and width from [`RenderContext`] |
//! | `json` | machines, baselines | the report as is (`docs/json-output.md`) |
//! | `cyclonedx` | SBOM / VEX | CycloneDX 1.6 with a `vulnerabilities` section |
//! | `spdx` | SBOM | SPDX 2.3; `creationInfo.created` from `SOURCE_DATE_EPOCH` (passed in the render context) when set |
//! | `sarif` | code scanning | SARIF 2.1.0; rules from the catalog; layer in logical locations |
//! | `html` | people | one self-contained file with charts, per-layer view, expandable findings |
//! | `markdown` | PR comments | counts, top findings, delta against a baseline |
//!
//! Main items: [`render`], [`render_template`] (user MiniJinja templates), [`Format`], [`RenderContext`] (rule catalog, colours, width, baseline,
//! network graph SVG, creation time), [`ReportError`]. [`sample`] holds a fixed report used by the tests.
//!
//! Relation to siblings: the vocabulary comes from `seawall-core`; baseline deltas use
//! `seawall_policy::diff`; the rule catalog is assembled by `seawall-scan`; the CLI picks the format
//! and the output stream. Every renderer is deterministic: the same report and context give
//! byte-identical output (SPDX needs a fixed creation time for that).
//!
//! ```
//! use seawall_report::{render, sample, Format, RenderContext};
//! let report = sample::report();
//! let ctx = RenderContext::new(sample::RULES).with_width(Some(100));
//! let mut out = Vec::new();
//! render(&report, Format::Markdown, &ctx, &mut out).unwrap();
//! assert!(String::from_utf8(out).unwrap().contains("GHSA-3f63-hfp8-52jq"));
//! ```
#![deny(missing_docs)]

mod common;
mod context;
mod cyclonedx;
mod error;
mod format;
mod html;
mod json;
mod markdown;
pub mod sample;
mod sarif;
mod sbom;
mod spdx;
mod table;
mod template;
mod uri;

use std::io::Write;

pub use context::{RenderContext, SOURCE_DATE_EPOCH};
pub use error::ReportError;
pub use format::Format;
pub use markdown::TOP as MARKDOWN_TOP_FINDINGS;
pub use sarif::SARIF_SCHEMA;
pub use template::render_template;

use seawall_core::Report;

/// Renders `report` in `format` to `out`.
///
/// The report is rendered as given; call [`Report::normalize`] first (the scanner does) for sorted,
/// fingerprinted output.
pub fn render(
    report: &Report,
    format: Format,
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    match format {
        Format::Table => table::render(report, ctx, out),
        Format::Json => json::render(report, out),
        Format::CycloneDx => cyclonedx::render(report, ctx, out),
        Format::Spdx => spdx::render(report, ctx, out),
        Format::Sarif => sarif::render(report, ctx, out),
        Format::Html => html::render(report, ctx, out),
        Format::Markdown => markdown::render(report, ctx, out),
    }
}

/// Renders to a `String` (convenience for tests and small outputs).
pub fn render_to_string(
    report: &Report,
    format: Format,
    ctx: &RenderContext<'_>,
) -> Result<String, ReportError> {
    let mut out = Vec::new();
    render(report, format, ctx, &mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}
