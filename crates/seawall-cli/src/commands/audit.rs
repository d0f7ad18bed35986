//! `seawall audit docker`.

use anyhow::{Context, Result};

use seawall_core::Severity;
use seawall_docker::audit::{AuditOptions, audit};

use crate::output;

pub(crate) fn docker(
    all: bool,
    docker_host: Option<String>,
    format: &str,
    outputs: &[String],
    fail_on: Option<&str>,
) -> Result<u8> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let opts = AuditOptions { docker_host, all };
    let result = rt.block_on(audit(&opts)).context("cannot audit the Docker Engine")?;
    let report = result.report;
    output::write_all(&report, format, outputs)?;
    let fail_on: Option<Severity> = fail_on.map(str::parse).transpose().context("--fail-on")?;
    Ok(match (fail_on, report.max_severity()) {
        (Some(t), Some(m)) if m >= t => 1,
        _ => 0,
    })
}
