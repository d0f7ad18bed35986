//! Docker daemon checks (CIS Docker Benchmark 2.x, 3.x): `daemon.json`, `dockerd` flags in systemd
//! units, file ownership/modes, the NVIDIA container runtime config and toolkit versions.

use seawall_core::{Finding, Location, ScanWarning};

use crate::catalog::daemon::*;
use crate::emit::{LineIndex, finding};
use crate::{shell, tables};

/// The daemon settings the CIS 2.x rules look at, from `daemon.json` or `dockerd` flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonSettings {
    /// `icc`.
    pub icc: Option<bool>,
    /// `userns-remap`.
    pub userns_remap: Option<String>,
    /// `live-restore`.
    pub live_restore: Option<bool>,
    /// `no-new-privileges`.
    pub no_new_privileges: Option<bool>,
    /// `hosts` / `-H`.
    pub hosts: Vec<String>,
    /// `tlsverify`.
    pub tlsverify: Option<bool>,
    /// `insecure-registries`.
    pub insecure_registries: Vec<String>,
    /// `log-driver`.
    pub log_driver: Option<String>,
    /// `seccomp-profile`.
    pub seccomp_profile: Option<String>,
    /// `userland-proxy`.
    pub userland_proxy: Option<bool>,
    /// `ip` (default bind address for published ports).
    pub ip: Option<String>,
}

/// Parses `daemon.json`.
pub fn parse_daemon_json(text: &str) -> Result<DaemonSettings, serde_json::Error> {
    let v: serde_json::Value = serde_json::from_str(text)?;
    let b = |k: &str| v.get(k).and_then(serde_json::Value::as_bool);
    let s = |k: &str| v.get(k).and_then(serde_json::Value::as_str).map(str::to_string);
    let list = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    Ok(DaemonSettings {
        icc: b("icc"),
        userns_remap: s("userns-remap"),
        live_restore: b("live-restore"),
        no_new_privileges: b("no-new-privileges"),
        hosts: list("hosts"),
        tlsverify: b("tlsverify"),
        insecure_registries: list("insecure-registries"),
        log_driver: s("log-driver"),
        seccomp_profile: s("seccomp-profile"),
        userland_proxy: b("userland-proxy"),
        ip: s("ip"),
    })
}

/// Parses `dockerd` flags from a command line (`ExecStart=` of a systemd unit).
pub fn parse_dockerd_flags(cmdline: &str) -> DaemonSettings {
    let mut d = DaemonSettings::default();
    let words: Vec<String> =
        shell::split(cmdline).into_iter().flat_map(|c| c.words).map(|w| w.text).collect();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f.to_string(), Some(v.to_string())),
            _ => (w.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| {
                    i += 1;
                    words.get(i).cloned()
                })
                .unwrap_or_default()
        };
        let boolv = |v: Option<String>| v.map_or(Some(true), |x| Some(x != "false"));
        match flag.as_str() {
            "-H" | "--host" => d.hosts.push(value()),
            "--icc" => d.icc = boolv(inline.clone()),
            "--userns-remap" => d.userns_remap = Some(value()),
            "--live-restore" => d.live_restore = boolv(inline.clone()),
            "--no-new-privileges" => d.no_new_privileges = boolv(inline.clone()),
            "--tlsverify" => d.tlsverify = boolv(inline.clone()),
            "--insecure-registry" => d.insecure_registries.push(value()),
            "--log-driver" => d.log_driver = Some(value()),
            "--seccomp-profile" => d.seccomp_profile = Some(value()),
            "--userland-proxy" => d.userland_proxy = boolv(inline.clone()),
            "--ip" => d.ip = Some(value()),
            _ => {}
        }
        i += 1;
    }
    d
}

