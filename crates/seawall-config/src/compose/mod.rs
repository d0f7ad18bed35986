//! docker-compose checks: every service becomes a [`ContainerSpec`] (CIS 5.x rules), plus secrets in
//! `environment`/`build.args`, ML exposure in `command`/`environment`, and network segmentation on
//! the [`ComposeGraph`].

mod graph;
mod render;

pub use graph::{ComposeGraph, GraphNetwork, GraphService, ServiceRole, compose_graph, role_of};
pub use render::GraphFormat;

use seawall_core::{Finding, Location, ScanWarning};

use crate::catalog::compose::*;
use crate::container::{ContainerSpec, MountSpec, PortSpec, check_container};
use crate::emit::{finding, yaml_loc};
use crate::yaml::{Node, Val, parse_one};
use crate::{mlexpose, secretname, shell};

/// Checks one compose file.
pub fn check_compose(location: &Location, text: &str) -> (Vec<Finding>, Vec<ScanWarning>) {
    let root = match parse_one(text) {
        Ok(r) => r,
        Err(e) => {
            return (
                Vec::new(),
                vec![ScanWarning::at(
                    "config-files",
                    location.clone(),
                    format!("cannot parse compose file: {e}"),
                )],
            );
        }
    };
    let mut out = Vec::new();
    let Some(services) = root.get("services") else {
        return (out, Vec::new());
    };
    for (k, svc) in services.map() {
        let Some(name) = k.as_str() else { continue };
        if !svc.is_map() {
            continue;
        }
        let spec = service_spec(location, name, k, svc);
        out.extend(check_container(&spec));
        check_service_env(&mut out, location, name, svc);
        check_vllm(&mut out, location, name, k, svc);
        check_service_command(&mut out, location, name, svc);
    }
    let graph = graph::build(&root, location);
    out.extend(graph::check(&graph, location));
    (out, Vec::new())
}

fn strings(n: Option<&Node>) -> Vec<String> {
    match n {
        Some(n) => match &n.v {
            Val::Seq(s) => s.iter().filter_map(Node::as_str).map(str::to_string).collect(),
            _ => n.as_str().map(|s| vec![s.to_string()]).unwrap_or_default(),
        },
        None => Vec::new(),
    }
}

/// Parses a short port syntax: `8080`, `8080:80`, `127.0.0.1:8080:80`, `[::1]:80:80`, `80-81:80-81/tcp`.
pub(crate) fn parse_port(s: &str) -> Vec<PortSpec> {
    let s = s.split('/').next().unwrap_or("");
    let (ip, rest) = if let Some(r) = s.strip_prefix('[') {
        match r.split_once("]:") {
            Some((ip, rest)) => (Some(ip.to_string()), rest),
            None => (None, s),
        }
    } else {
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() >= 3 {
            (
                Some(parts[..parts.len() - 2].join(":")),
                s.get(s.len() - parts[parts.len() - 2].len() - parts[parts.len() - 1].len() - 1..)
                    .unwrap_or(""),
            )
        } else {
            (None, s)
        }
    };
    let (host, container) = match rest.split_once(':') {
        Some((h, c)) => (Some(h), c),
        None => (None, rest),
    };
    let first = |r: &str| r.split('-').next().and_then(|p| p.trim().parse::<u32>().ok());
    let Some(cp) = first(container) else {
        return Vec::new();
    };
    vec![PortSpec {
        host_ip: ip.filter(|i| !i.is_empty()),
        host_port: host.and_then(first),
        container_port: cp,
    }]
}

pub(crate) fn service_ports(svc: &Node) -> Vec<(PortSpec, u32, u32)> {
    let mut out = Vec::new();
    for p in svc.get("ports").map(Node::seq).unwrap_or(&[]) {
        if p.is_map() {
            let target = p.get("target").and_then(Node::as_str).and_then(|t| t.parse().ok());
            let published = p
                .get("published")
                .and_then(Node::as_str)
                .and_then(|t| t.split('-').next().and_then(|x| x.parse().ok()));
            let host_ip = p.get("host_ip").and_then(Node::as_str).map(str::to_string);
            if let Some(t) = target {
                out.push((PortSpec { host_ip, host_port: published, container_port: t }, p.line, p.col));
            }
        } else if let Some(s) = p.as_str() {
            for ps in parse_port(s) {
                out.push((ps, p.line, p.col));
            }
        }
    }
    out
}

