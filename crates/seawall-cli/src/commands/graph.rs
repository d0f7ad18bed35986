//! `seawall graph PATH|docker`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use seawall_config::ComposeGraph;

fn render(g: &ComposeGraph, format: &str) -> Result<String> {
    Ok(match format {
        "dot" => g.to_dot(),
        "mermaid" => g.to_mermaid(),
        "svg" => g.to_svg(),
        other => anyhow::bail!("unknown graph format {other:?} (dot, mermaid or svg)"),
    })
}

pub(crate) fn graph(
    target: &str,
    format: &str,
    output: Option<&PathBuf>,
    docker_host: Option<String>,
    compose_files: &[String],
) -> Result<u8> {
    let text = if target == "docker" {
        render(&live_graph(docker_host)?, format)?
    } else {
        // one graph per compose project found (or the one chosen with -f): never a silent pick
        let graphs = seawall_config::compose_graphs_path(Path::new(target), compose_files)
            .with_context(|| format!("cannot build the network graph of {target}"))?;
        let fmt: seawall_config::GraphFormat = format.parse().map_err(|e: String| anyhow::anyhow!(e))?;
        seawall_config::render_graphs(&graphs, fmt)
    };
    match output {
        Some(p) => fs_err::write(p, text).with_context(|| format!("cannot write {}", p.display()))?,
        None => print!("{text}"),
    }
    Ok(0)
}

fn live_graph(docker_host: Option<String>) -> Result<ComposeGraph> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let opts =
        seawall_docker::audit::AuditOptions { docker_host, all: false, env: crate::env::process().clone() };
    let result = rt.block_on(seawall_docker::audit::audit(&opts)).context("cannot read the Docker Engine")?;
    Ok(seawall_docker::graph::live_graph(&result.containers, &result.networks))
}
