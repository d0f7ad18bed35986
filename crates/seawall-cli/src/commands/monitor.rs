//! `seawall monitor`.

use std::time::Duration;

use anyhow::{Context, Result};

use seawall_docker::monitor::{MonitorOptions, run};

pub(crate) fn monitor(
    listen: std::net::SocketAddr,
    docker_host: Option<String>,
    webhook: Option<String>,
    interval: f64,
    learn: f64,
    quiet: bool,
) -> Result<u8> {
    let secs = |v: f64, what: &str| {
        if v.is_finite() && v > 0.0 && v < 86_400.0 {
            Ok(Duration::from_secs_f64(v))
        } else {
            Err(anyhow::anyhow!("--{what} must be a number of seconds between 0 and 86400, got {v}"))
        }
    };
    let opts = MonitorOptions {
        listen,
        docker_host,
        webhook,
        interval: secs(interval, "interval")?,
        learn: secs(learn.max(0.001), "learn")?,
        log_alerts: true,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    if !quiet {
        eprintln!("seawall monitor: metrics on http://{listen}/metrics, health on http://{listen}/healthz");
    }
    rt.block_on(async move {
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        run(opts, shutdown).await
    })?;
    Ok(0)
}
