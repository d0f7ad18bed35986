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
) -> Result<u8> {
    let g = if target == "docker" {
        live_graph(docker_host)?
    } else {
        seawall_config::compose_graph_path(Path::new(target))
            .with_context(|| format!("cannot build the network graph of {target}"))?
    };
    let text = render(&g, format)?;
    match output {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))?,
        None => print!("{text}"),
    }
    Ok(0)
}

fn live_graph(docker_host: Option<String>) -> Result<ComposeGraph> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let opts = seawall_docker::audit::AuditOptions { docker_host, all: false };
    let result = rt.block_on(seawall_docker::audit::audit(&opts)).context("cannot read the Docker Engine")?;
    Ok(seawall_docker::graph::live_graph(&result.containers, &result.networks))
}
