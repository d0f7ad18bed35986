//! `seawall scan fs|config|model PATH` and the shared post-walk pipeline.

use std::path::Path;

use seawall_analyzer::{Facts, ImageView};
use seawall_core::{
    ImageConfig, Report, ScanWarning, Scanner, ScannerState, ScannerStatus, Target, TargetKind, WarningKind,
};
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

/// Scans configuration files only (`seawall scan config PATH`). A file named explicitly that is not
/// a configuration file seawall reads is an error naming it (never a clean result).
pub fn scan_config(path: &Path, opts: &ScanOptions) -> Result<Report, ScanError> {
    if path.is_file() {
        seawall_config::recognise_file(path)
            .map_err(|e| ScanError::Path { path: path.display().to_string(), message: e.to_string() })?;
    }
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
    let mut owned = opts.clone();
    if owned.config_root.is_none() && path.is_dir() {
        owned.config_root = Some(path.to_path_buf());
    }
    let opts = &owned;
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
    let mut report = finish(target, squashed, None, opts)?;
    report.normalize();
    Ok(report)
}

/// Everything after the walk: OS package ecosystems, whole-image analyzers, vulnerability matching,
/// scanner statuses (complete / partial / skipped, from the warnings). Shared by image and directory
/// scans. Fails only on a corrupt vulnerability database.
pub(crate) fn finish(
    mut target: Target,
    squashed: Squashed,
    config: Option<&ImageConfig>,
    opts: &ScanOptions,
) -> Result<Report, ScanError> {
    let Squashed { facts, os } = squashed;
    let Facts { mut packages, mut findings, models, os: _, files, mut warnings } = facts;
    if opts.scanners.inventory {
        // Facts that span files: pip includes, editable installs, npm shrinkwrap precedence.
        seawall_inventory::resolve(&mut packages, &files, &mut warnings);
    }
    target.os = os.clone();
    if let Some(os) = &os {
        seawall_inventory::apply_os(&mut packages, os);
    }

    let mut image_facts = Facts::default();
    {
        let view = ImageView { target: &target, config, os: os.as_ref(), files: &files, packages: &packages };
        for a in registry::image_analyzers_with(&opts.scanners, &opts.config_options()) {
            if let Err(e) = a.analyze(&view, &mut image_facts) {
                warnings
                    .push(ScanWarning::general(a.name(), e.to_string()).with_kind(WarningKind::ScannerError));
            }
        }
    }
    findings.extend(image_facts.findings);
    warnings.extend(image_facts.warnings);

    let mut statuses: Vec<ScannerStatus> =
        opts.scanners.list().into_iter().map(ScannerStatus::complete).collect();
    if opts.scanners.vuln {
        if let Some(p) = &opts.progress {
            p.phase("vuln");
        }
        let v = crate::vuln::run(&packages, os.as_ref(), opts)?;
        findings.extend(v.findings);
        warnings.extend(v.warnings);
        if let Some(reason) = v.skipped
            && let Some(s) = statuses.iter_mut().find(|s| s.name == Scanner::Vuln)
        {
            *s = ScannerStatus::skipped(Scanner::Vuln, WarningKind::DatabaseUnavailable, reason);
        }
    }
    mark_partial(&mut statuses, &warnings, &models, opts);

    let mut report = Report::new(target);
    report.scanners = statuses;
    report.packages = if opts.scanners.inventory { packages } else { Vec::new() };
    report.models = models;
    report.findings = findings;
    report.warnings = warnings;
    Ok(report)
}

/// Marks each scanner partial for the warnings that concern it. A warning names its origin: an
/// analyzer (its scanner), a scanner, or the source / walker (every scanner: the bytes no analyzer
/// saw were hidden from all of them). Unknown origins count for every scanner (fail closed). A gap in
/// the inventory is also a gap in vulnerability matching.
fn mark_partial(
    statuses: &mut [ScannerStatus],
    warnings: &[ScanWarning],
    models: &[seawall_core::ModelFile],
    opts: &ScanOptions,
) {
    let owners = registry::analyzer_owners(&opts.config_options());
    let mut mark = |scanner: Option<Scanner>, kind: WarningKind| {
        for s in statuses.iter_mut() {
            let concerned = match scanner {
                None => true,
                Some(Scanner::Inventory) => matches!(s.name, Scanner::Inventory | Scanner::Vuln),
                Some(x) => s.name == x,
            };
            if concerned {
                s.mark_partial(kind);
            }
        }
    };
    for w in warnings.iter().filter(|w| w.is_incomplete()) {
        mark(registry::scanner_of_origin(&owners, &w.origin), w.kind);
    }
    if models.iter().any(|m| m.verdict == seawall_core::ModelVerdict::Unscannable) {
        mark(Some(Scanner::Model), WarningKind::UnscannableModel);
    }
    for s in statuses.iter_mut().filter(|s| s.status == ScannerState::Partial) {
        if s.message.is_none() {
            let reasons: Vec<&str> = s.reasons.iter().map(|k| k.describe()).collect();
            s.message = Some(format!("not every input was analysed: {}", reasons.join(", ")));
        }
    }
}
