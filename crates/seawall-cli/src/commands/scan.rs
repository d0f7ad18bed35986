//! `seawall scan image|fs|config|model`.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};

use seawall_core::{Report, TargetKind};
use seawall_policy::{Gate, Policy};
use seawall_scan::ScanOptions;

use crate::cli::{Cli, ScanArgs, ScanTarget};
use crate::output;
use crate::progress::Bar;

pub(crate) fn run(cli: &Cli, what: &ScanTarget) -> Result<u8> {
    let (common, target_path) = match what {
        ScanTarget::Image { common, .. } => (common, std::env::current_dir().unwrap_or_default()),
        ScanTarget::Fs { path, common }
        | ScanTarget::Config { path, common, .. }
        | ScanTarget::Model { path, common, .. } => (common, path.clone()),
    };
    // The policy is read first: seawall.toml's allowed registries change what the checks report.
    let policy = policy(common, &target_path)?;
    let mut opts = options(cli, common)?;
    opts.allowed_registries = policy.config.allowed_registries.clone();
    opts.allowed_registries.extend(common.allowed_registries.iter().cloned());
    let mut report = match what {
        ScanTarget::Image { reference, platform, insecure, .. } => {
            opts.source.platform = platform.clone();
            opts.source.insecure = *insecure;
            seawall_scan::scan_image(reference, &opts)
                .with_context(|| format!("cannot scan image {reference}"))?
        }
        ScanTarget::Fs { path, .. } => seawall_scan::scan_fs(path, &opts)?,
        ScanTarget::Config { path, compose_file, .. } => {
            opts.compose_files = compose_file.clone();
            seawall_scan::scan_config(path, &opts)?
        }
        ScanTarget::Model { path, .. } => seawall_scan::scan_model(path, &opts)?,
    };
    // Signatures, provenance, base lineage (issue 17): `[trust]` of seawall.toml and the trust flags.
    crate::commands::trust_scan::apply(what, &policy, &opts, &mut report)?;
    if let Some(p) = &opts.progress {
        p.finish();
    }
    finish(cli, common, report, &target_path, &policy)
}

fn options(cli: &Cli, common: &ScanArgs) -> Result<ScanOptions> {
    let scanners = crate::args::scanners(&common.scanners);
    let mut opts = ScanOptions {
        scanners,
        db: cli.db.clone(),
        offline: cli.offline,
        db_source: common.db_source.clone(),
        no_cache: common.no_cache,
        ..Default::default()
    }
    .with_env(crate::env::process().clone());
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
    if !common.severity.is_empty() {
        policy.severities = Some(common.severity.iter().copied().map(Into::into).collect());
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
        seawall_config::compose_graphs_path(target, &[])
            .ok()
            .map(|g| seawall_config::render_graphs(&g, seawall_config::GraphFormat::Svg))
    } else {
        None
    };
    let extras = output::Extras { baseline: baseline.as_ref(), graph_svg: graph_svg.as_deref() };
    output::write_all_with(&report, common.format.into(), &common.output, &extras)?;
    if let Some(url) = &common.upload {
        crate::commands::fleet::upload(&report, url, cli.quiet)?;
    }
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
    for s in report.scanners.iter().filter(|s| s.status == seawall_core::ScannerState::Skipped) {
        if !cli.quiet {
            eprintln!("note: scanner {} {}: {}", s.name, s.status, s.message.as_deref().unwrap_or(""));
        }
    }
    let mut fail_on = policy.fail_on(common.fail_on.map(Into::into));
    fail_on.allow_incomplete |= common.allow_incomplete;
    let gate = seawall_policy::gate(&report, &fail_on);
    print_incomplete(&report, fail_on.is_set().then_some(&gate), cli.quiet);
    Ok(u8::try_from(gate.code()).unwrap_or(2))
}

/// Prints the `INCOMPLETE:` line (standard error) naming every reason a scan is incomplete: always
/// when the incompleteness fails the gate, otherwise unless `--quiet`.
pub(crate) fn print_incomplete(report: &Report, gate: Option<&Gate>, quiet: bool) {
    let completeness = report.compute_completeness();
    if completeness.is_complete() {
        return;
    }
    let fails = gate.is_some_and(|g| g.incomplete && g.incomplete_fails);
    if quiet && !fails {
        return;
    }
    eprintln!("INCOMPLETE: {}", completeness.summary());
    if fails {
        eprintln!(
            "note: an incomplete scan fails --fail-on: not every input was read and verified \
             (--allow-incomplete to accept it)"
        );
    }
}
