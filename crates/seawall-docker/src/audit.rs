//! `seawall audit docker`: the daemon and every container, checked with the same rules seawall applies to
//! daemon.json and compose files (`seawall-config`), plus the few checks only live data allows.

use std::collections::BTreeMap;

use bollard::Docker;
use bollard::query_parameters::ListContainersOptionsBuilder;
use serde_json::Value;

use seawall_config::container::{ContainerSpec, MountSpec, check_container as check_spec};
use seawall_config::daemon::{DaemonSettings, check_daemon_settings, parse_daemon_json, parse_dockerd_flags};
// The live-only rules are declared in `seawall_config::live` so that the catalog lists them without this crate.
use seawall_config::live::{LIVE_ML_PORT_PUBLIC, LIVE_NO_HEALTHCHECK, LIVE_RESTART_POLICY};
use seawall_core::{Finding, Location, Report, RuleMeta, ScanWarning, Target, TargetKind};

use crate::error::DockerError;
use crate::live::{LiveContainer, LiveNetwork, LivePort};

const ML_PORTS: &[(u32, &str)] = &[
    (8888, "Jupyter"),
    (8265, "Ray dashboard"),
    (10001, "Ray client"),
    (5000, "MLflow"),
    (6006, "TensorBoard"),
    (7860, "Gradio"),
    (11434, "Ollama"),
    (8080, "TorchServe inference / model server"),
    (8081, "TorchServe management"),
    (8082, "TorchServe metrics"),
    (8000, "Triton HTTP"),
    (8001, "Triton gRPC"),
    (8002, "Triton metrics"),
];

/// Maps a live container to the settings the CIS section 5 rules check.
pub fn container_spec(c: &LiveContainer) -> ContainerSpec {
    let mode = |m: &str| {
        if m.is_empty() { None } else { Some(m.to_string()) }
    };
    let mut security_opt = c.security_opt.clone();
    if c.apparmor_profile == "unconfined" && !security_opt.iter().any(|o| o.starts_with("apparmor")) {
        security_opt.push("apparmor=unconfined".into());
    }
    // A container started from an image id (`sha256:…`) runs exactly that content: as pinned as a digest.
    let image = if c.image.starts_with("sha256:") { format!("local@{}", c.image) } else { c.image.clone() };
    ContainerSpec {
        name: c.name.clone(),
        image: Some(image),
        privileged: c.privileged,
        cap_add: c.cap_add.clone(),
        cap_drop: c.cap_drop.clone(),
        security_opt,
        network_mode: mode(&c.network_mode),
        pid: mode(&c.pid_mode),
        ipc: mode(&c.ipc_mode),
        uts: mode(&c.uts_mode),
        userns: mode(&c.userns_mode),
        mounts: c
            .mounts
            .iter()
            .map(|m| MountSpec {
                source: m.source.clone(),
                target: m.destination.clone(),
                bind: m.kind == "bind",
                read_only: !m.rw,
            })
            .collect(),
        read_only: c.read_only_rootfs,
        memory_limit: c.memory > 0,
        cpu_limit: c.cpu_limited,
        pids_limit: c.pids_limit.is_some_and(|p| p > 0),
        ports: c.ports.iter().filter_map(LivePort::spec).collect(),
        user: if c.user.is_empty() { None } else { Some(c.user.clone()) },
        healthcheck_disabled: false,
        devices: c.devices.clone(),
        gpu_all: if c.gpu_requests.is_empty() { None } else { Some(c.gpu_requests.contains(&-1)) },
        locations: BTreeMap::new(),
        location: c.location(),
        image_is_build_output: false,
    }
}

fn live_finding(rule: &RuleMeta, c: &LiveContainer, message: String, key: &str) -> Finding {
    let mut f =
        Finding::from_rule(rule).with_location(c.location()).with_message(message).with_detail("key", key);
    f.ensure_fingerprint();
    f
}

