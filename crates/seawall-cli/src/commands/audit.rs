//! `seawall audit docker`.

use std::collections::BTreeMap;

use anyhow::{Context, Result};

use seawall_core::{ScanWarning, Severity};
use seawall_docker::audit::{AuditOptions, audit};
use seawall_report::Format;
use seawall_scan::{ScanOptions, Scanners};

use crate::cli::Cli;
use crate::output;

pub(crate) struct AuditArgs<'a> {
    pub(crate) all: bool,
    pub(crate) docker_host: Option<String>,
    pub(crate) format: Format,
    pub(crate) outputs: &'a [String],
    pub(crate) fail_on: Option<Severity>,
    pub(crate) allow_incomplete: bool,
    /// Scanners for the images of audited containers, when they are to be scanned.
    pub(crate) scan_images: Option<Scanners>,
    /// `--upload URL` with the agent flags.
    pub(crate) upload: Option<(&'a str, &'a crate::cli::AgentArgs)>,
}

pub(crate) fn docker(cli: &Cli, args: &AuditArgs<'_>) -> Result<u8> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let report_opts = args
        .upload
        .map(|(url, agent)| crate::commands::monitor::report_options(url, agent, "spool-audit"))
        .transpose()?;
    let opts = AuditOptions {
        docker_host: args.docker_host.clone(),
        all: args.all,
        env: crate::env::process().clone(),
    };
    let result = rt.block_on(audit(&opts)).context("cannot audit the Docker Engine")?;
    let mut report = result.report;
    if let Some(scanners) = args.scan_images {
        let mut scan_opts =
            ScanOptions { scanners, db: cli.db.clone(), offline: cli.offline, ..Default::default() }
                .with_env(crate::env::process().clone());
        scan_opts.source.docker_host = args.docker_host.clone();
        // One scan per image, whatever the number of containers running it; layers shared between
        // images come from the layer cache.
        let mut images: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for c in &result.containers {
            images.entry(c.image_id.as_str()).or_default().push(c.name.as_str());
        }
        for (image_id, names) in images {
            match seawall_scan::scan_image(&format!("docker:{image_id}"), &scan_opts) {
                Ok(r) => {
                    for mut f in r.findings {
                        f.details.insert("image".into(), image_id.to_string());
                        f.details.insert("containers".into(), names.join(","));
                        report.findings.push(f);
                    }
                    report.warnings.extend(r.warnings);
                    for s in
                        r.scanners.into_iter().filter(|s| s.status == seawall_core::ScannerState::Skipped)
                    {
                        let kind =
                            s.reasons.first().copied().unwrap_or(seawall_core::WarningKind::ScannerError);
                        report.warnings.push(
                            ScanWarning::general(
                                s.name.as_str(),
                                format!(
                                    "image {image_id}: {}",
                                    s.message.unwrap_or_else(|| "skipped".into())
                                ),
                            )
                            .with_kind(kind),
                        );
                    }
                }
                Err(e) => report.warnings.push(
                    ScanWarning::general("audit", format!("cannot scan image {image_id}: {e}"))
                        .with_kind(seawall_core::WarningKind::ScannerError),
                ),
            }
        }
        report.normalize();
    }
    output::write_all(&report, args.format, args.outputs)?;
    if let Some(ropts) = &report_opts {
        let summary = rt
            .block_on(async {
                let docker = seawall_docker::connect(args.docker_host.as_deref(), crate::env::process()).ok();
                let containers =
                    seawall_monitor::report::audit_containers(docker.as_ref(), &result.containers).await;
                let logger: seawall_monitor::Logger =
                    std::sync::Arc::new(|e: &seawall_monitor::LogEvent| eprintln!("{}", e.to_json_line()));
                seawall_monitor::report::upload_once(
                    ropts,
                    seawall_monitor::RecordBody::Audit { containers },
                    4,
                    Some(logger),
                )
                .await
            })
            .map_err(|e| anyhow::anyhow!("uploading the audit failed: {e}"))?;
        if !cli.quiet {
            eprintln!(
                "uploaded the audit of {} container(s) to {} as host {} ({} record(s) delivered)",
                result.containers.len(),
                seawall_monitor::report::report_url(&ropts.url),
                ropts.hostname,
                summary.delivered
            );
        }
    }
    let gate = args.fail_on.map(|t| {
        let fail_on = seawall_policy::FailOn {
            allow_incomplete: args.allow_incomplete,
            ..seawall_policy::FailOn::all(t)
        };
        seawall_policy::gate(&report, &fail_on)
    });
    crate::commands::scan::print_incomplete(&report, gate.as_ref(), cli.quiet);
    Ok(gate.map(|g| u8::try_from(g.code()).unwrap_or(2)).unwrap_or(0))
}
