//! The `image-config` [`ImageAnalyzer`]: checks the image config (user, ports, volumes, healthcheck,
//! history, ML exposure in env/entrypoint), the OS release, accounts in the captured `/etc/passwd`,
//! `/etc/group` and `/etc/shadow`, and NVIDIA Container Toolkit packages.

use std::collections::BTreeMap;

use seawall_analyzer::{AnalyzerError, Facts, ImageAnalyzer, ImageView};
use seawall_core::{Finding, ImageConfig, Location, OsInfo, Package};

use crate::catalog::image::*;
use crate::emit::finding;
use crate::{ConfigOptions, daemon, mlexpose, shell, tables};

/// Ports whose exposure is flagged by `SW-IMG-008`, with what usually listens there.
pub const SENSITIVE_PORTS: &[(u32, &str)] = &[
    (22, "SSH"),
    (2375, "Docker API (plain)"),
    (2376, "Docker API (TLS)"),
    (6379, "Redis / Ray GCS"),
    (8265, "Ray dashboard"),
    (10001, "Ray client"),
    (8888, "Jupyter"),
    (11434, "Ollama"),
    (5000, "MLflow"),
    (6006, "TensorBoard"),
    (7860, "Gradio"),
    (8080, "TorchServe inference"),
    (8081, "TorchServe management"),
    (8082, "TorchServe metrics"),
];

/// The `image-config` analyzer. Build with [`crate::image_analyzer`].
#[derive(Debug, Clone, Default)]
pub struct ImageConfigAnalyzer {
    opts: ConfigOptions,
}

impl ImageConfigAnalyzer {
    /// An analyzer with the given options.
    pub fn new(opts: ConfigOptions) -> Self {
        ImageConfigAnalyzer { opts }
    }
}

impl ImageAnalyzer for ImageConfigAnalyzer {
    fn name(&self) -> &'static str {
        "image-config"
    }

    fn version(&self) -> u32 {
        5
    }

    fn analyze(&self, view: &ImageView<'_>, out: &mut Facts) -> Result<(), AnalyzerError> {
        if let Some(cfg) = view.config {
            out.findings.extend(check_image_config(cfg));
        }
        if let Some(os) = view.os {
            let today = self.opts.today.clone().unwrap_or_else(tables::today);
            out.findings.extend(check_os(os, &today));
        }
        if let Some(f) = view.file("/etc/shadow") {
            out.findings.extend(check_shadow(&f.location, &f.content));
        }
        if let Some(f) = view.file("/etc/passwd") {
            out.findings.extend(check_duplicate_ids(&IMG_DUP_UID, &f.location, &f.content, "UID"));
        }
        if let Some(f) = view.file("/etc/group") {
            out.findings.extend(check_duplicate_ids(&IMG_DUP_GID, &f.location, &f.content, "GID"));
        }
        out.findings.extend(check_packages(view.packages));
        // Project-level analysis of every YAML configuration the `config-files` analyzer kept:
        // compose projects (overrides, include, extends, .env), kustomize builds, Helm charts and
        // manifests, with NetworkPolicy coverage per project.
        let inputs: Vec<crate::project::Input<'_>> = view
            .files
            .iter()
            .filter(|f| crate::project::is_project_input(&f.location.path))
            .map(|f| crate::project::Input { location: &f.location, text: &f.content })
            .collect();
        let mut counts = crate::project::Counts::default();
        if !inputs.is_empty() {
            let (f, w, c) = crate::project::analyze(&inputs, &self.opts);
            out.findings.extend(f);
            out.warnings.extend(w);
            counts = c;
        }
        // What was read, so that every output says it (a notice: it does not make the scan incomplete).
        let kinds: Vec<crate::ConfigKind> = view
            .files
            .iter()
            .filter(|f| f.location.layer.is_none())
            .filter_map(|f| crate::files::classify(&f.location.path, false))
            .collect();
        let dockerfiles = kinds.iter().filter(|k| **k == crate::ConfigKind::Dockerfile).count();
        let other = kinds
            .iter()
            .filter(|k| {
                matches!(
                    k,
                    crate::ConfigKind::DaemonJson
                        | crate::ConfigKind::SystemdUnit
                        | crate::ConfigKind::NvidiaRuntime
                        | crate::ConfigKind::TorchServeProperties
                )
            })
            .count();
        let total = dockerfiles + counts.compose + counts.manifests + counts.kustomize + counts.helm + other;
        if total > 0 {
            let not_analysed = out.warnings.iter().filter(|w| w.is_incomplete()).count();
            out.warnings.push(seawall_core::ScanWarning::notice(
                "config",
                format!(
                    "configuration read: {dockerfiles} Dockerfile(s), {} compose file(s), {} Kubernetes manifest file(s), {} kustomization(s), {} Helm chart(s), {other} other; {not_analysed} not fully analysed (listed as warnings)",
                    counts.compose, counts.manifests, counts.kustomize, counts.helm
                ),
            ));
        }
        if view.config.is_none() {
            out.findings.extend(check_build_contexts(view.files));
        }
        Ok(())
    }
}

