//! docker-compose checks: every service becomes a [`ContainerSpec`] (CIS 5.x rules), plus secrets in
//! `environment`/`build.args`, ML exposure in `command`/`environment`, and network segmentation on
//! the [`ComposeGraph`].

mod graph;
pub(crate) mod interp;
pub(crate) mod load;
mod render;

pub use graph::{ComposeGraph, GraphNetwork, GraphService, ServiceRole, compose_graph, role_of};
pub use render::{GraphFormat, render_graphs};

use seawall_core::{Finding, Location, ScanWarning};

use crate::catalog::compose::*;
use crate::container::{ContainerSpec, MountSpec, PortSpec, check_container};
use crate::emit::finding;
use crate::project::{Sources, Tree, dir_of, join};
use crate::yaml::{Node, Val, parse_one};
use crate::{mlexpose, secretname, shell};

/// Checks one compose file on its own (no `.env`, includes or overrides: see
/// [`crate::scan_config_path`] for whole projects).
pub fn check_compose(location: &Location, text: &str) -> (Vec<Finding>, Vec<ScanWarning>) {
    if let Err(e) = parse_one(text) {
        return (
            Vec::new(),
            vec![ScanWarning::at(
                "config-files",
                location.clone(),
                format!("cannot parse compose file: {e}"),
            )],
        );
    }
    let rel = crate::project::norm(&location.path);
    let rel = if rel.is_empty() { "compose.yaml".to_string() } else { rel };
    let tree = Tree::new(vec![(rel.as_str(), text)]);
    let mut known = std::collections::BTreeMap::new();
    known.insert(rel.clone(), location.clone());
    let mut srcs = Sources::with_known(known);
    let mut out = check_raw_secrets(&rel, text, &mut srcs);
    let (f, w) = check_project(&[rel], &tree, &mut srcs);
    out.extend(f);
    crate::project::dedupe(&mut out);
    (out, w)
}

/// Compose projects among `files` (relative paths of compose files), as `docker compose` would
/// load them: `X.override.yaml` joins `X.yaml`; files used only through `include:` or
/// `extends: file:` are not projects; `explicit` (`-f a -f b`, relative paths) forms one project.
pub(crate) fn projects(files: &[String], tree: &Tree<'_>, explicit: &[String]) -> Vec<Vec<String>> {
    let mut fragments: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for f in files {
        let Some(root) = tree.text(f).and_then(|t| parse_one(t).ok()) else { continue };
        let dir = dir_of(f);
        for inc in root.get("include").map(Node::seq).unwrap_or(&[]) {
            let paths: Vec<&Node> = match &inc.v {
                Val::Map(_) => match inc.get("path") {
                    Some(p) if matches!(p.v, Val::Seq(_)) => p.seq().iter().collect(),
                    Some(p) => vec![p],
                    None => Vec::new(),
                },
                _ => vec![inc],
            };
            for p in paths.into_iter().filter_map(Node::as_str) {
                fragments.insert(join(dir, p));
            }
        }
        for (_, svc) in root.get("services").map(Node::map).unwrap_or(&[]) {
            if let Some(file) = svc.path(&["extends", "file"]).and_then(Node::as_str) {
                fragments.insert(join(dir, file));
            }
        }
    }
    let explicit: Vec<String> = explicit.iter().map(|e| crate::project::norm(e)).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    if !explicit.is_empty() {
        out.push(explicit.clone());
    }
    let base_of = |f: &str| -> Option<String> {
        let (dir, name) = f.rsplit_once('/').map_or(("", f), |(d, n)| (d, n));
        let lower = name.to_ascii_lowercase();
        for ext in [".yaml", ".yml"] {
            if let Some(stem) = lower.strip_suffix(&format!(".override{ext}")) {
                for bext in [".yaml", ".yml"] {
                    let cand = join(dir, &format!("{}{bext}", &name[..stem.len()]));
                    if files.contains(&cand) {
                        return Some(cand);
                    }
                }
            }
        }
        None
    };
    for f in files {
        if fragments.contains(f) || explicit.contains(f) || base_of(f).is_some() {
            continue;
        }
        let mut p = vec![f.clone()];
        p.extend(files.iter().filter(|o| base_of(o).as_deref() == Some(f.as_str())).cloned());
        out.push(p);
    }
    out
}

