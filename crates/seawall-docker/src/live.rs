//! A running (or stopped) container as `docker inspect` describes it, reduced to what the checks need.
//!
//! Built from the inspect JSON (`GET /containers/ID/json`) rather than from bollard's generated types so
//! that the mapping can be tested on captured JSON and does not depend on the generated model's shape.

use std::collections::BTreeMap;

use seawall_config::container::PortSpec;
use seawall_core::Location;
use serde_json::Value;

/// A bind or volume mount.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LiveMount {
    /// `bind`, `volume`, `tmpfs`, …
    pub kind: String,
    /// Host path (bind) or volume name.
    pub source: String,
    /// Path inside the container.
    pub destination: String,
    /// Writable.
    pub rw: bool,
}

/// A published port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LivePort {
    /// `8888/tcp`.
    pub container_port: String,
    /// Host IP the port is bound to (`0.0.0.0`, `::`, `127.0.0.1`; empty = all interfaces).
    pub host_ip: String,
    /// Host port.
    pub host_port: String,
}

impl LivePort {
    /// The port as the container checks shared with compose see it; `None` when the container port is
    /// not a number.
    pub fn spec(&self) -> Option<PortSpec> {
        let container_port = self.container_port.split('/').next()?.parse().ok()?;
        Some(PortSpec {
            host_ip: if self.host_ip.is_empty() { None } else { Some(self.host_ip.clone()) },
            host_port: self.host_port.parse().ok(),
            container_port,
            host_port_var: None,
        })
    }
}

/// A Docker network as the Engine reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveNetwork {
    /// Name.
    pub name: String,
    /// `Internal` (no route outside the host).
    pub internal: bool,
}

/// What the checks need to know about a container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveContainer {
    /// Full id.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// Image reference as given at `docker run`.
    pub image: String,
    /// Image id (`sha256:…`).
    pub image_id: String,
    /// Running now.
    pub running: bool,
    /// Host PID of the main process (0 when not running).
    pub pid: u32,
    /// `Config.User` (empty = root).
    pub user: String,
    /// `Config.Entrypoint`.
    pub entrypoint: Vec<String>,
    /// `Config.Cmd`.
    pub cmd: Vec<String>,
    /// A healthcheck is configured (and not `NONE`).
    pub healthcheck: bool,
    /// The command line the Engine runs for the healthcheck (`/bin/sh -c …` for `CMD-SHELL`), if any.
    pub healthcheck_cmd: Option<String>,
    /// `HostConfig.Privileged`.
    pub privileged: bool,
    /// `HostConfig.CapAdd`.
    pub cap_add: Vec<String>,
    /// `HostConfig.CapDrop`.
    pub cap_drop: Vec<String>,
    /// `HostConfig.SecurityOpt`.
    pub security_opt: Vec<String>,
    /// `AppArmorProfile`.
    pub apparmor_profile: String,
    /// `HostConfig.NetworkMode`.
    pub network_mode: String,
    /// `HostConfig.PidMode`.
    pub pid_mode: String,
    /// `HostConfig.IpcMode`.
    pub ipc_mode: String,
    /// `HostConfig.UTSMode`.
    pub uts_mode: String,
    /// `HostConfig.UsernsMode`.
    pub userns_mode: String,
    /// `HostConfig.CgroupnsMode`.
    pub cgroupns_mode: String,
    /// `HostConfig.ReadonlyRootfs`.
    pub read_only_rootfs: bool,
    /// `HostConfig.Memory` in bytes (0 = unlimited).
    pub memory: i64,
    /// CPU limit present (`NanoCpus`, `CpuQuota` or `CpuShares`).
    pub cpu_limited: bool,
    /// `HostConfig.PidsLimit` (None or ≤ 0 = unlimited).
    pub pids_limit: Option<i64>,
    /// `HostConfig.RestartPolicy.Name`.
    pub restart_policy: String,
    /// `HostConfig.RestartPolicy.MaximumRetryCount`.
    pub restart_max_retries: i64,
    /// Host devices mapped (`PathOnHost`).
    pub devices: Vec<String>,
    /// GPU device requests (`DeviceRequests` with capability `gpu` or driver `nvidia`): requested count
    /// (-1 = all).
    pub gpu_requests: Vec<i64>,
    /// Mounts.
    pub mounts: Vec<LiveMount>,
    /// Published ports.
    pub ports: Vec<LivePort>,
    /// Networks the container is attached to.
    pub networks: Vec<String>,
    /// `Config.Env`.
    pub env: Vec<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
}

