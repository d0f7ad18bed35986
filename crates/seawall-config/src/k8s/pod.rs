//! Pod-level checks: Pod Security Standards controls and container hygiene.

use seawall_core::{Finding, RuleMeta};

use super::{Doc, PodRef};
use crate::catalog::k8s::*;
use crate::emit::finding;
use crate::yaml::Node;
use crate::{mlexpose, secretname, shell};

const BASELINE_CAPS: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const RESTRICTED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];
const SELINUX_TYPES: &[&str] =
    &["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

/// Container-level controls shown together per container (each stays its own rule).
const K8S_HARDENING: &[(&str, &str)] = &[
    ("SW-K8S-013", "allowPrivilegeEscalation: false"),
    ("SW-K8S-014", "runAsNonRoot"),
    ("SW-K8S-016", "seccomp RuntimeDefault"),
    ("SW-K8S-017", "drop ALL capabilities"),
    ("SW-K8S-032", "readOnlyRootFilesystem"),
    ("SW-K8S-033", "CPU/memory limits"),
];

struct Emit<'a, 'd> {
    out: &'a mut Vec<Finding>,
    doc: &'a Doc<'d>,
    part: &'a str,
    /// The current container is privileged: its restricted-profile findings are folded into the
    /// privileged finding.
    fold_restricted: bool,
}

impl Emit<'_, '_> {
    fn at(&mut self, rule: &RuleMeta, n: &Node, msg: String, key: &str, profile: Option<&str>) {
        if self.fold_restricted && profile == Some("restricted") {
            return;
        }
        let part = if self.part.is_empty() { String::new() } else { format!(" ({})", self.part) };
        let mut f = finding(
            rule,
            self.doc.srcs.loc(n),
            format!("{} {}/{}{part}: {msg}", self.doc.kind(), self.doc.namespace(), self.doc.name()),
            &format!("{}|{}|{}|{}|{key}", self.doc.kind(), self.doc.namespace(), self.doc.name(), self.part),
        );
        if let Some(p) = profile {
            f = f.with_detail("profile", p);
        }
        // container hardening controls: one line per container in human-readable outputs
        if let Some((_, control)) = K8S_HARDENING.iter().find(|(id, _)| *id == rule.id)
            && let Some(container) = key.split('|').next().filter(|c| !c.is_empty())
        {
            f.details.insert(
                "group".into(),
                format!(
                    "hardening:{}/{}/{}/{container}",
                    self.doc.kind(),
                    self.doc.namespace(),
                    self.doc.name()
                ),
            );
            f.details.insert("control".into(), (*control).to_string());
        }
        self.out.push(f);
    }
}

fn containers(spec: &Node) -> Vec<&Node> {
    ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .flat_map(|k| spec.get(k).map(Node::seq).unwrap_or(&[]).iter())
        .collect()
}

fn seccomp_type(sc: Option<&Node>) -> Option<&str> {
    sc.and_then(|s| s.path(&["seccompProfile", "type"])).and_then(Node::as_str)
}

pub(super) fn check_pod(out: &mut Vec<Finding>, doc: &Doc<'_>, pod: &PodRef<'_>) {
    let spec: &Node = &pod.spec;
    let mut e = Emit { out, doc, part: &pod.part, fold_restricted: false };
    let b = Some("baseline");
    let r = Some("restricted");
    let psc = spec.get("securityContext");
    // --- baseline: pod level
    for k in ["hostNetwork", "hostPID", "hostIPC"] {
        if let Some(n) = spec.get(k).filter(|n| n.is_true()) {
            e.at(&K8S_PSS_HOST_NAMESPACES, n, format!("{k}: true"), k, b);
        }
    }
    if let Some(n) = psc.and_then(|s| s.path(&["windowsOptions", "hostProcess"])).filter(|n| n.is_true()) {
        e.at(&K8S_PSS_HOST_PROCESS, n, "hostProcess: true".into(), "hostProcess", b);
    }
    for s in psc.and_then(|s| s.get("sysctls")).map(Node::seq).unwrap_or(&[]) {
        let name = s.get("name").and_then(Node::as_str).unwrap_or("");
        if !SAFE_SYSCTLS.contains(&name) {
            e.at(&K8S_PSS_SYSCTLS, s, format!("unsafe sysctl {name}"), name, b);
        }
    }
    let pod_seccomp = seccomp_type(psc);
    if pod_seccomp == Some("Unconfined") {
        e.at(
            &K8S_PSS_SECCOMP_UNCONFINED,
            psc.unwrap_or(spec),
            "pod seccompProfile Unconfined".into(),
            "pod-seccomp",
            b,
        );
    }
    let pod_apparmor = psc.and_then(|s| s.path(&["appArmorProfile", "type"])).and_then(Node::as_str);
    if pod_apparmor == Some("Unconfined") {
        e.at(
            &K8S_PSS_APPARMOR,
            psc.unwrap_or(spec),
            "pod appArmorProfile Unconfined".into(),
            "pod-apparmor",
            b,
        );
    }
    if let Some(ann) =
        doc.node.path(&["metadata", "annotations"]).or_else(|| pod.meta.and_then(|m| m.get("annotations")))
    {
        for (k, v) in ann.map() {
            if k.as_str().is_some_and(|k| k.starts_with("container.apparmor.security.beta.kubernetes.io/"))
                && v.as_str() == Some("unconfined")
            {
                e.at(&K8S_PSS_APPARMOR, k, "AppArmor annotation unconfined".into(), "apparmor-annotation", b);
            }
        }
    }
    let selinux_bad = |sc: Option<&Node>| {
        sc.and_then(|s| s.get("seLinuxOptions")).is_some_and(|o| {
            o.get("user").is_some()
                || o.get("role").is_some()
                || !SELINUX_TYPES.contains(&o.get("type").and_then(Node::as_str).unwrap_or(""))
        })
    };
    if selinux_bad(psc) {
        e.at(&K8S_PSS_SELINUX, psc.unwrap_or(spec), "custom seLinuxOptions".into(), "pod-selinux", b);
    }
    // volumes
    for v in spec.get("volumes").map(Node::seq).unwrap_or(&[]) {
        let vname = v.get("name").and_then(Node::as_str).unwrap_or("");
        if let Some(hp) = v.get("hostPath") {
            // one finding per hostPath volume: the GPU-specific rule when it is a device node,
            // else the baseline control (the restricted volume-type control restates it)
            let path = hp.get("path").and_then(Node::as_str).unwrap_or("");
            if path.starts_with("/dev/nvidia") {
                e.at(&K8S_GPU_HOSTPATH, v, format!("GPU device {path} mounted via hostPath"), vname, None);
            } else {
                e.at(&K8S_PSS_HOSTPATH, v, format!("hostPath volume {vname} ({path})"), vname, b);
            }
            continue;
        }
        let ty = v.map().iter().filter_map(|(k, _)| k.as_str()).find(|k| *k != "name").unwrap_or("");
        if !ty.is_empty() && !RESTRICTED_VOLUMES.contains(&ty) {
            e.at(&K8S_PSS_VOLUME_TYPES, v, format!("volume {vname} of type {ty}"), vname, r);
        }
    }
    // service account token
    if !spec.get("automountServiceAccountToken").is_some_and(Node::is_false) {
        e.at(
            &K8S_SA_TOKEN_AUTOMOUNT,
            spec.key("automountServiceAccountToken").unwrap_or(spec),
            "automountServiceAccountToken is not false".into(),
            "sa",
            None,
        );
    }
    let pod_non_root = psc.and_then(|s| s.get("runAsNonRoot")).is_some_and(Node::is_true);
    if let Some(n) = psc.and_then(|s| s.get("runAsUser")).filter(|n| n.as_str() == Some("0")) {
        e.at(&K8S_PSS_RUN_AS_USER_ROOT, n, "pod runAsUser: 0".into(), "pod-uid", r);
    }
    // --- probes on long-running workloads
    if doc.long_running() {
        for c in spec.get("containers").map(Node::seq).unwrap_or(&[]) {
            if c.get("livenessProbe").is_none() && c.get("readinessProbe").is_none() {
                let cname = c.get("name").and_then(Node::as_str).unwrap_or("?");
                e.at(
                    &K8S_NO_PROBES,
                    c,
                    format!("container {cname} has no liveness or readiness probe"),
                    cname,
                    None,
                );
            }
        }
    }
    // --- containers
    for c in containers(spec) {
        let cname = c.get("name").and_then(Node::as_str).unwrap_or("?").to_string();
        let sc = c.get("securityContext");
        let scv = |k: &str| sc.and_then(|s| s.get(k));
        e.fold_restricted = false;
        if let Some(n) = scv("privileged").filter(|n| n.is_true()) {
            e.at(
                &K8S_PSS_PRIVILEGED,
                n,
                format!(
                    "container {cname} is privileged (every restricted-profile control is moot for it and not reported separately)"
                ),
                &cname,
                b,
            );
            e.fold_restricted = true;
        }
        if let Some(n) = sc.and_then(|s| s.path(&["windowsOptions", "hostProcess"])).filter(|n| n.is_true()) {
            e.at(&K8S_PSS_HOST_PROCESS, n, format!("container {cname} hostProcess: true"), &cname, b);
        }
        let adds: Vec<String> = sc
            .and_then(|s| s.path(&["capabilities", "add"]))
            .map(Node::seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            .map(crate::container::normalize_cap)
            .collect();
        let beyond: Vec<&str> =
            adds.iter().map(String::as_str).filter(|a| !BASELINE_CAPS.contains(a)).collect();
        if !beyond.is_empty() {
            e.at(
                &K8S_PSS_CAPABILITIES,
                c,
                format!("container {cname} adds {}", beyond.join(", ")),
                &cname,
                b,
            );
        }
        let drops_all = sc
            .and_then(|s| s.path(&["capabilities", "drop"]))
            .map(Node::seq)
            .unwrap_or(&[])
            .iter()
            .any(|d| d.as_str().is_some_and(|x| x.eq_ignore_ascii_case("ALL")));
        if !drops_all || adds.iter().any(|a| a != "NET_BIND_SERVICE") {
            e.at(
                &K8S_PSS_CAPS_RESTRICTED,
                c,
                format!(
                    "container {cname} does not drop ALL capabilities (or adds more than NET_BIND_SERVICE)"
                ),
                &cname,
                r,
            );
        }
        for p in c.get("ports").map(Node::seq).unwrap_or(&[]) {
            if let Some(hp) = p.get("hostPort").filter(|h| h.as_str().is_some_and(|v| v != "0")) {
                e.at(
                    &K8S_PSS_HOST_PORTS,
                    hp,
                    format!("container {cname} hostPort {}", hp.as_str().unwrap_or("")),
                    &cname,
                    b,
                );
            }
        }
        if sc.and_then(|s| s.path(&["appArmorProfile", "type"])).and_then(Node::as_str) == Some("Unconfined")
        {
            e.at(&K8S_PSS_APPARMOR, c, format!("container {cname} appArmorProfile Unconfined"), &cname, b);
        }
        if selinux_bad(sc) {
            e.at(&K8S_PSS_SELINUX, c, format!("container {cname} custom seLinuxOptions"), &cname, b);
        }
        if let Some(n) = scv("procMount").filter(|n| n.as_str() == Some("Unmasked")) {
            e.at(&K8S_PSS_PROC_MOUNT, n, format!("container {cname} procMount: Unmasked"), &cname, b);
        }
        let cseccomp = seccomp_type(sc);
        if cseccomp == Some("Unconfined") {
            e.at(
                &K8S_PSS_SECCOMP_UNCONFINED,
                c,
                format!("container {cname} seccompProfile Unconfined"),
                &cname,
                b,
            );
        }
        let eff_seccomp = cseccomp.or(pod_seccomp);
        if !matches!(eff_seccomp, Some("RuntimeDefault" | "Localhost")) {
            e.at(
                &K8S_PSS_SECCOMP_MISSING,
                c,
                format!("container {cname} has no RuntimeDefault/Localhost seccomp profile"),
                &cname,
                r,
            );
        }
        if !scv("allowPrivilegeEscalation").is_some_and(Node::is_false) {
            e.at(
                &K8S_PSS_PRIV_ESCALATION,
                c,
                format!("container {cname} allowPrivilegeEscalation is not false"),
                &cname,
                r,
            );
        }
        let c_non_root = scv("runAsNonRoot");
        if !(c_non_root.is_some_and(Node::is_true)
            || (pod_non_root && !c_non_root.is_some_and(Node::is_false)))
        {
            e.at(
                &K8S_PSS_RUN_AS_NON_ROOT,
                c,
                format!("container {cname} runAsNonRoot is not true"),
                &cname,
                r,
            );
        }
        if let Some(n) = scv("runAsUser").filter(|n| n.as_str() == Some("0")) {
            e.at(&K8S_PSS_RUN_AS_USER_ROOT, n, format!("container {cname} runAsUser: 0"), &cname, r);
        }
        if !scv("readOnlyRootFilesystem").is_some_and(Node::is_true) {
            e.at(
                &K8S_RW_ROOTFS,
                c,
                format!("container {cname} readOnlyRootFilesystem is not true"),
                &cname,
                None,
            );
        }
        let limits = c.path(&["resources", "limits"]);
        if limits.and_then(|l| l.get("memory")).is_none() || limits.and_then(|l| l.get("cpu")).is_none() {
            e.at(&K8S_NO_LIMITS, c, format!("container {cname} lacks CPU or memory limits"), &cname, None);
        }
        if let Some(img) =
            c.get("image").and_then(Node::as_str).filter(|i| !crate::dockerfile::is_placeholder_image(i))
        {
            let (_, tag, digest) = crate::dockerfile::image_parts(img);
            let n = c.get("image").unwrap_or(c);
            if !digest && matches!(tag.as_deref(), None | Some("latest")) {
                e.at(
                    &K8S_IMAGE_LATEST,
                    n,
                    format!("container {cname} image {img} is untagged or :latest"),
                    &cname,
                    None,
                );
            }
            if !digest {
                e.at(
                    &K8S_IMAGE_NO_DIGEST,
                    n,
                    format!("container {cname} image {img} is not pinned by digest"),
                    &cname,
                    None,
                );
            }
        }
        for env in c.get("env").map(Node::seq).unwrap_or(&[]) {
            let name = env.get("name").and_then(Node::as_str).unwrap_or("");
            if let Some(v) = env.get("value").and_then(Node::as_str) {
                if secretname::is_secret_literal(name, v) {
                    e.at(
                        &K8S_SECRET_ENV_LITERAL,
                        env,
                        format!("container {cname} env {name} has a literal value"),
                        &format!("{cname}|{name}"),
                        None,
                    );
                }
                if secretname::is_empty_password_switch(name, v) {
                    e.at(
                        &crate::catalog::container::CTR_NO_AUTH,
                        env,
                        format!("container {cname} {name}={v} starts the datastore without a password"),
                        &format!("{cname}|{name}"),
                        None,
                    );
                }
                for h in mlexpose::check_env(name, v) {
                    e.at(
                        h.rule,
                        env,
                        format!("container {cname}: {}", h.message),
                        &format!("{cname}|{name}"),
                        None,
                    );
                }
            }
        }
        {
            let mut args: Vec<String> = Vec::new();
            for k in ["command", "args"] {
                args.extend(
                    c.get(k)
                        .map(Node::seq)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(Node::as_str)
                        .map(str::to_string),
                );
            }
            let env_key = c
                .get("env")
                .map(Node::seq)
                .unwrap_or(&[])
                .iter()
                .any(|e| e.get("name").and_then(Node::as_str) == Some("VLLM_API_KEY"))
                || c.get("envFrom").is_some();
            if let Some(flag) = secretname::literal_flag_secret(&args) {
                let at = c.get("args").or_else(|| c.get("command")).unwrap_or(c);
                e.at(
                    &K8S_SECRET_ENV_LITERAL,
                    at,
                    format!("container {cname} passes {flag} with a literal value"),
                    &format!("{cname}|{flag}"),
                    None,
                );
            }
            if mlexpose::is_vllm(c.get("image").and_then(Node::as_str), &args)
                && !mlexpose::has_api_key_flag(&args)
                && !env_key
            {
                e.at(
                    &crate::catalog::ml::ML_VLLM_NO_API_KEY,
                    c,
                    format!("container {cname}: vLLM server without --api-key or VLLM_API_KEY"),
                    &cname,
                    None,
                );
            }
        }
        let mut argv: Vec<(String, usize)> = Vec::new();
        for k in ["command", "args"] {
            argv.extend(
                c.get(k)
                    .map(Node::seq)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|a| a.as_str().map(|s| (s.to_string(), 0))),
            );
        }
        if !argv.is_empty() {
            let at = c.get("command").or_else(|| c.get("args")).unwrap_or(c);
            for cmd in shell::from_argv(&argv) {
                for h in mlexpose::check_command(&cmd) {
                    e.at(
                        h.rule,
                        at,
                        format!("container {cname}: {}", h.message),
                        &format!("{cname}|{}", h.rule.id),
                        None,
                    );
                }
            }
        }
    }
}
