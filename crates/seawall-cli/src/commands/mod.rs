//! One module per subcommand.

mod audit;
mod base;
mod db;
mod fleet;
mod graph;
mod monitor;
mod rules;
mod scan;
mod trust_scan;
mod verify;
mod verify_image;

use anyhow::Result;

use crate::cli::{AuditTarget, CacheAction, Cli, Command, DbAction};

/// Runs a parsed command line; returns the exit code.
pub(crate) fn run(cli: Cli) -> Result<u8> {
    match &cli.command {
        Command::Scan { what } => scan::run(&cli, what),
        Command::Serve(args) => fleet::serve(args),
        Command::Worker(args) => fleet::worker(&cli, args),
        Command::Token { action } => fleet::token(action),
        Command::Cache { action } => {
            let dir = seawall_walker::LayerCache::default_dir(crate::env::process())
                .ok_or_else(|| anyhow::anyhow!("no cache directory (set SEAWALL_CACHE_DIR or HOME)"))?;
            let cache = seawall_walker::LayerCache::new(&dir);
            match action {
                CacheAction::Info => {
                    let i = cache.info()?;
                    println!("directory: {}", i.dir.display());
                    println!("layers:    {}", i.entries);
                    println!("size:      {} bytes ({:.1} MiB)", i.bytes, i.bytes as f64 / 1048576.0);
                    println!(
                        "bound:     {} bytes (least recently used layers are evicted after a scan)",
                        i.max_bytes
                    );
                }
                CacheAction::Clean => {
                    let n = cache.clean()?;
                    if !cli.quiet {
                        eprintln!("removed {n} cached layers from {}", dir.display());
                    }
                }
            }
            Ok(0)
        }
        Command::Monitor { listen, docker_host, webhook, interval, learn, scan_images, report_to, agent } => {
            monitor::monitor(
                &cli,
                *listen,
                docker_host.clone(),
                webhook.clone(),
                (*interval, *learn),
                *scan_images,
                report_to.as_deref().map(|url| (url, agent)),
            )
        }
        Command::Audit {
            what:
                AuditTarget::Docker {
                    all,
                    docker_host,
                    format,
                    output,
                    fail_on,
                    allow_incomplete,
                    scan_images,
                    image_scanners,
                    upload,
                    agent,
                },
        } => audit::docker(
            &cli,
            &audit::AuditArgs {
                all: *all,
                docker_host: docker_host.clone(),
                format: (*format).into(),
                outputs: output,
                fail_on: fail_on.map(Into::into),
                allow_incomplete: *allow_incomplete,
                scan_images: scan_images.then(|| crate::args::scanners(image_scanners)),
                upload: upload.as_deref().map(|url| (url, agent)),
            },
        ),
        Command::Diff { old, new, format } => {
            let a = seawall_policy::load_report(old)?;
            let b = seawall_policy::load_report(new)?;
            let d = seawall_policy::diff(&a, &b);
            if format == "json" {
                serde_json::to_writer_pretty(std::io::stdout().lock(), &d)?;
                println!();
            } else {
                println!("{} new, {} fixed, {} unchanged", d.new.len(), d.fixed.len(), d.unchanged.len());
                for f in &d.new {
                    println!("+ {} {} {} {}", f.severity, f.id, f.location.path, f.title);
                }
                for f in &d.fixed {
                    println!("- {} {} {} {}", f.severity, f.id, f.location.path, f.title);
                }
            }
            Ok(if d.new.is_empty() { 0 } else { 1 })
        }
        Command::Db { action } => match action {
            DbAction::Update { db_source, ecosystems } => db::update_cmd(
                cli.db.as_ref(),
                db_source.as_deref(),
                ecosystems.as_deref(),
                cli.offline,
                cli.quiet,
            ),
            DbAction::Import { path } => db::import_cmd(cli.db.as_ref(), path, cli.quiet),
            DbAction::Status => db::status_cmd(cli.db.as_ref()),
        },
        Command::Graph { target, format, output, docker_host, compose_file } => {
            graph::graph(target, format, output.as_ref(), docker_host.clone(), compose_file)
        }
        Command::Rules { format, output } => rules::list(format, output.as_deref()),
        Command::Explain { id } => rules::explain(id),
        Command::Verify { what } => verify::run(&cli, what),
        Command::Trust { action } => verify::trust(&cli, action),
        Command::Base { action } => base::run(&cli, action),
    }
}