fn service_spec(base: &Location, name: &str, key: &Node, svc: &Node) -> ContainerSpec {
    let mut spec = ContainerSpec {
        name: name.to_string(),
        location: yaml_loc(base, key.line, key.col),
        ..Default::default()
    };
    for (k, v) in svc.map() {
        if let Some(ks) = k.as_str() {
            let field = match ks {
                "mem_limit" | "cpus" | "cpu_quota" | "cpu_shares" | "pids_limit" | "deploy" => "limits",
                "network_mode" | "pid" | "ipc" | "uts" | "userns_mode" | "privileged" | "cap_add"
                | "cap_drop" | "security_opt" | "volumes" | "read_only" | "ports" | "user" | "image"
                | "devices" | "healthcheck" => ks,
                _ => continue,
            };
            let node = if matches!(v.v, Val::Seq(_) | Val::Map(_)) { k } else { v };
            spec.locations.entry(field.to_string()).or_insert_with(|| yaml_loc(base, node.line, node.col));
        }
    }
    spec.image = svc.get("image").and_then(Node::as_str).map(str::to_string);
    spec.privileged = svc.get("privileged").is_some_and(Node::is_true);
    spec.cap_add = strings(svc.get("cap_add"));
    spec.cap_drop = strings(svc.get("cap_drop"));
    spec.security_opt = strings(svc.get("security_opt"));
    let s = |k: &str| svc.get(k).and_then(Node::as_str).map(str::to_string);
    spec.network_mode = s("network_mode");
    spec.pid = s("pid");
    spec.ipc = s("ipc");
    spec.uts = s("uts");
    spec.userns = s("userns_mode");
    spec.user = s("user");
    spec.read_only = svc.get("read_only").is_some_and(Node::is_true);
    let limits = svc.path(&["deploy", "resources", "limits"]);
    spec.memory_limit = svc.get("mem_limit").is_some() || limits.and_then(|l| l.get("memory")).is_some();
    spec.cpu_limit =
        ["cpus", "cpu_quota", "cpu_shares", "cpu_count", "cpu_percent"].iter().any(|k| svc.get(k).is_some())
            || limits.and_then(|l| l.get("cpus")).is_some();
    spec.pids_limit = svc.get("pids_limit").is_some() || limits.and_then(|l| l.get("pids")).is_some();
    spec.ports = service_ports(svc).into_iter().map(|(p, _, _)| p).collect();
    for v in svc.get("volumes").map(Node::seq).unwrap_or(&[]) {
        if v.is_map() {
            let src = v.get("source").and_then(Node::as_str).unwrap_or("").to_string();
            let bind = v.get("type").and_then(Node::as_str) == Some("bind")
                || src.starts_with('/')
                || src.starts_with('.')
                || src.starts_with('~');
            spec.mounts.push(MountSpec {
                target: v.get("target").and_then(Node::as_str).unwrap_or("").to_string(),
                read_only: v.get("read_only").is_some_and(Node::is_true),
                bind,
                source: src,
            });
        } else if let Some(t) = v.as_str() {
            let parts: Vec<&str> = t.split(':').collect();
            let src = parts.first().copied().unwrap_or("");
            let bind = parts.len() >= 2
                && (src.starts_with('/')
                    || src.starts_with('.')
                    || src.starts_with('~')
                    || src.starts_with('$'));
            spec.mounts.push(MountSpec {
                source: src.to_string(),
                target: parts.get(1).copied().unwrap_or(src).to_string(),
                bind,
                read_only: parts.get(2).is_some_and(|o| o.split(',').any(|x| x == "ro")),
            });
        }
    }
    spec.devices = strings(svc.get("devices"))
        .into_iter()
        .chain(
            svc.get("devices")
                .map(Node::seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|d| d.get("source").and_then(Node::as_str).map(str::to_string)),
        )
        .collect();
    let hc = svc.get("healthcheck");
    spec.healthcheck_disabled = hc.and_then(|h| h.get("disable")).is_some_and(Node::is_true)
        || hc
            .and_then(|h| h.get("test"))
            .is_some_and(|t| strings(Some(t)).first().is_some_and(|x| x == "NONE"));
    // GPUs: deploy.resources.reservations.devices, `gpus:`, `runtime: nvidia`
    let mut gpu: Option<bool> = None;
    for d in svc.path(&["deploy", "resources", "reservations", "devices"]).map(Node::seq).unwrap_or(&[]) {
        let caps = strings(d.get("capabilities"));
        if d.get("driver").and_then(Node::as_str) == Some("nvidia") || caps.iter().any(|c| c == "gpu") {
            let all = d.get("count").and_then(Node::as_str).is_some_and(|c| c.eq_ignore_ascii_case("all"));
            gpu = Some(gpu.unwrap_or(false) || all);
            if all {
                let c = d.get("count").unwrap_or(d);
                spec.locations.insert("gpu".into(), yaml_loc(base, c.line, c.col));
            }
        }
    }
    if let Some(g) = svc.get("gpus") {
        let all = g.as_str().is_some_and(|x| x.eq_ignore_ascii_case("all"));
        gpu = Some(gpu.unwrap_or(false) || all);
        spec.locations.insert("gpu".into(), yaml_loc(base, g.line, g.col));
    }
    if svc.get("runtime").and_then(Node::as_str) == Some("nvidia") {
        gpu.get_or_insert(false);
    }
    spec.gpu_all = gpu;
    spec
}