/// Checks one container: the CIS section 5 rules shared with compose, plus the live-only rules.
pub fn check_container(c: &LiveContainer) -> Vec<Finding> {
    let mut out = check_spec(&container_spec(c));
    if matches!(c.restart_policy.as_str(), "always" | "unless-stopped")
        || (c.restart_policy == "on-failure" && c.restart_max_retries <= 0)
    {
        out.push(live_finding(
            &LIVE_RESTART_POLICY,
            c,
            format!("{}: restart policy {}", c.name, c.restart_policy),
            "",
        ));
    }
    if c.running && !c.healthcheck {
        out.push(live_finding(&LIVE_NO_HEALTHCHECK, c, format!("{}: no healthcheck", c.name), ""));
    }
    for p in &c.ports {
        let public = matches!(p.host_ip.as_str(), "" | "0.0.0.0" | "::");
        let port: u32 = p.container_port.split('/').next().and_then(|x| x.parse().ok()).unwrap_or(0);
        if let Some((_, what)) = ML_PORTS.iter().find(|(n, _)| *n == port)
            && public
        {
            out.push(live_finding(
                &LIVE_ML_PORT_PUBLIC,
                c,
                format!(
                    "{}: {what} port {} published on {}:{}",
                    c.name,
                    p.container_port,
                    if p.host_ip.is_empty() { "0.0.0.0" } else { &p.host_ip },
                    p.host_port
                ),
                &p.container_port,
            ));
        }
    }
    for f in &mut out {
        f.location.container = Some(c.name.clone());
        f.location.container_id = Some(c.id.clone());
    }
    out
}

/// Daemon settings from `GET /info`, the default bridge network, `daemon.json` and the dockerd command
/// line (later sources fill only what earlier ones left unknown: the running daemon wins).
pub fn daemon_settings(
    info: &Value,
    bridge: Option<&Value>,
    daemon_json: Option<&str>,
    cmdline: Option<&str>,
) -> DaemonSettings {
    let sec: Vec<String> = info
        .get("SecurityOptions")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let file = daemon_json.and_then(|t| parse_daemon_json(t).ok()).unwrap_or_default();
    let flags = cmdline.map(parse_dockerd_flags).unwrap_or_default();
    let mut d = DaemonSettings {
        icc: bridge
            .and_then(|b| b.get("Options"))
            .and_then(|o| o.get("com.docker.network.bridge.enable_icc"))
            .and_then(Value::as_str)
            .map(|v| v != "false"),
        // A rootless daemon maps container root to an unprivileged host user, which is what userns-remap
        // achieves for a root daemon (CIS 2.8 is then satisfied).
        userns_remap: if sec.iter().any(|s| s.contains("name=rootless")) {
            Some("rootless".to_string())
        } else {
            sec.iter().any(|s| s.contains("name=userns")).then(|| "default".to_string())
        },
        live_restore: info.get("LiveRestoreEnabled").and_then(Value::as_bool),
        no_new_privileges: sec.iter().any(|s| s.contains("name=no-new-privileges")).then_some(true),
        hosts: Vec::new(),
        tlsverify: None,
        insecure_registries: insecure_registries(info),
        log_driver: info.get("LoggingDriver").and_then(Value::as_str).map(str::to_string),
        seccomp_profile: sec
            .iter()
            .find(|s| s.contains("name=seccomp"))
            .and_then(|s| s.split(',').find_map(|kv| kv.strip_prefix("profile=")))
            .map(str::to_string),
        userland_proxy: None,
        ip: bridge
            .and_then(|b| b.get("Options"))
            .and_then(|o| o.get("com.docker.network.bridge.host_binding_ipv4"))
            .and_then(Value::as_str)
            .map(str::to_string),
    };
    for src in [&file, &flags] {
        d.icc = d.icc.or(src.icc);
        if d.userns_remap.is_none() {
            d.userns_remap = src.userns_remap.clone();
        }
        d.no_new_privileges = d.no_new_privileges.or(src.no_new_privileges);
        d.hosts.extend(src.hosts.iter().cloned());
        d.tlsverify = d.tlsverify.or(src.tlsverify);
        d.userland_proxy = d.userland_proxy.or(src.userland_proxy);
        if d.ip.is_none() {
            d.ip = src.ip.clone();
        }
    }
    d.hosts.sort();
    d.hosts.dedup();
    d
}

