//! `seawall scan fs|config|model PATH` and the shared post-walk pipeline.

use std::path::Path;

use seawall_analyzer::{Facts, ImageView};
use seawall_core::{ImageConfig, Report, ScanWarning, ScannerStatus, Target, TargetKind};
use seawall_walker::{Squashed, Walker, squash};

use crate::{ScanError, ScanOptions, registry};

fn check_path(path: &Path) -> Result<(), ScanError> {
    match path.symlink_metadata() {
        Ok(_) => Ok(()),
        Err(e) => Err(ScanError::Path { path: path.display().to_string(), message: e.to_string() }),
    }
}

/// Scans a directory (project tree or unpacked rootfs) or a single file.
pub fn scan_fs(path: &Path, opts: &ScanOptions) -> Result<Report, ScanError> {
    scan_tree(path, TargetKind::Filesystem, opts)
}

/// Scans configuration files only (`seawall scan config PATH`).
pub fn scan_config(path: &Path, opts: &ScanOptions) -> Result<Report, ScanError> {
    let mut o = opts.clone();
    o.scanners = crate::Scanners { config: true, ..crate::Scanners::none() };
    scan_tree(path, TargetKind::Config, &o)
}

/// Scans model files only (`seawall scan model PATH`).
pub fn scan_model(path: &Path, opts: &ScanOptions) -> Result<Report, ScanError> {
    let mut o = opts.clone();
    o.scanners = crate::Scanners { model: true, ..crate::Scanners::none() };
    scan_tree(path, TargetKind::Model, &o)
}

fn scan_tree(path: &Path, kind: TargetKind, opts: &ScanOptions) -> Result<Report, ScanError> {
    check_path(path)?;
    let walker = Walker::new(
        registry::file_analyzers_with(&opts.scanners, &opts.config_options()),
        Default::default(),
    );
    if let Some(p) = &opts.progress {
        p.phase("walk");
    }
    let facts = walker.walk_dir(path);
    let walk = seawall_walker::LayerWalk { index: 0, facts, ..Default::default() };
    let mut squashed = squash(std::slice::from_ref(&walk));
    // A directory has no layers: the squash above only picked the OS; keep all facts as they are.
    squashed.facts = walk.facts;
    let target = Target::new(kind, path.display().to_string());
    let mut report = finish(target, squashed, None, opts);
    report.normalize();
    Ok(report)
}

/// Everything after the walk: OS package ecosystems, whole-image analyzers, vulnerability matching,
/// scanner statuses. Shared by image and directory scans.
pub(crate) fn finish(
    mut target: Target,
    squashed: Squashed,
    config: Option<&ImageConfig>,
    opts: &ScanOptions,
) -> Report {
    let Squashed { facts, os } = squashed;
    let Facts { mut packages, mut findings, models, os: _, files, mut warnings } = facts;
    target.os = os.clone();
    if let Some(os) = &os {
        seawall_inventory::apply_os(&mut packages, os);
    }

    let mut image_facts = Facts::default();
    {
        let view = ImageView { target: &target, config, os: os.as_ref(), files: &files, packages: &packages };
        for a in registry::image_analyzers_with(&opts.scanners, &opts.config_options()) {
            if let Err(e) = a.analyze(&view, &mut image_facts) {
                warnings.push(ScanWarning::general(a.name(), e.to_string()));
            }
        }
    }
    findings.extend(image_facts.findings);
    warnings.extend(image_facts.warnings);

    let mut statuses: Vec<ScannerStatus> = opts
        .scanners
        .names()
        .into_iter()
        .map(|n| ScannerStatus { name: n.to_string(), status: "ok".into(), message: None })
        .collect();
    if opts.scanners.vuln {
        if let Some(p) = &opts.progress {
            p.phase("vuln");
        }
        let v = crate::vuln::run(&packages, os.as_ref(), opts);
        findings.extend(v.findings);
        warnings.extend(v.warnings);
        if let Some(reason) = v.skipped
            && let Some(s) = statuses.iter_mut().find(|s| s.name == "vuln")
        {
            s.status = "skipped".into();
            s.message = Some(reason);
        }
    }

    let mut report = Report::new(target);
    report.scanners = statuses;
    report.packages = if opts.scanners.inventory { packages } else { Vec::new() };
    report.models = models;
    report.findings = findings;
    report.warnings = warnings;
    report
}