/// Loads one compose project (its files merged, includes, extends, `.env`) and checks it.
pub(crate) fn check_project(
    files: &[String],
    tree: &Tree<'_>,
    srcs: &mut Sources,
) -> (Vec<Finding>, Vec<ScanWarning>) {
    let Some(p) = load::load(files, tree, srcs) else {
        let w = files
            .iter()
            .map(|f| {
                ScanWarning::at(
                    "config",
                    srcs.file_loc(f),
                    "compose project could not be loaded: not analysed",
                )
            })
            .collect();
        return (Vec::new(), w);
    };
    let mut out = Vec::new();
    let root = &p.root;
    if let Some(services) = root.get("services") {
        for (k, svc) in services.map() {
            let Some(name) = k.as_str() else { continue };
            if !svc.is_map() {
                continue;
            }
            let spec = service_spec(srcs, name, k, svc);
            out.extend(check_container(&spec));
            check_service_env(&mut out, srcs, name, svc);
            check_vllm(&mut out, srcs, name, k, svc);
            check_service_command(&mut out, srcs, name, svc);
        }
    }
    let g = graph::build(root, srcs);
    out.extend(graph::check(&g));
    fold_duplicates(&mut out);
    (out, p.warnings)
}

/// The network graph of a loaded project.
pub(crate) fn graph_of(root: &Node, srcs: &Sources) -> ComposeGraph {
    graph::build(root, srcs)
}

/// `SW-COMPOSE-004` (a sensitive service published) restates `SW-CTR-018` (published on all
/// interfaces) and `SW-CTR-007` (host network) for the same port or service: keep the specific one.
fn fold_duplicates(out: &mut Vec<Finding>) {
    let specific: std::collections::BTreeSet<String> = out
        .iter()
        .filter(|f| f.id == "SW-COMPOSE-004")
        .filter_map(|f| f.details.get("key").cloned())
        .collect();
    out.retain(|f| {
        let key = f.details.get("key").cloned().unwrap_or_default();
        match f.id.as_str() {
            "SW-CTR-018" => !specific.contains(&key),
            "SW-CTR-007" => {
                let svc = key.split('|').next().unwrap_or("");
                !specific.contains(&format!("{svc}|host"))
            }
            _ => true,
        }
    });
}

/// Secret literals of one compose file as written (before interpolation): `SW-COMPOSE-001` for
/// literal values of secret-like variables, `SW-COMPOSE-006` for literal defaults
/// (`${POSTGRES_PASSWORD:-postgres}`) anywhere in the file, literal `--requirepass`, and
/// `SW-CTR-027` for datastores started without a password.
pub(crate) fn check_raw_secrets(rel: &str, text: &str, srcs: &mut Sources) -> Vec<Finding> {
    let Ok(mut root) = parse_one(text) else { return Vec::new() };
    let id = srcs.id(rel);
    root.set_src(id);
    let mut out = Vec::new();
    let mut seen_defaults = std::collections::BTreeSet::new();
    literal_defaults(&root, srcs, &mut out, &mut seen_defaults, None);
    for (k, svc) in root.get("services").map(Node::map).unwrap_or(&[]) {
        let Some(name) = k.as_str() else { continue };
        let sources = [("environment", svc.get("environment")), ("build.args", svc.path(&["build", "args"]))];
        for (what, n) in sources {
            for (key, v, node) in env_entries(n) {
                let Some(v) = v else { continue };
                if v.contains("${") || v.starts_with('$') {
                    continue; // references and defaults: SW-COMPOSE-006 above
                }
                if secretname::is_secret_literal(&key, &v) {
                    out.push(finding(
                        &COMPOSE_SECRET_LITERAL,
                        srcs.loc(node),
                        format!("{name}: {what} {key} has a literal value"),
                        &format!("{name}|{key}"),
                    ));
                }
                if what == "environment" && secretname::is_empty_password_switch(&key, &v) {
                    out.push(finding(
                        &crate::catalog::container::CTR_NO_AUTH,
                        srcs.loc(node),
                        format!("{name}: {key}={v} starts the datastore without a password"),
                        &format!("{name}|{key}"),
                    ));
                }
            }
        }
        for key in ["command", "entrypoint"] {
            let Some(n) = svc.get(key) else { continue };
            let words = argv_of(Some(n));
            if let Some(v) = secretname::literal_flag_secret(&words) {
                out.push(finding(
                    &COMPOSE_SECRET_LITERAL,
                    srcs.loc(n),
                    format!("{name}: {key} passes {v} with a literal value"),
                    &format!("{name}|{v}"),
                ));
            }
        }
    }
    out
}

