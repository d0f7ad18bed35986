//! `seawall base index|list`: the base-image index used to attribute scanned images to their base.

use std::path::PathBuf;

use anyhow::{Context, Result};
use seawall_source::SourceOptions;
use seawall_trust::lineage::BaseIndex;

use crate::cli::Cli;
use crate::cli_trust::BaseAction;

fn index_path(explicit: Option<&PathBuf>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.clone());
    }
    let dir = seawall_walker::LayerCache::default_dir(crate::env::process())
        .context("no cache directory for the base index (set SEAWALL_CACHE_DIR or HOME, or --index)")?;
    Ok(BaseIndex::default_path(&dir))
}

pub(crate) fn run(cli: &Cli, action: &BaseAction) -> Result<u8> {
    match action {
        BaseAction::Index { references, insecure, platform, index } => {
            let path = index_path(index.as_ref())?;
            let mut idx = BaseIndex::load(&path)?;
            let mut opts = SourceOptions::default();
            opts.env = crate::env::process().clone();
            opts.insecure = *insecure;
            opts.platform = platform.clone();
            let now = jiff::Timestamp::now().to_string();
            for r in references {
                let src = seawall_source::open(r, &opts).with_context(|| format!("cannot open {r}"))?;
                let meta = src.meta();
                let digest = meta.digest.clone().unwrap_or_else(|| meta.config_digest.clone());
                let diff_ids: Vec<String> = meta.layers.iter().map(|l| l.diff_id.clone()).collect();
                let n = diff_ids.len();
                let new = idx.record(r, &digest, diff_ids, &now);
                if !cli.quiet {
                    eprintln!("{} {r} {digest} ({n} layers)", if new { "indexed" } else { "unchanged" });
                }
            }
            idx.save(&path)?;
            if !cli.quiet {
                eprintln!("base index: {} ({} entries)", path.display(), idx.bases.len());
            }
            Ok(0)
        }
        BaseAction::List { index } => {
            let path = index_path(index.as_ref())?;
            let idx = BaseIndex::load(&path)?;
            for b in &idx.bases {
                println!(
                    "{}\t{}\t{} layers\t{}\t{}",
                    b.name,
                    b.digest,
                    b.diff_ids.len(),
                    if b.current { "current" } else { "superseded" },
                    b.indexed_at
                );
            }
            Ok(0)
        }
    }
}