/// Runs the CIS 2.x rules on daemon settings; `loc` is where they were read.
pub fn check_daemon_settings(d: &DaemonSettings, loc: &Location) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |r, msg: String, key: &str| out.push(finding(r, loc.clone(), msg, key));
    if d.icc != Some(false) {
        push(&DAEMON_ICC, "icc is not disabled".into(), "");
    }
    if d.userns_remap.as_deref().is_none_or(str::is_empty) {
        push(&DAEMON_USERNS, "userns-remap is not set".into(), "");
    }
    if d.live_restore != Some(true) {
        push(&DAEMON_LIVE_RESTORE, "live-restore is not enabled".into(), "");
    }
    if d.no_new_privileges != Some(true) {
        push(&DAEMON_NO_NEW_PRIVS, "no-new-privileges is not set".into(), "");
    }
    for h in &d.hosts {
        if h.starts_with("tcp://") && d.tlsverify != Some(true) {
            push(&DAEMON_TCP_NO_TLS, format!("host {h} without tlsverify"), h);
        }
    }
    for r in &d.insecure_registries {
        push(&DAEMON_INSECURE_REGISTRY, format!("insecure registry {r}"), r);
    }
    if d.log_driver.as_deref().is_none_or(|l| matches!(l, "json-file" | "local" | "none")) {
        push(
            &DAEMON_LOG_DRIVER,
            format!("log driver {}", d.log_driver.as_deref().unwrap_or("json-file (default)")),
            "",
        );
    }
    if d.seccomp_profile.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("unconfined")) {
        push(&DAEMON_SECCOMP, "seccomp-profile is unconfined".into(), "");
    }
    if d.userland_proxy != Some(false) {
        push(&DAEMON_USERLAND_PROXY, "userland-proxy is not disabled".into(), "");
    }
    if d.ip.as_deref().is_none_or(|ip| ip == "0.0.0.0" || ip == "::") {
        push(&DAEMON_DEFAULT_BIND, "published ports default to 0.0.0.0".into(), "");
    }
    out
}

/// Checks a `daemon.json` text.
pub fn check_daemon_json(loc: &Location, text: &str) -> (Vec<Finding>, Vec<ScanWarning>) {
    match parse_daemon_json(text) {
        Ok(d) => (check_daemon_settings(&d, loc), Vec::new()),
        Err(e) => (
            Vec::new(),
            vec![ScanWarning::at("config-files", loc.clone(), format!("cannot parse daemon.json: {e}"))],
        ),
    }
}

/// Checks a systemd unit (`dockerd` flags of every `ExecStart=` line) or a `/etc/default/docker` /
/// `/etc/sysconfig/docker` file (`DOCKER_OPTS=` / `OPTIONS=`).
pub fn check_systemd_unit(loc: &Location, text: &str) -> Vec<Finding> {
    let idx = LineIndex::new(text);
    let mut out = Vec::new();
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        let l = line.trim();
        // systemd `ExecStart=…dockerd …`, or `DOCKER_OPTS="…"` / `OPTIONS="…"` in
        // /etc/default/docker and /etc/sysconfig/docker
        let flags =
            l.strip_prefix("ExecStart=").filter(|c| c.contains("dockerd")).map(str::to_string).or_else(
                || {
                    ["DOCKER_OPTS=", "OPTIONS=", "export DOCKER_OPTS="]
                        .iter()
                        .find_map(|p| l.strip_prefix(p))
                        .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
                },
            );
        if let Some(cmd) = flags {
            let d = parse_dockerd_flags(&cmd);
            let at = idx.loc(loc, off);
            // Only what the flags say explicitly: daemon.json may configure the rest.
            for f in check_daemon_settings(&d, &at) {
                let explicit = matches!(f.id.as_str(), "SW-DAEMON-005" | "SW-DAEMON-006" | "SW-DAEMON-008")
                    || (f.id == "SW-DAEMON-001" && d.icc == Some(true))
                    || (f.id == "SW-DAEMON-009" && d.userland_proxy == Some(true));
                if explicit {
                    out.push(f);
                }
            }
        }
        off += line.len();
    }
    out
}

/// File ownership/mode check (CIS 3.x) for daemon configuration files: root-owned and not writable by
/// group or others.
pub fn check_file_perms(loc: &Location, uid: u64, gid: u64, mode: u32) -> Vec<Finding> {
    if uid != 0 || gid != 0 || mode & 0o022 != 0 {
        vec![finding(
            &DAEMON_FILE_PERMS,
            loc.clone(),
            format!("owner {uid}:{gid}, mode {:o} (want root:root, 644 or stricter)", mode & 0o7777),
            "",
        )]
    } else {
        Vec::new()
    }
}

/// What a Docker host path is, for the CIS 3.x ownership/permission checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DockerPathKind {
    /// `/etc/docker` directory: root:root, 755 or stricter.
    ConfigDir,
    /// `docker.sock`: owned by root, 660 or stricter.
    Socket,
    /// A TLS private key under `/etc/docker`: 400/600.
    TlsKey,
    /// A TLS certificate under `/etc/docker`: not writable by group/others.
    TlsCert,
}