/// Checks an image configuration (user, exposed ports, volumes, healthcheck, history, ML exposure).
pub fn check_image_config(cfg: &ImageConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    if crate::dockerfile::is_root_user(&cfg.user) {
        let shown = if cfg.user.is_empty() { "(empty: root)" } else { cfg.user.as_str() };
        out.push(finding(&IMG_ROOT, Location::file("config.user"), format!("image user is {shown}"), ""));
    }
    for p in &cfg.exposed_ports {
        let num = p.split('/').next().and_then(|n| n.parse::<u32>().ok());
        if let Some((n, what)) = num.and_then(|n| SENSITIVE_PORTS.iter().find(|(s, _)| *s == n)) {
            out.push(finding(
                &IMG_SENSITIVE_PORT,
                Location::file("config.exposed_ports"),
                format!("exposes {p} ({what})"),
                &n.to_string(),
            ));
        }
    }
    for v in &cfg.volumes {
        let v2 = v.trim_end_matches('/');
        if ["/dev", "/proc", "/sys"].iter().any(|p| v2 == *p || v2.starts_with(&format!("{p}/"))) {
            out.push(finding(&IMG_VOLUME_SYSTEM, Location::file("config.volumes"), format!("volume {v}"), v));
        }
    }
    let hc_off = cfg
        .healthcheck
        .as_ref()
        .is_none_or(|h| h.test.is_empty() || h.test.first().is_some_and(|t| t == "NONE"));
    if hc_off {
        out.push(finding(
            &IMG_NO_HEALTHCHECK,
            Location::file("config.healthcheck"),
            "no healthcheck configured",
            "",
        ));
    }
    for (i, h) in cfg.history.iter().enumerate() {
        let cb = h.created_by.as_str();
        let Some(pos) = cb.find("ADD ") else { continue };
        let rest = &cb[pos + 4..];
        // the base image's root filesystem (`ADD file:<digest> in /`) and archives are legitimate
        let base_rootfs = rest.starts_with("file:") && rest.contains(" in / ");
        let base_rootfs = base_rootfs || (rest.starts_with("file:") && rest.trim_end().ends_with(" in /"));
        if !base_rootfs && !rest.contains(".tar") {
            let loc = Location::file(format!("history[{i}]"));
            out.push(finding(
                &IMG_ADD_HISTORY,
                loc,
                format!(
                    "history step uses ADD: {}",
                    crate::emit::redact_urls(&cb.chars().take(160).collect::<String>())
                ),
                &i.to_string(),
            ));
        }
    }
    for kv in &cfg.env {
        let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
        for h in mlexpose::check_env(k, v) {
            out.push(finding(h.rule, Location::file("config.env"), h.message, k));
        }
    }
    let argv: Vec<(String, usize)> =
        cfg.entrypoint.iter().chain(cfg.cmd.iter()).map(|a| (a.clone(), 0)).collect();
    if !argv.is_empty() {
        for c in shell::from_argv(&argv) {
            for h in mlexpose::check_command(&c) {
                out.push(finding(h.rule, Location::file("config.cmd"), h.message, h.rule.id));
            }
        }
    }
    out
}

