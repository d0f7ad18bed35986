//! `seawall scan image|fs|config|model`.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};

use seawall_core::{Report, Severity, TargetKind};
use seawall_policy::Policy;
use seawall_scan::{ScanOptions, Scanners};

use crate::cli::{Cli, ScanArgs, ScanTarget};
use crate::output;
use crate::progress::Bar;

pub(crate) fn run(cli: &Cli, what: &ScanTarget) -> Result<u8> {
    let (common, target_path) = match what {
        ScanTarget::Image { common, .. } => (common, std::env::current_dir().unwrap_or_default()),
        ScanTarget::Fs { path, common }
        | ScanTarget::Config { path, common }
        | ScanTarget::Model { path, common } => (common, path.clone()),
    };
    // The policy is read first: seawall.toml's allowed registries change what the checks report.
    let policy = policy(common, &target_path)?;
    let mut opts = options(cli, common)?;
    opts.allowed_registries = policy.config.allowed_registries.clone();
    opts.allowed_registries.extend(common.allowed_registries.iter().cloned());
    let report = match what {
        ScanTarget::Image { reference, platform, insecure, .. } => {
            opts.source.platform = platform.clone();
            opts.source.insecure = *insecure;
            seawall_scan::scan_image(reference, &opts)
                .with_context(|| format!("cannot scan image {reference}"))?
        }
        ScanTarget::Fs { path, .. } => seawall_scan::scan_fs(path, &opts)?,
        ScanTarget::Config { path, .. } => seawall_scan::scan_config(path, &opts)?,
        ScanTarget::Model { path, .. } => seawall_scan::scan_model(path, &opts)?,
    };
    if let Some(p) = &opts.progress {
        p.finish();
    }
    finish(cli, common, report, &target_path, &policy)
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

/// Loads the policy for a target from `seawall.toml`, ignore files, VEX documents and a baseline.
fn policy(common: &ScanArgs, target: &Path) -> Result<Policy> {
    let mut policy = Policy::discover(target, common.config.as_deref())?;
    for f in &common.ignorefile {
        policy.add_ignore_file(f)?;
    }
    for f in &common.vex {
        policy.add_vex_file(f)?;
    }
    if let Some(b) = &common.baseline {
        policy.set_baseline_file(b)?;
    }
    policy.ignore_unfixed = common.ignore_unfixed;
    if let Some(list) = &common.severity {
        policy.severities = Some(seawall_policy::parse_severity_list(list).context("--severity")?);
    }
    Ok(policy)
}

fn finish(cli: &Cli, common: &ScanArgs, mut report: Report, target: &Path, policy: &Policy) -> Result<u8> {
    policy.apply(&mut report, jiff::ZonedDateTime::now().date());
    report.normalize();
    let baseline = match &common.baseline {
        Some(p) => {
            Some(seawall_policy::load_report(p).with_context(|| format!("--baseline {}", p.display()))?)
        }
        None => None,
    };
    // The compose network graph, drawn in the HTML report, for project trees that have one.
    let graph_svg = if matches!(report.target.kind, TargetKind::Filesystem | TargetKind::Config) {
        seawall_config::compose_graph_path(target).ok().map(|g| g.to_svg())
    } else {
        None
    };
    let extras = output::Extras { baseline: baseline.as_ref(), graph_svg: graph_svg.as_deref() };
    output::write_all_with(&report, &common.format, &common.output, &extras)?;
    if !cli.quiet && !report.warnings.is_empty() {
        eprintln!(
            "note: {} warning(s) in the report (unreadable content, skipped scanners, expired ignores):",
            report.warnings.len()
        );
        for w in report.warnings.iter().take(5) {
            let at = w.location.as_ref().map(|l| format!("{}: ", l.path)).unwrap_or_default();
            eprintln!("  {}: {at}{}", w.origin, w.message);
        }
        if report.warnings.len() > 5 {
            eprintln!("  … and {} more", report.warnings.len() - 5);
        }
    }
    for s in report.scanners.iter().filter(|s| s.status != "ok") {
        if !cli.quiet {
            eprintln!("note: scanner {} {}: {}", s.name, s.status, s.message.as_deref().unwrap_or(""));
        }
    }
    let fail_on: Option<Severity> =
        common.fail_on.as_deref().map(str::parse).transpose().context("--fail-on")?;
    let code = seawall_policy::exit_code_with(&report, &policy.fail_on(fail_on));
    Ok(u8::try_from(code).unwrap_or(2))
}
