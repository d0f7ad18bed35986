//! One module per subcommand.

mod scan;

use anyhow::Result;

use crate::cli::{CacheAction, Cli, Command};

/// Runs a parsed command line; returns the exit code.
pub(crate) fn run(cli: Cli) -> Result<u8> {
    match &cli.command {
        Command::Scan { what } => scan::run(&cli, what),
        Command::Cache {
            action: CacheAction::Clean,
        } => {
            let dir = seawall_walker::LayerCache::default_dir().ok_or_else(|| {
                anyhow::anyhow!("no cache directory (set SEAWALL_CACHE_DIR or HOME)")
            })?;
            let n = seawall_walker::LayerCache::new(&dir).clean()?;
            if !cli.quiet {
                eprintln!("removed {n} cached layers from {}", dir.display());
            }
            Ok(0)
        }
        Command::Db { .. } => {
            anyhow::bail!("the vulnerability database commands are not wired yet")
        }
        Command::Rules { .. } | Command::Explain { .. } => {
            anyhow::bail!("the rule catalog commands are not wired yet")
        }
    }
}