/// `SW-IMG-011` for an end-of-life OS release.
pub fn check_os(os: &OsInfo, today: &str) -> Vec<Finding> {
    let product = match os.id.as_str() {
        "debian" | "ubuntu" | "alpine" | "centos" => os.id.as_str(),
        _ => return Vec::new(),
    };
    match tables::eol_date(product, &os.version_id, today) {
        Some(eol) => vec![finding(
            &IMG_EOL_OS,
            Location::file("/etc/os-release"),
            format!(
                "{} {} is end-of-life since {eol}",
                os.pretty_name.as_deref().unwrap_or(product),
                os.version_id
            ),
            product,
        )],
        None => Vec::new(),
    }
}

/// `SW-IMG-003`: accounts with an empty password field in `/etc/shadow`.
pub fn check_shadow(loc: &Location, content: &str) -> Vec<Finding> {
    content
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let mut parts = l.split(':');
            let user = parts.next()?.trim();
            let hash = parts.next()?;
            (!user.is_empty() && hash.is_empty()).then(|| {
                let at = loc.clone().with_line(u32::try_from(i + 1).unwrap_or(u32::MAX));
                finding(&IMG_EMPTY_PASSWORD, at, format!("account {user} has an empty password"), user)
            })
        })
        .collect()
}

/// `SW-IMG-004` / `SW-IMG-005`: duplicate numeric ids (third field) in passwd/group files.
pub fn check_duplicate_ids(
    rule: &'static seawall_core::RuleMeta,
    loc: &Location,
    content: &str,
    what: &str,
) -> Vec<Finding> {
    let mut seen: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
    for (i, l) in content.lines().enumerate() {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() >= 3 && !f[0].is_empty() && !f[0].starts_with('#') && !f[2].is_empty() {
            seen.entry(f[2]).or_default().push((f[0], i + 1));
        }
    }
    seen.into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(id, v)| {
            let names: Vec<&str> = v.iter().map(|(n, _)| *n).collect();
            let at = loc.clone().with_line(u32::try_from(v[1].1).unwrap_or(u32::MAX));
            finding(rule, at, format!("{what} {id} is shared by {}", names.join(", ")), id)
        })
        .collect()
}

/// `SW-DF-019` for project trees: Dockerfiles (captured with their text) that copy their whole
/// directory while secret files (captured as path markers) are not excluded by `.dockerignore`.
fn check_build_contexts(files: &[seawall_analyzer::CapturedFile]) -> Vec<Finding> {
    let mut out = Vec::new();
    for df in files.iter().filter(|f| {
        crate::files::classify(&f.location.path, false) == Some(crate::files::ConfigKind::Dockerfile)
    }) {
        let path = df.location.path.as_str();
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        let ignore = files
            .iter()
            .find(|f| f.location.path == format!("{prefix}.dockerignore"))
            .map(|f| f.content.as_str());
        let context: Vec<&str> = files
            .iter()
            .filter_map(|f| f.location.path.strip_prefix(prefix.as_str()))
            .filter(|r| crate::dockerfile::is_secret_file(r))
            .collect();
        out.extend(crate::context::check_build_context(&df.location, &df.content, ignore, &context));
    }
    out
}

