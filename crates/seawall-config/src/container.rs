//! [`ContainerSpec`]: the runtime settings of one container, from a compose service today and from
//! `docker inspect` later, and the CIS Docker Benchmark section 5 rules (`SW-CTR-*`) evaluated on it.

use std::collections::BTreeMap;

use seawall_core::{Finding, Location};

use crate::catalog::container::*;
use crate::emit::finding;

/// One mount.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MountSpec {
    /// Host path (bind mounts) or volume name.
    pub source: String,
    /// Path in the container.
    pub target: String,
    /// True for bind mounts of host paths.
    pub bind: bool,
    /// Mounted read-only.
    pub read_only: bool,
}

/// One published port.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortSpec {
    /// Host IP the port is bound to; `None` means all interfaces.
    pub host_ip: Option<String>,
    /// Host port (`None` for an ephemeral port).
    pub host_port: Option<u32>,
    /// Container port.
    pub container_port: u32,
    /// The host port as written when it is an unresolved variable (`$HOST_PORT`), never "ephemeral".
    pub host_port_var: Option<String>,
}

impl PortSpec {
    /// The host port for messages: the number, the unresolved `$VAR`, or `ephemeral`.
    pub fn host_port_label(&self) -> String {
        match (&self.host_port, &self.host_port_var) {
            (Some(h), _) => h.to_string(),
            (None, Some(v)) => v.clone(),
            (None, None) => "ephemeral".to_string(),
        }
    }
}

impl PortSpec {
    /// True when reachable from other hosts (no host IP, 0.0.0.0 or ::).
    pub fn is_public(&self) -> bool {
        match self.host_ip.as_deref() {
            None => true,
            Some(ip) => matches!(ip.trim_matches(|c| c == '[' || c == ']'), "" | "0.0.0.0" | "::"),
        }
    }
}

/// Runtime settings of one container, independent of where they came from (compose service,
/// `docker inspect`). The CIS Docker Benchmark section 5 rules run on this struct.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerSpec {
    /// Service or container name.
    pub name: String,
    /// Image reference, if known.
    pub image: Option<String>,
    /// `privileged`.
    pub privileged: bool,
    /// Added capabilities (upper case, without `CAP_`).
    pub cap_add: Vec<String>,
    /// Dropped capabilities.
    pub cap_drop: Vec<String>,
    /// `security_opt` entries as written (`seccomp=unconfined`, `no-new-privileges:true`, …).
    pub security_opt: Vec<String>,
    /// `network_mode` (`host`, `bridge`, `container:x`, …).
    pub network_mode: Option<String>,
    /// `pid` mode.
    pub pid: Option<String>,
    /// `ipc` mode.
    pub ipc: Option<String>,
    /// `uts` mode.
    pub uts: Option<String>,
    /// `userns_mode`.
    pub userns: Option<String>,
    /// Mounts.
    pub mounts: Vec<MountSpec>,
    /// Read-only root filesystem.
    pub read_only: bool,
    /// A memory limit is set.
    pub memory_limit: bool,
    /// A CPU limit (or quota/shares) is set.
    pub cpu_limit: bool,
    /// A PIDs limit is set.
    pub pids_limit: bool,
    /// Published ports.
    pub ports: Vec<PortSpec>,
    /// `user`, if set.
    pub user: Option<String>,
    /// Healthcheck explicitly disabled.
    pub healthcheck_disabled: bool,
    /// Host devices (`/dev/nvidia0:/dev/nvidia0`, …).
    pub devices: Vec<String>,
    /// GPUs requested through device reservations / `--gpus`; `Some(true)` when all GPUs.
    pub gpu_all: Option<bool>,
    /// Where each setting was written (keys: field names such as `privileged`, `ports`); `location`
    /// is used when a key is absent.
    pub locations: BTreeMap<String, Location>,
    /// Location of the container / service as a whole.
    pub location: Location,
    /// The image is built by the project itself (compose `build:` with `image:` naming the output):
    /// tag and digest rules do not apply.
    pub image_is_build_output: bool,
}

/// Docker's default capability set.
pub const DEFAULT_CAPS: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/proc",
    "/sys",
    "/usr",
    "/root",
    "/var/lib/docker",
    "/var/lib/kubelet",
    "/var/run",
    "/run",
    "/lib/modules",
    "/home",
];

/// Normalises a capability name (`cap_sys_admin` → `SYS_ADMIN`).
pub fn normalize_cap(c: &str) -> String {
    let u = c.trim().to_ascii_uppercase();
    u.strip_prefix("CAP_").map(str::to_string).unwrap_or(u)
}

fn is_host_mode(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("host"))
}