/// The [`DockerPathKind`] of a path (`/`-separated, absolute or relative), if it is one.
pub fn docker_path_kind(path: &str) -> Option<DockerPathKind> {
    let rel = path.trim_start_matches('/').trim_end_matches('/');
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if rel == "etc/docker" {
        return Some(DockerPathKind::ConfigDir);
    }
    if name == "docker.sock" && (rel.starts_with("var/run/") || rel.starts_with("run/")) {
        return Some(DockerPathKind::Socket);
    }
    if rel.starts_with("etc/docker/") && name.ends_with(".pem") {
        return Some(if name.contains("key") { DockerPathKind::TlsKey } else { DockerPathKind::TlsCert });
    }
    None
}

/// CIS 3.x ownership/permission check for a Docker host path of the given kind.
pub fn check_docker_path_perms(loc: &Location, kind: DockerPathKind, uid: u64, mode: u32) -> Vec<Finding> {
    let m = mode & 0o7777;
    let (bad, want) = match kind {
        DockerPathKind::ConfigDir => (uid != 0 || m & 0o022 != 0, "root-owned, 755 or stricter"),
        DockerPathKind::Socket => (uid != 0 || m & 0o007 != 0, "root-owned, 660 or stricter"),
        DockerPathKind::TlsKey => (uid != 0 || m & 0o077 != 0, "root-owned, 400"),
        DockerPathKind::TlsCert => (uid != 0 || m & 0o022 != 0, "root-owned, 444"),
    };
    if bad {
        vec![finding(
            &DAEMON_FILE_PERMS,
            loc.clone(),
            format!("owner uid {uid}, mode {m:o} (want {want})"),
            "",
        )]
    } else {
        Vec::new()
    }
}

/// Checks `/etc/nvidia-container-runtime/config.toml`.
pub fn check_nvidia_runtime_config(loc: &Location, text: &str) -> (Vec<Finding>, Vec<ScanWarning>) {
    let v: toml::Table = match toml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return (
                Vec::new(),
                vec![ScanWarning::at(
                    "config-files",
                    loc.clone(),
                    format!("cannot parse NVIDIA runtime config: {e}"),
                )],
            );
        }
    };
    let key = "accept-nvidia-visible-devices-envvar-when-unprivileged";
    // default is true when absent
    let val = v.get(key).and_then(toml::Value::as_bool).unwrap_or(true);
    if val {
        let idx = LineIndex::new(text);
        let at = text.find(key).map_or_else(|| loc.clone(), |o| idx.loc(loc, o));
        (
            vec![finding(
                &DAEMON_NVIDIA_ENVVAR,
                at,
                format!("{key} is {} (default true)", if v.contains_key(key) { "true" } else { "unset" }),
                "",
            )],
            Vec::new(),
        )
    } else {
        (Vec::new(), Vec::new())
    }
}