/// `SW-DAEMON-013` for NVIDIA Container Toolkit packages in an inventory.
pub fn check_packages(packages: &[Package]) -> Vec<Finding> {
    packages
        .iter()
        .filter(|p| tables::NVIDIA_TOOLKIT_PACKAGES.contains(&p.name.as_str()))
        .flat_map(|p| {
            let loc = p.locations.first().cloned().unwrap_or_default();
            daemon::check_nvidia_toolkit_version(&loc, &p.name, &p.version)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_analyzer::CapturedFile;
    use seawall_core::{HealthCheck, HistoryEntry, Target, TargetKind};

    fn good_config() -> ImageConfig {
        ImageConfig {
            user: "10001".into(),
            exposed_ports: vec!["8000/tcp".into()],
            volumes: vec!["/data".into()],
            healthcheck: Some(HealthCheck { test: vec!["CMD".into(), "true".into()] }),
            history: vec![
                HistoryEntry {
                    created_by: "/bin/sh -c #(nop) ADD file:abc123 in / ".into(),
                    ..Default::default()
                },
                HistoryEntry { created_by: "COPY app /app # buildkit".into(), ..Default::default() },
            ],
            env: vec!["OLLAMA_HOST=127.0.0.1".into()],
            cmd: vec!["python".into(), "serve.py".into()],
            ..Default::default()
        }
    }

    #[test]
    fn good_config_is_clean() {
        assert!(check_image_config(&good_config()).is_empty());
    }

    #[test]
    fn bad_config() {
        let mut c = good_config();
        c.user = "0:0".into();
        c.exposed_ports.push("8888/tcp".into());
        c.volumes.push("/proc".into());
        c.healthcheck = None;
        c.history.push(HistoryEntry {
            created_by: "ADD https://x/model.bin /m # buildkit".into(),
            ..Default::default()
        });
        c.env.push("OLLAMA_HOST=0.0.0.0".into());
        let ids: Vec<String> = check_image_config(&c).into_iter().map(|f| f.id).collect();
        assert_eq!(
            ids,
            vec!["SW-IMG-001", "SW-IMG-008", "SW-IMG-009", "SW-IMG-010", "SW-IMG-007", "SW-ML-005"]
        );
        let mut c = good_config();
        c.user = String::new();
        assert_eq!(check_image_config(&c)[0].id, "SW-IMG-001");
    }

    #[test]
    fn os_eol() {
        let os = |id: &str, v: &str| OsInfo { id: id.into(), version_id: v.into(), ..Default::default() };
        assert_eq!(check_os(&os("debian", "10"), "2026-01-01").len(), 1);
        assert!(check_os(&os("debian", "12"), "2026-01-01").is_empty());
        assert_eq!(check_os(&os("ubuntu", "20.04"), "2026-01-01").len(), 1);
        assert_eq!(check_os(&os("alpine", "3.12.1"), "2026-01-01").len(), 1);
        assert!(check_os(&os("plan9", "1"), "2026-01-01").is_empty());
    }

    #[test]
    fn accounts() {
        let l = Location::file("/etc/shadow");
        let f = check_shadow(&l, "root:*:19000:0:99999:7:::\nguest::19000:0:99999:7:::\nlocked:!:1::::::\n");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location.line, Some(2));
        let f = check_duplicate_ids(
            &IMG_DUP_UID,
            &Location::file("/etc/passwd"),
            "root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n",
            "UID",
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("root, toor"));
        assert!(
            check_duplicate_ids(
                &IMG_DUP_GID,
                &Location::file("/etc/group"),
                "root:x:0:\napp:x:1000:\n",
                "GID"
            )
            .is_empty()
        );
    }

    #[test]
    fn analyzer_on_view() {
        let target = Target::new(TargetKind::Image, "x");
        let cfg = good_config();
        let files = vec![
            CapturedFile {
                location: Location::file("/etc/shadow").with_layer(Some(0)),
                content: "svc::1:0:99999:7:::\n".into(),
            },
            CapturedFile {
                location: Location::file("/etc/group").with_layer(Some(0)),
                content: "a:x:5:\nb:x:5:\n".into(),
            },
        ];
        let pkgs = vec![Package::new(
            "nvidia-container-toolkit",
            "1.16.1-1",
            "Ubuntu:22.04",
            Location::file("/var/lib/dpkg/status"),
        )];
        let view =
            ImageView { target: &target, config: Some(&cfg), os: None, files: &files, packages: &pkgs };
        let mut facts = Facts::default();
        crate::image_analyzer().analyze(&view, &mut facts).unwrap();
        let ids: Vec<&str> = facts.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, vec!["SW-IMG-003", "SW-IMG-005", "SW-DAEMON-013"]);
        assert_eq!(facts.findings[0].location.layer, Some(0));
    }
}