impl ContainerSpec {
    fn loc(&self, key: &str) -> Location {
        self.locations.get(key).cloned().unwrap_or_else(|| self.location.clone())
    }

    /// The location of list item `i` of `key` (`ports[2]`), else of the key.
    fn item_loc(&self, key: &str, item: &str) -> Location {
        self.locations.get(&format!("{key}[{item}]")).cloned().unwrap_or_else(|| self.loc(key))
    }

    fn sec_opt(&self, pred: impl Fn(&str, &str) -> bool) -> bool {
        self.security_opt.iter().any(|o| {
            let (k, v) = o.split_once(['=', ':']).unwrap_or((o.as_str(), ""));
            pred(k.trim(), v.trim())
        })
    }
}

/// Per-container hardening controls: each stays its own rule (ignorable, its own SARIF result) but
/// carries `details["group"] = "hardening:<container>"` so that human-readable outputs show one line
/// per container listing what is missing.
const HARDENING: &[(&str, &str)] = &[
    ("SW-CTR-003", "cap_drop: [ALL]"),
    ("SW-CTR-006", "no-new-privileges"),
    ("SW-CTR-014", "read_only"),
    ("SW-CTR-015", "memory limit"),
    ("SW-CTR-016", "CPU limit"),
    ("SW-CTR-017", "PIDs limit"),
    ("SW-CTR-020", "user"),
];

/// Runs the CIS Docker Benchmark section 5 rules (`SW-CTR-*`) on one container.
pub fn check_container(spec: &ContainerSpec) -> Vec<Finding> {
    let mut out = check_container_inner(spec);
    for f in &mut out {
        let control = HARDENING.iter().find(|(id, _)| *id == f.id).map(|(_, c)| *c);
        if let Some(c) = control.filter(|_| f.id != "SW-CTR-020" || spec.user.is_none()) {
            f.details.insert("group".into(), format!("hardening:{}", spec.name));
            f.details.insert("control".into(), c.to_string());
        }
    }
    out
}

