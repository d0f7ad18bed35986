//! Snapshot tests: every format on the fixed sample report (`seawall_report::sample`).
//!
//! The sample report carries a fixed tool version and the context a fixed creation time, so the
//! snapshots do not change with the seawall version, the clock or `SOURCE_DATE_EPOCH`.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

mod common;

use seawall_report::{Format, render_to_string, sample};

fn snap(format: Format, ctx: &seawall_report::RenderContext<'_>) -> String {
    render_to_string(&sample::report(), format, ctx).unwrap()
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

#[test]
fn json() {
    snapshot!("json", snap(Format::Json, &common::ctx()));
}

#[test]
fn table_plain_80_columns_with_packages() {
    snapshot!("table", snap(Format::Table, &common::ctx().with_width(Some(80)).with_packages(true)));
}

#[test]
fn table_wide_no_wrap() {
    snapshot!("table_wide", snap(Format::Table, &common::ctx()));
}

#[test]
fn cyclonedx() {
    snapshot!("cyclonedx", snap(Format::CycloneDx, &common::ctx()));
}

#[test]
fn spdx() {
    snapshot!("spdx", snap(Format::Spdx, &common::ctx()));
}

#[test]
fn sarif() {
    snapshot!("sarif", snap(Format::Sarif, &common::ctx()));
}

#[test]
fn markdown_with_baseline() {
    let base = sample::baseline();
    snapshot!("markdown", snap(Format::Markdown, &common::ctx().with_baseline(Some(&base))));
}

#[test]
fn html() {
    let base = sample::baseline();
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#ccc"/></svg>"##;
    snapshot!(
        "html",
        snap(Format::Html, &common::ctx().with_baseline(Some(&base)).with_graph_svg(Some(svg)))
    );
}
