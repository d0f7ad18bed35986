//! `seawall monitor`.

use std::time::Duration;

use anyhow::{Context, Result};

use seawall_monitor::report::{ReportOptions, hostname};
use seawall_monitor::{ImageScanner, LogEvent, Logger, MonitorOptions, run};

use crate::cli::AgentArgs;

/// The reporting options of `--report-to URL` / `--upload URL` with the agent flags; the spool
/// defaults to the state directory's `default_spool` (`spool` for the monitor, `spool-audit` for
/// `audit docker`, so that both can run at once).
pub(crate) fn report_options(url: &str, agent: &AgentArgs, default_spool: &str) -> Result<ReportOptions> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        anyhow::bail!("the service URL must start with http:// or https://, got {url:?}");
    }
    let token = agent
        .token
        .clone()
        .filter(|t| !t.trim().is_empty())
        .context("reporting to the service needs the project token (--token or SEAWALL_TOKEN)")?;
    let spool_dir = match &agent.spool_dir {
        Some(d) => d.clone(),
        None => crate::env::default_spool_dir(default_spool)
            .context("no default spool directory (set --spool-dir or HOME)")?,
    };
    let b = agent.report_max_backoff;
    if !(b.is_finite() && b > 0.0 && b <= 3600.0) {
        anyhow::bail!("--report-max-backoff must be between 0 and 3600 seconds, got {b}");
    }
    Ok(ReportOptions {
        url: url.to_string(),
        token,
        spool_dir,
        max_records: agent.spool_max_records.max(1),
        hostname: agent.agent_name.clone().unwrap_or_else(|| hostname(crate::env::process())),
        max_backoff: Duration::from_secs_f64(b),
    })
}

/// Scans `docker:<image id>` with the vuln, secret and model scanners (the layer cache makes images
/// that share layers cheap).
fn image_scanner(cli: &crate::cli::Cli, docker_host: Option<String>) -> ImageScanner {
    let mut opts = seawall_scan::ScanOptions {
        scanners: seawall_scan::Scanners { config: false, ..Default::default() },
        db: cli.db.clone(),
        offline: cli.offline,
        ..Default::default()
    }
    .with_env(crate::env::process().clone());
    opts.source.docker_host = docker_host;
    std::sync::Arc::new(move |image_id: &str| {
        seawall_scan::scan_image(&format!("docker:{image_id}"), &opts)
            .map(|r| r.findings)
            .map_err(|e| e.to_string())
    })
}

/// Alerts, warnings and errors of the agent as JSON lines on stderr.
fn stderr_logger() -> Logger {
    std::sync::Arc::new(|event: &LogEvent| eprintln!("{}", event.to_json_line()))
}

pub(crate) fn monitor(
    cli: &crate::cli::Cli,
    listen: std::net::SocketAddr,
    docker_host: Option<String>,
    webhook: Option<String>,
    (interval, learn): (f64, f64),
    scan_images: bool,
    report_to: Option<(&str, &AgentArgs)>,
) -> Result<u8> {
    let report = report_to.map(|(url, agent)| report_options(url, agent, "spool")).transpose()?;
    let quiet = cli.quiet;
    let secs = |v: f64, what: &str| {
        if v.is_finite() && v > 0.0 && v < 86_400.0 {
            Ok(Duration::from_secs_f64(v))
        } else {
            Err(anyhow::anyhow!("--{what} must be a number of seconds between 0 and 86400, got {v}"))
        }
    };
    let scanner = scan_images.then(|| image_scanner(cli, docker_host.clone()));
    let mut opts = MonitorOptions {
        listen,
        docker_host,
        webhook,
        interval: secs(interval, "interval")?,
        learn: secs(learn.max(0.001), "learn")?,
        logger: Some(stderr_logger()),
        image_scanner: None,
        env: crate::env::process().clone(),
        report,
    };
    opts.image_scanner = scanner;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    if !quiet {
        eprintln!("seawall monitor: metrics on http://{listen}/metrics, health on http://{listen}/healthz");
        if let Some(r) = &opts.report {
            eprintln!(
                "seawall monitor: reporting to {} as host {} (spool {})",
                seawall_monitor::report::report_url(&r.url),
                r.hostname,
                r.spool_dir.display()
            );
        }
    }
    rt.block_on(async move {
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        run(opts, shutdown).await
    })?;
    Ok(0)
}