fn check_container_inner(spec: &ContainerSpec) -> Vec<Finding> {
    let mut out = Vec::new();
    let n = spec.name.as_str();
    let mut push_at = |rule, loc: Location, msg: String, extra: &str| {
        out.push(finding(rule, loc, format!("{n}: {msg}"), &format!("{n}|{extra}")));
    };
    macro_rules! push {
        ($rule:expr, $key:expr, $msg:expr, $extra:expr $(,)?) => {
            push_at($rule, spec.loc($key), $msg, $extra)
        };
    }
    if spec.privileged {
        push!(&CTR_PRIVILEGED, "privileged", "privileged: true".into(), "");
    }
    let extra: Vec<String> = spec
        .cap_add
        .iter()
        .map(|c| normalize_cap(c))
        .filter(|c| !DEFAULT_CAPS.contains(&c.as_str()))
        .collect();
    for c in &extra {
        push_at(&CTR_CAP_ADD, spec.item_loc("cap_add", c), format!("cap_add {c}"), c);
    }
    if !spec.privileged && !spec.cap_drop.iter().any(|c| normalize_cap(c) == "ALL") {
        push!(&CTR_NO_CAP_DROP, "cap_drop", "capabilities are not dropped with cap_drop: [ALL]".into(), "");
    }
    if spec.sec_opt(|k, v| k == "seccomp" && v.eq_ignore_ascii_case("unconfined")) {
        push!(&CTR_SECCOMP_UNCONFINED, "security_opt", "security_opt seccomp=unconfined".into(), "");
    }
    if spec.sec_opt(|k, v| k == "apparmor" && v.eq_ignore_ascii_case("unconfined")) {
        push!(&CTR_APPARMOR_UNCONFINED, "security_opt", "security_opt apparmor=unconfined".into(), "");
    }
    if !spec.sec_opt(|k, v| k == "no-new-privileges" && (v.is_empty() || v.eq_ignore_ascii_case("true"))) {
        push!(&CTR_NO_NEW_PRIVS, "security_opt", "no-new-privileges is not set".into(), "");
    }
    if is_host_mode(&spec.network_mode) {
        push!(&CTR_NET_HOST, "network_mode", "network_mode: host".into(), "");
    }
    if is_host_mode(&spec.pid) {
        push!(&CTR_PID_HOST, "pid", "pid: host".into(), "");
    }
    if is_host_mode(&spec.ipc) {
        push!(&CTR_IPC_HOST, "ipc", "ipc: host".into(), "");
    }
    if is_host_mode(&spec.uts) {
        push!(&CTR_UTS_HOST, "uts", "uts: host".into(), "");
    }
    if is_host_mode(&spec.userns) {
        push!(&CTR_USERNS_HOST, "userns_mode", "userns_mode: host".into(), "");
    }
    for (i, m) in spec.mounts.iter().enumerate().filter(|(_, m)| m.bind) {
        let vloc = spec.item_loc("volumes", &i.to_string());
        let src = m.source.trim_end_matches('/');
        let src = if src.is_empty() { "/" } else { src };
        if src.ends_with("docker.sock")
            || src.ends_with("containerd.sock")
            || src.ends_with("podman.sock")
            || src.ends_with("crio.sock")
        {
            push_at(&CTR_DOCKER_SOCK, vloc, format!("container runtime socket {src} mounted"), src);
        } else if src.starts_with("/dev/nvidia") {
            push_at(&CTR_GPU_DEVICES, vloc, format!("GPU device {src} bind-mounted"), src);
        } else if src != "/dev/shm"
            && SENSITIVE_HOST_PATHS
                .iter()
                .any(|p| src == *p || (*p != "/" && src.starts_with(&format!("{p}/"))))
        {
            push_at(
                &CTR_SENSITIVE_MOUNT,
                vloc,
                format!(
                    "host path {src} mounted at {}{}",
                    m.target,
                    if m.read_only { " (read-only)" } else { "" }
                ),
                src,
            );
        }
    }
    if !spec.read_only {
        push!(&CTR_RW_ROOTFS, "read_only", "root filesystem is writable".into(), "");
    }
    if !spec.memory_limit {
        push!(&CTR_NO_MEMORY_LIMIT, "limits", "no memory limit".into(), "");
    }
    if !spec.cpu_limit {
        push!(&CTR_NO_CPU_LIMIT, "limits", "no CPU limit".into(), "");
    }
    if !spec.pids_limit {
        push!(&CTR_NO_PIDS_LIMIT, "limits", "no PIDs limit".into(), "");
    }
    for (i, p) in spec.ports.iter().enumerate() {
        let ploc = spec.item_loc("ports", &i.to_string());
        let hp = p.host_port_label();
        if p.is_public() {
            push_at(
                &CTR_PORT_ALL_INTERFACES,
                ploc.clone(),
                format!("port {hp}->{} published on all interfaces", p.container_port),
                &format!("{hp}:{}", p.container_port),
            );
        }
        if let Some(h) = p.host_port
            && h > 0
            && h < 1024
        {
            push_at(&CTR_PRIVILEGED_PORT, ploc, format!("privileged host port {h}"), &h.to_string());
        }
    }
    let nonroot_image = spec.image.as_deref().is_some_and(crate::dockerfile::image_runs_nonroot);
    match spec.user.as_deref() {
        None if nonroot_image => {}
        None => {
            push!(&CTR_USER_ROOT, "user", "no user set (runs as the image user, usually root)".into(), "")
        }
        Some(u) if crate::dockerfile::is_root_user(u) => {
            push!(&CTR_USER_ROOT, "user", format!("user: {u}"), "")
        }
        _ => {}
    }
    if let Some(img) = spec.image.as_deref()
        && !spec.image_is_build_output
        && !crate::dockerfile::is_placeholder_image(img)
    {
        let (_, tag, digest) = crate::dockerfile::image_parts(img);
        if !digest && matches!(tag.as_deref(), None | Some("latest")) {
            push!(&CTR_IMAGE_LATEST, "image", format!("image {img} is untagged or :latest"), img);
        }
        if !digest {
            push!(&CTR_IMAGE_NO_DIGEST, "image", format!("image {img} is not pinned by digest"), img);
        }
    }
    let nvidia_devs: Vec<&String> =
        spec.devices.iter().filter(|d| d.starts_with("/dev/nvidia") || d.starts_with("/dev/dri")).collect();
    if !nvidia_devs.is_empty() {
        push!(
            &CTR_GPU_DEVICES,
            "devices",
            format!(
                "GPU device nodes passed directly: {}",
                nvidia_devs.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
            "devices",
        );
    } else if spec.privileged && spec.gpu_all.is_some() {
        push!(&CTR_GPU_DEVICES, "privileged", "GPU service also runs privileged".into(), "privileged-gpu");
    }
    for (i, d) in spec.devices.iter().enumerate() {
        if d.is_empty() || d.starts_with("/dev/nvidia") || d.starts_with("/dev/dri") {
            continue;
        }
        push_at(&CTR_HOST_DEVICE, spec.item_loc("devices", &i.to_string()), format!("host device {d}"), d);
    }
    if spec.gpu_all == Some(true) {
        push!(&CTR_GPU_ALL, "gpu", "all GPUs granted".into(), "");
    }
    if spec.healthcheck_disabled {
        push!(&CTR_HEALTHCHECK_DISABLED, "healthcheck", "healthcheck disabled".into(), "");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hardened() -> ContainerSpec {
        ContainerSpec {
            name: "api".into(),
            image: Some("x/api:1.0@sha256:abc".into()),
            cap_drop: vec!["ALL".into()],
            security_opt: vec!["no-new-privileges:true".into()],
            read_only: true,
            memory_limit: true,
            cpu_limit: true,
            pids_limit: true,
            user: Some("10001".into()),
            ports: vec![PortSpec {
                host_ip: Some("127.0.0.1".into()),
                host_port: Some(8080),
                container_port: 8080,
                host_port_var: None,
            }],
            mounts: vec![MountSpec {
                source: "./models".into(),
                target: "/models".into(),
                bind: true,
                read_only: true,
            }],
            gpu_all: Some(false),
            ..Default::default()
        }
    }

    fn ids(s: &ContainerSpec) -> Vec<&'static str> {
        let mut v: Vec<&'static str> =
            check_container(s).iter().map(|f| crate::rule(&f.id).map_or("?", |r| r.id)).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn hardened_is_clean() {
        assert!(ids(&hardened()).is_empty(), "{:?}", ids(&hardened()));
    }

    #[test]
    fn each_rule_fires() {
        type Mutate = Box<dyn Fn(&mut ContainerSpec)>;
        let cases: Vec<(&str, Mutate)> = vec![
            ("SW-CTR-001", Box::new(|s| s.privileged = true)),
            ("SW-CTR-002", Box::new(|s| s.cap_add = vec!["cap_sys_admin".into()])),
            ("SW-CTR-003", Box::new(|s| s.cap_drop.clear())),
            ("SW-CTR-004", Box::new(|s| s.security_opt.push("seccomp:unconfined".into()))),
            ("SW-CTR-005", Box::new(|s| s.security_opt.push("apparmor=unconfined".into()))),
            ("SW-CTR-006", Box::new(|s| s.security_opt.clear())),
            ("SW-CTR-007", Box::new(|s| s.network_mode = Some("host".into()))),
            ("SW-CTR-008", Box::new(|s| s.pid = Some("host".into()))),
            ("SW-CTR-009", Box::new(|s| s.ipc = Some("host".into()))),
            ("SW-CTR-010", Box::new(|s| s.uts = Some("host".into()))),
            ("SW-CTR-011", Box::new(|s| s.userns = Some("host".into()))),
            (
                "SW-CTR-012",
                Box::new(|s| {
                    s.mounts.push(MountSpec {
                        source: "/var/run/docker.sock".into(),
                        target: "/var/run/docker.sock".into(),
                        bind: true,
                        read_only: false,
                    })
                }),
            ),
            (
                "SW-CTR-013",
                Box::new(|s| {
                    s.mounts.push(MountSpec {
                        source: "/etc".into(),
                        target: "/host/etc".into(),
                        bind: true,
                        read_only: true,
                    })
                }),
            ),
            ("SW-CTR-014", Box::new(|s| s.read_only = false)),
            ("SW-CTR-015", Box::new(|s| s.memory_limit = false)),
            ("SW-CTR-016", Box::new(|s| s.cpu_limit = false)),
            ("SW-CTR-017", Box::new(|s| s.pids_limit = false)),
            ("SW-CTR-018", Box::new(|s| s.ports[0].host_ip = None)),
            ("SW-CTR-019", Box::new(|s| s.ports[0].host_port = Some(80))),
            ("SW-CTR-020", Box::new(|s| s.user = Some("0:0".into()))),
            ("SW-CTR-021", Box::new(|s| s.image = Some("ollama/ollama".into()))),
            ("SW-CTR-022", Box::new(|s| s.image = Some("ollama/ollama:0.5.7".into()))),
            ("SW-CTR-023", Box::new(|s| s.devices.push("/dev/nvidia0:/dev/nvidia0".into()))),
            ("SW-CTR-024", Box::new(|s| s.gpu_all = Some(true))),
            ("SW-CTR-025", Box::new(|s| s.healthcheck_disabled = true)),
            ("SW-CTR-026", Box::new(|s| s.devices.push("/dev/kmsg".into()))),
        ];
        for (id, f) in cases {
            let mut s = hardened();
            f(&mut s);
            assert!(ids(&s).contains(&id), "{id} not raised: {:?}", ids(&s));
        }
    }

    #[test]
    fn named_volume_and_dev_shm_are_fine() {
        let mut s = hardened();
        s.mounts.push(MountSpec {
            source: "pgdata".into(),
            target: "/var/lib/postgresql".into(),
            bind: false,
            read_only: false,
        });
        s.mounts.push(MountSpec {
            source: "/dev/shm".into(),
            target: "/dev/shm".into(),
            bind: true,
            read_only: false,
        });
        assert!(ids(&s).is_empty());
    }
}