/// `(name, value, node)` of `environment` / `build.args` in map or list form.
pub(crate) fn env_entries(n: Option<&Node>) -> Vec<(String, Option<String>, &Node)> {
    let mut out = Vec::new();
    let Some(n) = n else { return out };
    match &n.v {
        Val::Map(m) => {
            for (k, v) in m {
                if let Some(ks) = k.as_str() {
                    out.push((ks.to_string(), v.scalar(), k));
                }
            }
        }
        Val::Seq(s) => {
            for e in s {
                if let Some(t) = e.as_str() {
                    match t.split_once('=') {
                        Some((k, v)) => out.push((k.to_string(), Some(v.to_string()), e)),
                        None => out.push((t.to_string(), None, e)),
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn check_service_env(out: &mut Vec<Finding>, base: &Location, name: &str, svc: &Node) {
    let sources = [("environment", svc.get("environment")), ("build.args", svc.path(&["build", "args"]))];
    for (what, n) in sources {
        for (k, v, node) in env_entries(n) {
            let Some(v) = v else { continue };
            let loc = yaml_loc(base, node.line, node.col);
            if secretname::is_secret_literal(&k, &v) {
                out.push(finding(
                    &COMPOSE_SECRET_LITERAL,
                    loc.clone(),
                    format!("{name}: {what} {k} has a literal value"),
                    &format!("{name}|{k}"),
                ));
            }
            if what == "environment" {
                for h in mlexpose::check_env(&k, &v) {
                    out.push(finding(
                        h.rule,
                        loc.clone(),
                        format!("{name}: {}", h.message),
                        &format!("{name}|{k}"),
                    ));
                }
            }
        }
    }
}

fn argv_of(n: Option<&Node>) -> Vec<String> {
    match n.map(|n| &n.v) {
        Some(Val::Seq(s)) => s.iter().filter_map(Node::as_str).map(str::to_string).collect(),
        Some(_) => n
            .and_then(Node::as_str)
            .map(|t| shell::split(t).into_iter().flat_map(|c| c.words).map(|w| w.text).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    }
}

fn check_vllm(out: &mut Vec<Finding>, base: &Location, name: &str, key: &Node, svc: &Node) {
    let mut argv = argv_of(svc.get("entrypoint"));
    argv.extend(argv_of(svc.get("command")));
    let image = svc.get("image").and_then(Node::as_str);
    if !mlexpose::is_vllm(image, &argv) || mlexpose::has_api_key_flag(&argv) {
        return;
    }
    // an env_file may carry the key: nothing reliable to say then
    let env_key = env_entries(svc.get("environment")).iter().any(|(k, _, _)| k == "VLLM_API_KEY");
    if env_key || svc.get("env_file").is_some() {
        return;
    }
    out.push(finding(
        &crate::catalog::ml::ML_VLLM_NO_API_KEY,
        yaml_loc(base, key.line, key.col),
        format!("{name}: vLLM server without --api-key or VLLM_API_KEY"),
        name,
    ));
}

fn check_service_command(out: &mut Vec<Finding>, base: &Location, name: &str, svc: &Node) {
    for key in ["entrypoint", "command"] {
        let Some(n) = svc.get(key) else { continue };
        let cmds = match &n.v {
            Val::Seq(s) => {
                let argv: Vec<(String, usize)> =
                    s.iter().filter_map(|x| x.as_str().map(|t| (t.to_string(), 0))).collect();
                shell::from_argv(&argv)
            }
            _ => n.as_str().map(shell::split).unwrap_or_default(),
        };
        let loc = yaml_loc(base, n.line, n.col);
        for c in &cmds {
            for h in mlexpose::check_command(c) {
                out.push(finding(
                    h.rule,
                    loc.clone(),
                    format!("{name}: {}", h.message),
                    &format!("{name}|{}", h.rule.id),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests;