/// Registries the daemon talks to without TLS verification, apart from Docker's built-in loopback default.
fn insecure_registries(info: &Value) -> Vec<String> {
    let rc = info.get("RegistryConfig");
    let mut out: Vec<String> = rc
        .and_then(|r| r.get("InsecureRegistryCIDRs"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter(|c| *c != "127.0.0.0/8" && *c != "::1/128")
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(idx) = rc.and_then(|r| r.get("IndexConfigs")).and_then(Value::as_object) {
        for (name, cfg) in idx {
            if cfg.get("Secure").and_then(Value::as_bool) == Some(false) {
                out.push(name.clone());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Options of [`audit`].
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Docker endpoint.
    pub docker_host: Option<String>,
    /// Include stopped containers.
    pub all: bool,
    /// The environment `DOCKER_HOST` and the TLS settings come from (see [`crate::connect`]).
    pub env: seawall_core::Environment,
}

/// What an audit found, plus the live containers and networks (for the network graph and image scans).
#[derive(Debug, Clone)]
pub struct AuditResult {
    /// The report (daemon + container findings).
    pub report: Report,
    /// Every container audited.
    pub containers: Vec<LiveContainer>,
    /// Every network of the host.
    pub networks: Vec<LiveNetwork>,
}

fn api(call: &str) -> impl Fn(bollard::errors::Error) -> DockerError + '_ {
    move |e| DockerError::Api { call: call.to_string(), message: e.to_string() }
}

/// Audits the daemon and every running (or, with `all`, every) container.
pub async fn audit(opts: &AuditOptions) -> Result<AuditResult, DockerError> {
    let docker: Docker = crate::client::connect(opts.docker_host.as_deref(), &opts.env)?;
    let info = docker.info().await.map_err(api("GET /info"))?;
    let info = serde_json::to_value(&info).unwrap_or(Value::Null);
    let bridge =
        docker.inspect_network("bridge", None).await.ok().and_then(|n| serde_json::to_value(&n).ok());
    let mut report = Report::new(Target::new(
        TargetKind::Docker,
        opts.docker_host.clone().unwrap_or_else(|| "unix:///var/run/docker.sock".into()),
    ));
    let daemon_json_path = "/etc/docker/daemon.json";
    let daemon_json = match fs_err::read_to_string(daemon_json_path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            report.warnings.push(ScanWarning::at(
                "audit",
                Location::file(daemon_json_path),
                format!("cannot read: {e}"),
            ));
            None
        }
    };
    let cmdline = dockerd_cmdline();
    let settings = daemon_settings(&info, bridge.as_ref(), daemon_json.as_deref(), cmdline.as_deref());
    report.findings.extend(check_daemon_settings(&settings, &Location::file("docker:daemon")));

    let list = docker
        .list_containers(Some(ListContainersOptionsBuilder::default().all(opts.all).build()))
        .await
        .map_err(api("GET /containers/json"))?;
    let mut containers = Vec::new();
    for summary in list {
        let Some(id) = summary.id else { continue };
        match docker.inspect_container(&id, None).await {
            Ok(i) => {
                let v = serde_json::to_value(&i).unwrap_or(Value::Null);
                let c = LiveContainer::from_inspect(&v);
                report.findings.extend(check_container(&c));
                containers.push(c);
            }
            Err(e) => report
                .warnings
                .push(ScanWarning::general("audit", format!("cannot inspect container {id}: {e}"))),
        }
    }
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    let mut networks: Vec<LiveNetwork> = docker
        .list_networks(None)
        .await
        .map_err(api("GET /networks"))?
        .into_iter()
        .map(|n| LiveNetwork { name: n.name.unwrap_or_default(), internal: n.internal.unwrap_or(false) })
        .collect();
    networks.sort_by(|a, b| a.name.cmp(&b.name));
    report.normalize();
    Ok(AuditResult { report, containers, networks })
}

/// The command line of the running dockerd, from /proc (root only; `None` when not visible).
fn dockerd_cmdline() -> Option<String> {
    for e in fs_err::read_dir("/proc").ok()?.flatten() {
        let p = e.path();
        if fs_err::read_to_string(p.join("comm")).ok()?.trim() == "dockerd" {
            let raw = fs_err::read(p.join("cmdline")).ok()?;
            return Some(
                raw.split(|b| *b == 0)
                    .filter(|s| !s.is_empty())
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(json: &str) -> LiveContainer {
        LiveContainer::from_inspect(&serde_json::from_str(json).unwrap())
    }

    #[test]
    fn privileged_jupyter_is_flagged_hardened_is_not() {
        let bad = container(
            r#"{"Id":"1","Name":"/nb","State":{"Running":true},"Config":{"Image":"jupyter:latest"},
            "HostConfig":{"Privileged":true,"NetworkMode":"bridge","RestartPolicy":{"Name":"always"}},
            "Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Destination":"/var/run/docker.sock","RW":true}],
            "NetworkSettings":{"Ports":{"8888/tcp":[{"HostIp":"0.0.0.0","HostPort":"8888"}]}}}"#,
        );
        let ids: Vec<String> = check_container(&bad).into_iter().map(|f| f.id).collect();
        for want in ["SW-CTR-001", "SW-CTR-012", "SW-LIVE-001", "SW-LIVE-002", "SW-LIVE-003"] {
            assert!(ids.iter().any(|i| i == want), "{want} missing from {ids:?}");
        }
        let good = container(
            r#"{"Id":"2","Name":"/api","State":{"Running":true},
            "Config":{"Image":"reg.example/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","User":"10001:10001","Healthcheck":{"Test":["CMD","true"]}},
            "HostConfig":{"CapDrop":["ALL"],"SecurityOpt":["no-new-privileges:true"],"ReadonlyRootfs":true,
                          "Memory":536870912,"NanoCpus":1000000000,"PidsLimit":256,"NetworkMode":"backend",
                          "RestartPolicy":{"Name":"on-failure","MaximumRetryCount":5}},
            "NetworkSettings":{"Ports":{"8080/tcp":[{"HostIp":"127.0.0.1","HostPort":"8080"}]}}}"#,
        );
        let f = check_container(&good);
        assert!(f.is_empty(), "{:?}", f.iter().map(|f| (&f.id, &f.message)).collect::<Vec<_>>());
    }

    #[test]
    fn daemon_settings_from_info() {
        let info: Value = serde_json::from_str(
            r#"{"SecurityOptions":["name=seccomp,profile=builtin","name=cgroupns"],"LiveRestoreEnabled":false,
               "LoggingDriver":"json-file","RegistryConfig":{"InsecureRegistryCIDRs":["127.0.0.0/8","10.0.0.0/8"],
               "IndexConfigs":{"docker.io":{"Secure":true},"reg.local:5000":{"Secure":false}}}}"#,
        )
        .unwrap();
        let bridge: Value =
            serde_json::from_str(r#"{"Options":{"com.docker.network.bridge.enable_icc":"true"}}"#).unwrap();
        let d = daemon_settings(&info, Some(&bridge), Some(r#"{"no-new-privileges": true}"#), None);
        assert_eq!(d.icc, Some(true));
        assert_eq!(d.live_restore, Some(false));
        assert_eq!(d.no_new_privileges, Some(true));
        assert_eq!(d.seccomp_profile.as_deref(), Some("builtin"));
        assert_eq!(d.insecure_registries, vec!["10.0.0.0/8".to_string(), "reg.local:5000".to_string()]);
        assert_eq!(d.userns_remap, None);
        let rootless: Value =
            serde_json::from_str(r#"{"SecurityOptions":["name=seccomp,profile=builtin","name=rootless"]}"#)
                .unwrap();
        let d = daemon_settings(&rootless, None, None, None);
        assert_eq!(d.userns_remap.as_deref(), Some("rootless"));
    }
}