/// Findings for an installed NVIDIA Container Toolkit package version (from a package inventory or
/// `nvidia-container-cli --version`).
pub fn check_nvidia_toolkit_version(loc: &Location, package: &str, version: &str) -> Vec<Finding> {
    let adv = tables::nvidia_toolkit_advisories(version);
    if adv.is_empty() {
        return Vec::new();
    }
    let ids: Vec<&str> = adv.iter().map(|a| a.id.as_str()).collect();
    let mut f = finding(
        &DAEMON_NVIDIA_TOOLKIT_CVE,
        loc.clone(),
        format!("{package} {version} is affected by {}", ids.join(", ")),
        package,
    );
    f.aliases = ids.iter().map(|s| (*s).to_string()).collect();
    f.references = adv.iter().map(|a| a.url.clone()).collect();
    f.references.dedup();
    vec![f]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|x| x.id.as_str()).collect()
    }

    #[test]
    fn daemon_json_bad_and_good() {
        let bad = r#"{"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"], "insecure-registries": ["10.0.0.5:5000"], "seccomp-profile": "unconfined"}"#;
        let (f, w) = check_daemon_json(&Location::file("daemon.json"), bad);
        assert!(w.is_empty());
        let got = ids(&f);
        for id in [
            "SW-DAEMON-001",
            "SW-DAEMON-002",
            "SW-DAEMON-003",
            "SW-DAEMON-004",
            "SW-DAEMON-005",
            "SW-DAEMON-006",
            "SW-DAEMON-007",
            "SW-DAEMON-008",
            "SW-DAEMON-009",
            "SW-DAEMON-010",
        ] {
            assert!(got.contains(&id), "{id}");
        }
        let good = r#"{"icc": false, "userns-remap": "default", "live-restore": true, "no-new-privileges": true,
            "hosts": ["unix:///var/run/docker.sock", "tcp://10.0.0.1:2376"], "tlsverify": true, "log-driver": "syslog",
            "userland-proxy": false, "ip": "127.0.0.1"}"#;
        let (f, _) = check_daemon_json(&Location::file("daemon.json"), good);
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(check_daemon_json(&Location::file("daemon.json"), "{").1.len(), 1);
    }

    #[test]
    fn systemd_flags() {
        let unit = "[Service]\nExecStart=/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2375 --icc=true --insecure-registry reg:5000\n";
        let f = check_systemd_unit(&Location::file("docker.service"), unit);
        assert_eq!(ids(&f), vec!["SW-DAEMON-001", "SW-DAEMON-005", "SW-DAEMON-006"]);
        assert_eq!(f[0].location.line, Some(2));
        let f = check_systemd_unit(
            &Location::file("/etc/default/docker"),
            "# defaults\nDOCKER_OPTS=\"-H tcp://0.0.0.0:2375\"\n",
        );
        assert_eq!(ids(&f), vec!["SW-DAEMON-005"]);
        let ok =
            "[Service]\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n";
        assert!(check_systemd_unit(&Location::file("docker.service"), ok).is_empty());
    }

    #[test]
    fn docker_paths() {
        assert_eq!(docker_path_kind("/etc/docker"), Some(DockerPathKind::ConfigDir));
        assert_eq!(docker_path_kind("/var/run/docker.sock"), Some(DockerPathKind::Socket));
        assert_eq!(docker_path_kind("etc/docker/certs/server-key.pem"), Some(DockerPathKind::TlsKey));
        assert_eq!(docker_path_kind("etc/docker/ca.pem"), Some(DockerPathKind::TlsCert));
        assert_eq!(docker_path_kind("etc/ssl/ca.pem"), None);
        let l = Location::file("x");
        assert_eq!(check_docker_path_perms(&l, DockerPathKind::Socket, 0, 0o140666).len(), 1);
        assert!(check_docker_path_perms(&l, DockerPathKind::Socket, 0, 0o140660).is_empty());
        assert_eq!(check_docker_path_perms(&l, DockerPathKind::TlsKey, 0, 0o644).len(), 1);
        assert!(check_docker_path_perms(&l, DockerPathKind::TlsKey, 0, 0o400).is_empty());
        assert_eq!(check_docker_path_perms(&l, DockerPathKind::ConfigDir, 0, 0o40777).len(), 1);
        assert!(check_docker_path_perms(&l, DockerPathKind::TlsCert, 0, 0o444).is_empty());
    }

    #[test]
    fn perms() {
        assert_eq!(check_file_perms(&Location::file("daemon.json"), 0, 0, 0o100666).len(), 1);
        assert_eq!(check_file_perms(&Location::file("daemon.json"), 1000, 0, 0o644).len(), 1);
        assert!(check_file_perms(&Location::file("daemon.json"), 0, 0, 0o644).is_empty());
    }

    #[test]
    fn nvidia() {
        let (f, _) = check_nvidia_runtime_config(
            &Location::file("config.toml"),
            "accept-nvidia-visible-devices-envvar-when-unprivileged = true\n",
        );
        assert_eq!(ids(&f), vec!["SW-DAEMON-012"]);
        assert_eq!(
            check_nvidia_runtime_config(
                &Location::file("c"),
                "[nvidia-container-cli]\nldconfig = \"@/sbin/ldconfig\"\n"
            )
            .0
            .len(),
            1,
            "default is true"
        );
        assert!(
            check_nvidia_runtime_config(
                &Location::file("c"),
                "accept-nvidia-visible-devices-envvar-when-unprivileged = false\n"
            )
            .0
            .is_empty()
        );
        let f = check_nvidia_toolkit_version(
            &Location::file("/var/lib/dpkg/status"),
            "nvidia-container-toolkit",
            "1.17.3-1",
        );
        assert_eq!(ids(&f), vec!["SW-DAEMON-013"]);
        assert!(f[0].aliases.contains(&"CVE-2025-23266".to_string()));
        assert!(
            check_nvidia_toolkit_version(&Location::file("x"), "nvidia-container-toolkit", "1.17.8-1")
                .is_empty()
        );
    }
}