impl LiveContainer {
    /// The location of a finding about this container: `container:NAME`, with the name and id.
    pub fn location(&self) -> Location {
        Location {
            path: format!("container:{}", self.name),
            container: Some(self.name.clone()),
            container_id: Some(self.id.clone()),
            ..Default::default()
        }
    }
}

fn s(v: &Value, path: &[&str]) -> String {
    get(v, path).and_then(Value::as_str).unwrap_or("").to_string()
}

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    Some(cur)
}

fn strings(v: &Value, path: &[&str]) -> Vec<String> {
    get(v, path)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

fn int(v: &Value, path: &[&str]) -> i64 {
    get(v, path).and_then(Value::as_i64).unwrap_or(0)
}

fn boolean(v: &Value, path: &[&str]) -> bool {
    get(v, path).and_then(Value::as_bool).unwrap_or(false)
}

impl LiveContainer {
    /// Maps `docker inspect` JSON of one container. Missing fields take safe defaults; never panics.
    pub fn from_inspect(v: &Value) -> Self {
        let hc = |k: &str| s(v, &["HostConfig", k]);
        let mut mounts: Vec<LiveMount> = get(v, &["Mounts"])
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|m| LiveMount {
                        kind: s(m, &["Type"]),
                        source: s(m, &["Source"]),
                        destination: s(m, &["Destination"]),
                        rw: boolean(m, &["RW"]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        mounts.sort();
        let mut ports = Vec::new();
        let port_map = get(v, &["NetworkSettings", "Ports"])
            .filter(|p| p.as_object().is_some_and(|o| !o.is_empty()))
            .or_else(|| get(v, &["HostConfig", "PortBindings"]));
        if let Some(obj) = port_map.and_then(Value::as_object) {
            for (cport, binds) in obj {
                for b in binds.as_array().into_iter().flatten() {
                    ports.push(LivePort {
                        container_port: cport.clone(),
                        host_ip: s(b, &["HostIp"]),
                        host_port: s(b, &["HostPort"]),
                    });
                }
            }
        }
        ports.sort();
        ports.dedup();
        let mut networks: Vec<String> = get(v, &["NetworkSettings", "Networks"])
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        networks.sort();
        let test: Vec<String> = strings(v, &["Config", "Healthcheck", "Test"]);
        let healthcheck = test.first().is_some_and(|t| t != "NONE");
        let healthcheck_cmd = match test.first().map(String::as_str) {
            Some("CMD-SHELL") => Some(format!("/bin/sh -c {}", test[1..].join(" "))),
            Some("CMD") => Some(test[1..].join(" ")),
            _ => None,
        };
        let gpu_requests = get(v, &["HostConfig", "DeviceRequests"])
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter(|r| {
                        s(r, &["Driver"]) == "nvidia"
                            || r.get("Capabilities").and_then(Value::as_array).is_some_and(|caps| {
                                caps.iter()
                                    .flat_map(|c| c.as_array().into_iter().flatten())
                                    .any(|c| c == "gpu")
                            })
                    })
                    .map(|r| int(r, &["Count"]))
                    .collect()
            })
            .unwrap_or_default();
        let pids = get(v, &["HostConfig", "PidsLimit"]).and_then(Value::as_i64);
        LiveContainer {
            id: s(v, &["Id"]),
            name: s(v, &["Name"]).trim_start_matches('/').to_string(),
            image: s(v, &["Config", "Image"]),
            image_id: s(v, &["Image"]),
            running: boolean(v, &["State", "Running"]),
            pid: u32::try_from(int(v, &["State", "Pid"])).unwrap_or(0),
            user: s(v, &["Config", "User"]),
            entrypoint: strings(v, &["Config", "Entrypoint"]),
            cmd: strings(v, &["Config", "Cmd"]),
            healthcheck,
            healthcheck_cmd,
            privileged: boolean(v, &["HostConfig", "Privileged"]),
            cap_add: strings(v, &["HostConfig", "CapAdd"]),
            cap_drop: strings(v, &["HostConfig", "CapDrop"]),
            security_opt: strings(v, &["HostConfig", "SecurityOpt"]),
            apparmor_profile: s(v, &["AppArmorProfile"]),
            network_mode: hc("NetworkMode"),
            pid_mode: hc("PidMode"),
            ipc_mode: hc("IpcMode"),
            uts_mode: hc("UTSMode"),
            userns_mode: hc("UsernsMode"),
            cgroupns_mode: hc("CgroupnsMode"),
            read_only_rootfs: boolean(v, &["HostConfig", "ReadonlyRootfs"]),
            memory: int(v, &["HostConfig", "Memory"]),
            cpu_limited: int(v, &["HostConfig", "NanoCpus"]) > 0
                || int(v, &["HostConfig", "CpuQuota"]) > 0
                || int(v, &["HostConfig", "CpuShares"]) > 0,
            pids_limit: pids,
            restart_policy: s(v, &["HostConfig", "RestartPolicy", "Name"]),
            restart_max_retries: int(v, &["HostConfig", "RestartPolicy", "MaximumRetryCount"]),
            devices: get(v, &["HostConfig", "Devices"])
                .and_then(Value::as_array)
                .map(|a| a.iter().map(|d| s(d, &["PathOnHost"])).collect())
                .unwrap_or_default(),
            gpu_requests,
            mounts,
            ports,
            networks,
            env: strings(v, &["Config", "Env"]),
            labels: get(v, &["Config", "Labels"])
                .and_then(Value::as_object)
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect())
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_inspect_json() {
        let v: Value = serde_json::from_str(
            r#"{"Id":"abc","Name":"/nb","Image":"sha256:1","State":{"Running":true,"Pid":42},
            "Config":{"Image":"jupyter:latest","User":"","Cmd":["jupyter","notebook"],"Env":["A=b"],
                      "Healthcheck":{"Test":["NONE"]},"Labels":{"x":"y"}},
            "HostConfig":{"Privileged":true,"CapAdd":["SYS_ADMIN"],"CapDrop":null,"NetworkMode":"host",
                          "PidsLimit":null,"Memory":0,"RestartPolicy":{"Name":"always","MaximumRetryCount":0},
                          "Devices":[{"PathOnHost":"/dev/nvidia0"}],
                          "DeviceRequests":[{"Driver":"","Count":-1,"Capabilities":[["gpu"]]}]},
            "Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Destination":"/var/run/docker.sock","RW":true}],
            "NetworkSettings":{"Ports":{"8888/tcp":[{"HostIp":"0.0.0.0","HostPort":"8888"}]},"Networks":{"host":{}}}}"#,
        )
        .unwrap_or(Value::Null);
        let c = LiveContainer::from_inspect(&v);
        assert_eq!(c.name, "nb");
        assert!(c.privileged && c.running && !c.healthcheck);
        assert_eq!(c.pid, 42);
        assert_eq!(c.cap_add, vec!["SYS_ADMIN"]);
        assert_eq!(c.network_mode, "host");
        assert_eq!(c.ports[0].host_ip, "0.0.0.0");
        assert_eq!(c.mounts[0].source, "/var/run/docker.sock");
        assert_eq!(c.gpu_requests, vec![-1]);
        assert_eq!(c.devices, vec!["/dev/nvidia0"]);
        assert_eq!(c.pids_limit, None);
    }

    #[test]
    fn garbage_is_default() {
        assert_eq!(LiveContainer::from_inspect(&Value::Null), LiveContainer::default());
        assert_eq!(LiveContainer::from_inspect(&serde_json::json!([1, 2])).name, "");
    }
}
