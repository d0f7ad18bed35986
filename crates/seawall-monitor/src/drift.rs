//! Drift detection: what a container does now compared with what its image says it should do.
//!
//! A [`Baseline`] starts from the image (entrypoint and command) and learns the processes and listening
//! sockets seen during the first seconds of the container's life. After that, each [`Sample`] is compared
//! with it by [`Baseline::detect`]; every new behaviour yields one [`DriftAlert`] (deduplicated per
//! container).

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use serde::Serialize;

use seawall_core::Severity;

use crate::procnet::Listener;

/// One process of a container, as sampled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// Host PID.
    pub pid: u32,
    /// Effective uid inside the container's user namespace as reported by `ps`.
    pub uid: u32,
    /// Command name (`comm`).
    pub comm: String,
    /// Full command line.
    pub args: String,
    /// Executable path inside the container (`/proc/PID/exe`), when readable.
    pub exe: Option<String>,
}

/// What was observed in one sampling round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sample {
    /// Running processes.
    pub processes: Vec<Process>,
    /// Listening TCP sockets in the container's network namespace.
    pub listeners: BTreeSet<Listener>,
    /// Paths added or changed in the container's writable layer (`GET /containers/ID/changes`).
    pub written_paths: BTreeSet<String>,
}

/// The kind of drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// A shell started that is not part of the baseline (e.g. `docker exec … sh`).
    ShellSpawned,
    /// A package manager ran (software installed at run time).
    PackageManager,
    /// A new listening socket.
    NewListener,
    /// A process runs as root in a container whose baseline had none.
    NewRootProcess,
    /// A process runs an executable that was written at run time (not from the image).
    RuntimeExecutable,
    /// A known crypto-miner process name.
    Miner,
    /// The container was started privileged.
    PrivilegedStart,
}

impl DriftKind {
    /// Stable snake_case name (metric label, alert `rule`).
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::ShellSpawned => "shell_spawned",
            DriftKind::PackageManager => "package_manager",
            DriftKind::NewListener => "new_listener",
            DriftKind::NewRootProcess => "new_root_process",
            DriftKind::RuntimeExecutable => "runtime_executable",
            DriftKind::Miner => "miner",
            DriftKind::PrivilegedStart => "privileged_start",
        }
    }

    /// Default severity.
    pub fn severity(self) -> Severity {
        match self {
            DriftKind::Miner | DriftKind::RuntimeExecutable | DriftKind::PrivilegedStart => {
                Severity::Critical
            }
            DriftKind::ShellSpawned | DriftKind::PackageManager | DriftKind::NewRootProcess => Severity::High,
            DriftKind::NewListener => Severity::Medium,
        }
    }
}

/// One drift observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftAlert {
    /// What kind of drift.
    pub kind: DriftKind,
    /// Severity.
    pub severity: Severity,
    /// Human-readable detail (process, command line, socket).
    pub message: String,
}

/// A process alert with the same command line is raised again only after this long.
pub const REALERT_AFTER: Duration = Duration::from_secs(60);

const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "ash", "ksh", "mksh", "fish", "tcsh", "csh"];
const PACKAGE_MANAGERS: &[&str] = &[
    "apt",
    "apt-get",
    "dpkg",
    "aptitude",
    "apk",
    "yum",
    "dnf",
    "microdnf",
    "rpm",
    "zypper",
    "pip",
    "pip3",
    "conda",
    "mamba",
    "micromamba",
    "npm",
    "yarn",
    "pnpm",
    "gem",
    "cargo",
    "go",
    "uv",
    "poetry",
];
const MINERS: &[&str] = &[
    "xmrig",
    "xmr-stak",
    "minerd",
    "cpuminer",
    "ccminer",
    "ethminer",
    "nbminer",
    "t-rex",
    "lolminer",
    "phoenixminer",
    "gminer",
    "teamredminer",
    "nanominer",
    "kdevtmpfsi",
    "kinsing",
    "srbminer",
];

fn base(cmd: &str) -> &str {
    cmd.rsplit('/').next().unwrap_or(cmd)
}

fn is_pip_module(args: &str) -> bool {
    let a = args.split_whitespace().collect::<Vec<_>>();
    a.windows(2).any(|w| w[0] == "-m" && matches!(w[1], "pip" | "pip3" | "conda"))
}

/// What a container is expected to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Command names expected to run.
    pub commands: BTreeSet<String>,
    /// Listening sockets expected.
    pub listeners: BTreeSet<Listener>,
    /// True when a root process was part of the baseline.
    pub root_seen: bool,
    /// Exact command lines that are expected (the healthcheck the Engine runs through `exec`).
    pub allowed_args: BTreeSet<String>,
    /// Alerts already raised (kind, key) and when, so that each is raised once (process alerts again
    /// after [`REALERT_AFTER`]).
    raised: HashMap<(DriftKind, String), Instant>,
}

impl Baseline {
    /// A baseline from the image's entrypoint and command (the executables they name).
    pub fn from_image(entrypoint: &[String], cmd: &[String]) -> Self {
        let mut b = Baseline::default();
        for part in entrypoint.iter().chain(cmd.iter()).take(2) {
            let w = part.split_whitespace().next().unwrap_or("");
            if !w.is_empty() && !w.starts_with('-') {
                b.commands.insert(base(w).to_string());
            }
        }
        b
    }

    /// Declares an exact command line as expected (e.g. the container's healthcheck).
    pub fn allow_args(&mut self, args: &str) {
        self.allowed_args.insert(args.trim().to_string());
    }

