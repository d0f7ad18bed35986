//! `seawall db update|import|status`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use seawall_vulndb::{DEFAULT_ECOSYSTEMS, DEFAULT_SOURCE, EcosystemOutcome, VulnDb, update};

fn db_path(db: Option<&PathBuf>) -> Result<PathBuf> {
    db.cloned()
        .or_else(|| seawall_scan::default_db_path(crate::env::process()))
        .ok_or_else(|| anyhow::anyhow!("no database path: set --db or SEAWALL_DB"))
}

pub(crate) fn update_cmd(
    db: Option<&PathBuf>,
    source: Option<&str>,
    ecosystems: Option<&str>,
    offline: bool,
    quiet: bool,
) -> Result<u8> {
    if offline {
        anyhow::bail!("`db update` needs the network (or a local --db-source) and --offline is set");
    }
    let path = db_path(db)?;
    let source = source.unwrap_or(DEFAULT_SOURCE);
    let ecos: Vec<String> = match ecosystems {
        Some(list) => list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
        None => DEFAULT_ECOSYSTEMS.iter().map(|s| s.to_string()).collect(),
    };
    let eco_refs: Vec<&str> = ecos.iter().map(String::as_str).collect();
    let bar = ProgressBar::with_draw_target(
        None,
        if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() },
    );
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} downloading {bytes}/{total_bytes} {bytes_per_sec}")
    {
        bar.set_style(style);
    }
    let summary = update(&path, source, &eco_refs, &|done, total| {
        if total > 0 {
            bar.set_length(total);
        }
        bar.set_position(done);
    })
    .with_context(|| format!("cannot update {}", path.display()))?;
    bar.finish_and_clear();
    let mut failed = 0;
    for e in &summary.ecosystems {
        let line = match &e.outcome {
            EcosystemOutcome::Unchanged => "unchanged".to_string(),
            EcosystemOutcome::Updated { downloaded, import } => {
                format!("updated: {} records, {} bytes downloaded", import.records, downloaded)
            }
            EcosystemOutcome::Failed(err) => {
                failed += 1;
                format!("FAILED (previous data kept): {err}")
            }
        };
        if !quiet || matches!(e.outcome, EcosystemOutcome::Failed(_)) {
            eprintln!("{:12} {line}", e.ecosystem);
        }
    }
    if !quiet {
        eprintln!("database: {}", summary.db_path.display());
    }
    Ok(if failed == ecos.len() && failed > 0 { 2 } else { 0 })
}

pub(crate) fn import_cmd(db: Option<&PathBuf>, path: &std::path::Path, quiet: bool) -> Result<u8> {
    let dbp = db_path(db)?;
    if let Some(parent) = dbp.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs_err::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut vdb = VulnDb::open(&dbp).with_context(|| format!("cannot open {}", dbp.display()))?;
    let s = vdb.import_path(path).with_context(|| format!("cannot import {}", path.display()))?;
    if !quiet {
        eprintln!(
            "imported {} records from {} ({} withdrawn skipped, {} files with errors) into {}",
            s.records,
            path.display(),
            s.withdrawn,
            s.error_count,
            dbp.display()
        );
    }
    for (file, err) in &s.errors {
        eprintln!("error: {file}: {err}");
    }
    Ok(if s.error_count > 0 { 2 } else { 0 })
}

pub(crate) fn status_cmd(db: Option<&PathBuf>) -> Result<u8> {
    let dbp = db_path(db)?;
    if !dbp.exists() {
        anyhow::bail!("no vulnerability database at {} (run `seawall db update`)", dbp.display());
    }
    let vdb = VulnDb::open_read_only(&dbp).with_context(|| format!("cannot open {}", dbp.display()))?;
    let s = vdb.status()?;
    println!("database:   {}", s.path.display());
    println!("schema:     {}", s.schema_version);
    println!("size:       {} bytes", s.file_size);
    println!("updated:    {}", s.updated_at.as_deref().unwrap_or("never"));
    if let Some(age) = s.age_seconds {
        println!("age:        {} h", age / 3600);
    }
    println!("records:    {}", s.records);
    for (eco, n) in &s.records_by_ecosystem {
        println!("  {eco:14} {n}");
    }
    println!("sources:");
    for src in &s.sources {
        println!("  {:14} {} records from {} at {}", src.name, src.records, src.location, src.fetched_at);
    }
    Ok(0)
}
