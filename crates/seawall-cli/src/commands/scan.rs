//! `seawall scan image|fs|config|model`.

use std::sync::Arc;

use anyhow::{Context, Result};

use seawall_core::{Report, Severity};
use seawall_scan::{ScanOptions, Scanners};

use crate::cli::{Cli, ScanArgs, ScanTarget};
use crate::output;
use crate::progress::Bar;

pub(crate) fn run(cli: &Cli, what: &ScanTarget) -> Result<u8> {
    let (common, report) = match what {
        ScanTarget::Image {
            reference,
            common,
            platform,
            insecure,
        } => {
            let mut opts = options(cli, common)?;
            opts.source.platform = platform.clone();
            opts.source.insecure = *insecure;
            let r = seawall_scan::scan_image(reference, &opts)
                .with_context(|| format!("cannot scan image {reference}"))?;
            (common, r)
        }
        ScanTarget::Fs { path, common } => {
            let opts = options(cli, common)?;
            (common, seawall_scan::scan_fs(path, &opts)?)
        }
        ScanTarget::Config { path, common } => {
            let opts = options(cli, common)?;
            (common, seawall_scan::scan_config(path, &opts)?)
        }
        ScanTarget::Model { path, common } => {
            let opts = options(cli, common)?;
            (common, seawall_scan::scan_model(path, &opts)?)
        }
    };
    finish(cli, common, report)
}

fn options(cli: &Cli, common: &ScanArgs) -> Result<ScanOptions> {
    let scanners: Scanners = common.scanners.parse()?;
    let mut opts = ScanOptions {
        scanners,
        db: cli.db.clone(),
        offline: cli.offline,
        db_source: common.db_source.clone(),
        no_cache: common.no_cache,
        ..Default::default()
    };
    let bar: Arc<Bar> = Arc::new(Bar::new(cli.quiet));
    opts.progress = Some(bar);
    Ok(opts)
}

fn finish(cli: &Cli, common: &ScanArgs, mut report: Report) -> Result<u8> {
    if let Some(list) = &common.severity {
        let keep: Vec<Severity> = list
            .split(',')
            .map(|s| s.parse())
            .collect::<Result<_, _>>()
            .context("--severity")?;
        report.findings.retain(|f| keep.contains(&f.severity));
    }
    output::write_all(&report, common)?;
    if !cli.quiet && !report.warnings.is_empty() {
        eprintln!(
            "note: {} warning(s): some content could not be read or analyzed completely (see the report's warnings)",
            report.warnings.len()
        );
    }
    let fail_on: Option<Severity> = common
        .fail_on
        .as_deref()
        .map(str::parse)
        .transpose()
        .context("--fail-on")?;
    Ok(match (fail_on, report.max_severity()) {
        (Some(t), Some(m)) if m >= t => 1,
        _ => 0,
    })
}