    /// Adds everything in a sample to the baseline (learning window).
    pub fn learn(&mut self, sample: &Sample) {
        for p in &sample.processes {
            self.commands.insert(p.comm.clone());
            if p.uid == 0 {
                self.root_seen = true;
            }
        }
        self.listeners.extend(sample.listeners.iter().cloned());
    }

    fn raise(&mut self, out: &mut Vec<DriftAlert>, kind: DriftKind, key: String, message: String) {
        let now = Instant::now();
        let repeatable =
            matches!(kind, DriftKind::ShellSpawned | DriftKind::PackageManager | DriftKind::NewRootProcess);
        match self.raised.get(&(kind, key.clone())) {
            Some(t) if !repeatable || now.duration_since(*t) < REALERT_AFTER => {}
            _ => {
                self.raised.insert((kind, key), now);
                out.push(DriftAlert { kind, severity: kind.severity(), message });
            }
        }
    }

    /// Compares a sample with the baseline and returns the new alerts (each (kind, subject) once).
    pub fn detect(&mut self, sample: &Sample) -> Vec<DriftAlert> {
        let mut out = Vec::new();
        for p in &sample.processes {
            let comm = p.comm.as_str();
            if self.allowed_args.contains(p.args.trim()) {
                continue;
            }
            let desc = format!("pid {} `{}` (uid {})", p.pid, truncate(&p.args, 200), p.uid);
            if MINERS.iter().any(|m| comm.eq_ignore_ascii_case(m) || base(&p.args).starts_with(m)) {
                self.raise(
                    &mut out,
                    DriftKind::Miner,
                    comm.to_string(),
                    format!("crypto-miner process: {desc}"),
                );
            }
            if let Some(exe) = &p.exe
                && sample.written_paths.contains(exe)
            {
                self.raise(
                    &mut out,
                    DriftKind::RuntimeExecutable,
                    exe.clone(),
                    format!("process runs {exe}, written after the container started: {desc}"),
                );
            }
            if self.commands.contains(comm) {
                continue;
            }
            if SHELLS.contains(&comm) {
                self.raise(
                    &mut out,
                    DriftKind::ShellSpawned,
                    p.args.clone(),
                    format!("shell spawned: {desc}"),
                );
            }
            if PACKAGE_MANAGERS.contains(&comm) || is_pip_module(&p.args) {
                self.raise(
                    &mut out,
                    DriftKind::PackageManager,
                    p.args.clone(),
                    format!("package manager ran: {desc}"),
                );
            }
            if p.uid == 0 && !self.root_seen {
                self.raise(
                    &mut out,
                    DriftKind::NewRootProcess,
                    p.args.clone(),
                    format!("process running as root in a container that ran as non-root: {desc}"),
                );
            }
        }
        for l in &sample.listeners {
            // 127.0.0.11 is the Engine's embedded DNS resolver in user-defined networks (dockerd's
            // socket inside the container's namespace), not something the container opened.
            if l.address == "127.0.0.11" {
                continue;
            }
            if !self.listeners.contains(l) {
                self.raise(
                    &mut out,
                    DriftKind::NewListener,
                    l.to_string(),
                    format!("new listening socket {l}"),
                );
            }
        }
        out
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pid: u32, uid: u32, comm: &str, args: &str) -> Process {
        Process { pid, uid, comm: comm.into(), args: args.into(), exe: None }
    }

    #[test]
    fn shell_after_learning_alerts_once() {
        let mut b = Baseline::from_image(&[], &["python".into(), "-m".into(), "http.server".into()]);
        b.learn(&Sample {
            processes: vec![p(10, 1000, "python", "python -m http.server")],
            ..Default::default()
        });
        let s = Sample {
            processes: vec![p(10, 1000, "python", "python -m http.server"), p(11, 1000, "sh", "sh")],
            ..Default::default()
        };
        let a = b.detect(&s);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].kind, DriftKind::ShellSpawned);
        assert!(b.detect(&s).is_empty(), "deduplicated");
    }

    #[test]
    fn root_package_manager_listener_miner_runtime_exe() {
        let mut b = Baseline::from_image(&["/app/serve".into()], &[]);
        b.learn(&Sample { processes: vec![p(1, 1000, "serve", "/app/serve")], ..Default::default() });
        let mut s = Sample {
            processes: vec![
                p(2, 0, "apt-get", "apt-get install nmap"),
                p(3, 1000, "python3", "python3 -m pip install x"),
                Process { exe: Some("/tmp/xmrig".into()), ..p(4, 1000, "xmrig", "/tmp/xmrig -o pool") },
            ],
            ..Default::default()
        };
        s.listeners.insert(Listener { address: "0.0.0.0".into(), port: 4444 });
        s.written_paths.insert("/tmp/xmrig".into());
        let kinds: BTreeSet<_> = b.detect(&s).into_iter().map(|a| a.kind).collect();
        for k in [
            DriftKind::PackageManager,
            DriftKind::NewRootProcess,
            DriftKind::NewListener,
            DriftKind::Miner,
            DriftKind::RuntimeExecutable,
        ] {
            assert!(kinds.contains(&k), "{k:?} missing from {kinds:?}");
        }
    }

    #[test]
    fn baseline_processes_do_not_alert() {
        let mut b = Baseline::from_image(&["bash".into(), "-c".into()], &[]);
        let s = Sample { processes: vec![p(1, 0, "bash", "bash -c run")], ..Default::default() };
        b.learn(&s);
        assert!(b.detect(&s).is_empty());
    }
}