fn literal_defaults(
    n: &Node,
    srcs: &Sources,
    out: &mut Vec<Finding>,
    seen: &mut std::collections::BTreeSet<(u32, u32, String)>,
    key: Option<&str>,
) {
    match &n.v {
        Val::Str(s) if s.contains("${") => {
            let env_key =
                s.split_once('=').map(|(k, _)| k).filter(|k| shell::is_assignment(&format!("{k}=")));
            let r = interp::interpolate(s, &Default::default());
            for (var, default) in r.defaults {
                let named = key.into_iter().chain(env_key).any(secretname::is_secret_name);
                if (secretname::is_secret_name(&var) || named)
                    && secretname::is_literal_value(&default)
                    && seen.insert((n.line, n.col, var.clone()))
                {
                    out.push(finding(
                        &COMPOSE_SECRET_DEFAULT,
                        srcs.loc(n),
                        format!("${{{var}}} falls back to a literal default when the variable is unset"),
                        &format!("{}|{var}", n.line),
                    ));
                }
            }
        }
        Val::Seq(items) => items.iter().for_each(|i| literal_defaults(i, srcs, out, seen, key)),
        Val::Map(m) => {
            for (k, v) in m {
                literal_defaults(v, srcs, out, seen, k.as_str());
            }
        }
        _ => {}
    }
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
    let host_port = host.and_then(first);
    let host_port_var = host.filter(|h| host_port.is_none() && h.contains('$')).map(str::to_string);
    vec![PortSpec { host_ip: ip.filter(|i| !i.is_empty()), host_port, container_port: cp, host_port_var }]
}

/// Published ports of a service with the node of each entry.
pub(crate) fn service_ports(svc: &Node) -> Vec<(PortSpec, &Node)> {
    let mut out = Vec::new();
    for p in svc.get("ports").map(Node::seq).unwrap_or(&[]) {
        if p.is_map() {
            let target = p.get("target").and_then(Node::as_str).and_then(|t| t.parse().ok());
            let published_text = p.get("published").and_then(Node::as_str).unwrap_or("");
            let published = published_text.split('-').next().and_then(|x| x.parse().ok());
            let host_ip = p.get("host_ip").and_then(Node::as_str).map(str::to_string);
            if let Some(t) = target {
                let var =
                    (published.is_none() && published_text.contains('$')).then(|| published_text.to_string());
                out.push((
                    PortSpec { host_ip, host_port: published, container_port: t, host_port_var: var },
                    p,
                ));
            }
        } else if let Some(s) = p.as_str() {
            for ps in parse_port(s) {
                out.push((ps, p));
            }
        }
    }
    out
}

/// True for a service whose `image:` names the output of its own `build:` (not pulled: no pin rule).
fn builds_its_image(svc: &Node) -> bool {
    svc.get("build").is_some()
}

fn service_spec(srcs: &Sources, name: &str, key: &Node, svc: &Node) -> ContainerSpec {
    let mut spec = ContainerSpec { name: name.to_string(), location: srcs.loc(key), ..Default::default() };
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
            spec.locations.entry(field.to_string()).or_insert_with(|| srcs.loc(node));
            // list items point at their own line
            for (i, item) in v.seq().iter().enumerate() {
                spec.locations.insert(format!("{ks}[{i}]"), srcs.loc(item));
                if let Some(t) = item.as_str() {
                    spec.locations
                        .entry(format!("{ks}[{}]", crate::container::normalize_cap(t)))
                        .or_insert_with(|| srcs.loc(item));
                }
            }
        }
    }
    spec.image = svc.get("image").and_then(Node::as_str).map(str::to_string);
    spec.image_is_build_output = builds_its_image(svc);
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
    spec.ports = service_ports(svc).into_iter().map(|(p, _)| p).collect();
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
        } else {
            spec.mounts.push(MountSpec::default());
        }
    }
    spec.devices = svc
        .get("devices")
        .map(Node::seq)
        .unwrap_or(&[])
        .iter()
        .map(|d| {
            d.as_str()
                .map(str::to_string)
                .or_else(|| d.get("source").and_then(Node::as_str).map(str::to_string))
                .unwrap_or_default()
        })
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
                spec.locations.insert("gpu".into(), srcs.loc(c));
            }
        }
    }
    if let Some(g) = svc.get("gpus") {
        let all = g.as_str().is_some_and(|x| x.eq_ignore_ascii_case("all"));
        gpu = Some(gpu.unwrap_or(false) || all);
        spec.locations.insert("gpu".into(), srcs.loc(g));
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

/// ML exposure in the (merged, interpolated) environment.
fn check_service_env(out: &mut Vec<Finding>, srcs: &Sources, name: &str, svc: &Node) {
    for (k, v, node) in env_entries(svc.get("environment")) {
        let Some(v) = v else { continue };
        for h in mlexpose::check_env(&k, &v) {
            out.push(finding(
                h.rule,
                srcs.loc(node),
                format!("{name}: {}", h.message),
                &format!("{name}|{k}"),
            ));
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

fn check_vllm(out: &mut Vec<Finding>, srcs: &Sources, name: &str, key: &Node, svc: &Node) {
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
        srcs.loc(key),
        format!("{name}: vLLM server without --api-key or VLLM_API_KEY"),
        name,
    ));
}

fn check_service_command(out: &mut Vec<Finding>, srcs: &Sources, name: &str, svc: &Node) {
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
        let loc = srcs.loc(n);
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
