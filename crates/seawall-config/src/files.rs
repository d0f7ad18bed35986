//! The `config-files` [`FileAnalyzer`]: recognises configuration files by path (and, for YAML and
//! systemd units, by their first bytes), runs the matching checks, flags setuid/setgid files and
//! leftover developer directories in images, and captures `/etc/passwd`, `/etc/group`, `/etc/shadow`
//! for the `image-config` analyzer.

use std::io::Read;

use seawall_analyzer::{AnalyzerError, CapturedFile, EntryKind, EntryMeta, Facts, FileAnalyzer, Interest};

use crate::catalog::image::*;
use crate::emit::finding;
use crate::{ConfigOptions, compose, daemon, dockerfile, k8s, mlexpose};

/// What kind of configuration file a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    /// `Dockerfile`, `*.dockerfile`, `Dockerfile.*`, `Containerfile`.
    Dockerfile,
    /// `docker-compose*.y*ml`, `compose*.y*ml` (still decided by parsing, like any YAML).
    Compose,
    /// Any other YAML file: Kubernetes manifests, compose files, kustomizations and Helm charts are
    /// told apart by parsing the whole file (see `project`).
    Yaml,
    /// A Helm template helper (`templates/*.tpl`), counted as part of its chart.
    HelmTemplate,
    /// A project's `.env` (compose interpolation; project trees only, never images).
    DotEnv,
    /// `daemon.json`.
    DaemonJson,
    /// `docker.service`, `docker.socket` or another systemd unit (decided by content).
    SystemdUnit,
    /// `nvidia-container-runtime/config.toml`.
    NvidiaRuntime,
    /// TorchServe `config.properties`.
    TorchServeProperties,
}

/// Third-party trees (package caches, installed dependencies): their Dockerfiles and YAML files are
/// upstream examples, not this project's deployment configuration. Applied to every scan.
fn third_party(rel: &str) -> bool {
    const PARTS: &[&str] = &[
        "node_modules/",
        "site-packages/",
        "dist-packages/",
        ".cache/",
        "pkg/mod/",
        ".cargo/registry/",
        ".m2/",
        ".npm/",
        ".gradle/",
        "vendor/",
        ".venv/",
        "conda-meta/",
    ];
    // `p` at the start or right after a `/` (no allocation: this runs for every entry)
    PARTS
        .iter()
        .any(|p| rel.match_indices(p).any(|(i, _)| i == 0 || rel.as_bytes().get(i - 1) == Some(&b'/')))
}

/// Trees owned by the OS package manager or conda in images.
fn package_owned(rel: &str) -> bool {
    rel.starts_with("usr/lib/")
        || rel.starts_with("usr/share/")
        || rel.starts_with("usr/local/lib/")
        || rel.starts_with("usr/lib64/")
        || rel.starts_with("usr/src/")
        || rel.starts_with("opt/conda/pkgs/")
        || (rel.starts_with("opt/conda/") && rel.contains("/lib/"))
        || third_party(rel)
}

/// Extensions that mark a `Dockerfile*` name as something else (docs, ignore files, CI definitions).
const NOT_DOCKERFILE_EXT: &[&str] = &[
    ".dockerignore",
    ".md",
    ".rst",
    ".txt",
    ".html",
    ".yml",
    ".yaml",
    ".json",
    ".toml",
    ".py",
    ".sh",
    ".go",
    ".rs",
    ".js",
    ".ts",
    ".orig",
    ".bak",
    ".swp",
    ".patch",
    ".diff",
    ".lock",
];

/// `Dockerfile`, `Containerfile` and their variants as projects name them: `Dockerfile.gpu`,
/// `Dockerfile-dev`, `Dockerfile_ci`, `train.Dockerfile`, `gpu-Dockerfile`, `Containerfile.rocm`
/// (case-insensitive), but not `Dockerfile.dockerignore`, `dockerfile.md` or `dockerfiles.txt`.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if NOT_DOCKERFILE_EXT.iter().any(|e| lower.ends_with(e)) {
        return false;
    }
    for stem in ["dockerfile", "containerfile"] {
        if lower == stem {
            return true;
        }
        if let Some(rest) = lower.strip_prefix(stem)
            && rest.starts_with(['.', '-', '_'])
        {
            return true;
        }
        if let Some(head) = lower.strip_suffix(stem)
            && head.ends_with(['.', '-', '_'])
        {
            return true;
        }
    }
    false
}

/// Classifies a path (relative or absolute, `/`-separated). `in_image` enables the package-manager
/// tree exclusions.
pub fn classify(path: &str, in_image: bool) -> Option<ConfigKind> {
    // Called for every entry of every layer: string comparisons only, no allocation.
    let rel = path.trim_start_matches('/');
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let starts = |p: &str| name.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    let ends = |p: &str| {
        name.len() >= p.len() && name.get(name.len() - p.len()..).is_some_and(|t| t.eq_ignore_ascii_case(p))
    };
    if rel.ends_with("nvidia-container-runtime/config.toml")
        || rel.ends_with("nvidia-container-toolkit/config.toml")
    {
        return Some(ConfigKind::NvidiaRuntime);
    }
    if name == "daemon.json" && (!in_image || rel.contains("docker/")) {
        return Some(ConfigKind::DaemonJson);
    }
    if name.eq_ignore_ascii_case("docker.service")
        || name.eq_ignore_ascii_case("docker.socket")
        || rel.ends_with("etc/default/docker")
        || rel.ends_with("etc/sysconfig/docker")
    {
        return Some(ConfigKind::SystemdUnit);
    }
    if (in_image && package_owned(rel)) || third_party(rel) {
        return None;
    }
    if ends(".service") && rel.contains("systemd/") {
        return Some(ConfigKind::SystemdUnit);
    }
    if is_dockerfile_name(name) {
        return Some(ConfigKind::Dockerfile);
    }
    let yaml = ends(".yml") || ends(".yaml");
    if yaml && (starts("docker-compose") || starts("compose")) {
        return Some(ConfigKind::Compose);
    }
    if yaml || name == "Kustomization" {
        return Some(ConfigKind::Yaml);
    }
    if ends(".tpl") && rel.contains("templates/") {
        return Some(ConfigKind::HelmTemplate);
    }
    if name == ".env" && !in_image {
        return Some(ConfigKind::DotEnv);
    }
    if name == "config.properties" {
        return Some(ConfigKind::TorchServeProperties);
    }
    None
}

const LEFTOVER_DIRS: &[&str] = &[".git", ".aws", ".ssh", ".ipynb_checkpoints"];

fn leftover_dir(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    LEFTOVER_DIRS.contains(&name) || rel == ".cache/pip" || rel.ends_with("/.cache/pip")
}

const CAPTURED: &[&str] = &["etc/passwd", "etc/group", "etc/shadow"];

/// `.dockerignore` files and secret files of a project tree, captured (secret files by path only) so
/// that `image-config` can judge what a `COPY . …` puts into the image.
fn context_marker(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    !third_party(rel) && (name == ".dockerignore" || dockerfile::is_secret_file(name))
}

/// Largest configuration file read (bytes).
pub const MAX_CONFIG_FILE: u64 = 8 * 1024 * 1024;

/// The `config-files` analyzer. Build with [`crate::file_analyzer`].
#[derive(Debug, Clone, Default)]
pub struct ConfigFileAnalyzer {
    opts: ConfigOptions,
}

impl ConfigFileAnalyzer {
    /// An analyzer with the given options.
    pub fn new(opts: ConfigOptions) -> Self {
        ConfigFileAnalyzer { opts }
    }
}

fn is_setid(meta: &EntryMeta<'_>) -> bool {
    meta.is_file() && meta.mode & 0o6000 != 0
}

impl FileAnalyzer for ConfigFileAnalyzer {
    fn name(&self) -> &'static str {
        "config-files"
    }

    fn version(&self) -> u32 {
        5
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        let rel = meta.rel_path();
        let in_image = meta.layer.is_some();
        if in_image
            && meta.kind == EntryKind::Dir
            && leftover_dir(rel)
            && !package_owned(rel.trim_end_matches(".cache/pip"))
        {
            return Interest::Yes;
        }
        if daemon::docker_path_kind(rel).is_some() {
            return Interest::Yes;
        }
        if !meta.is_file() {
            return Interest::No;
        }
        if is_setid(meta) || CAPTURED.contains(&rel) {
            return Interest::Yes;
        }
        if !in_image && context_marker(rel) {
            return Interest::Yes;
        }
        match classify(meta.path, in_image) {
            Some(ConfigKind::TorchServeProperties) => Interest::Sniff,
            Some(ConfigKind::SystemdUnit)
                if !matches!(meta.file_name(), "docker.service" | "docker.socket" | "docker") =>
            {
                Interest::Sniff
            }
            Some(_) => Interest::Yes,
            None => Interest::No,
        }
    }

    fn required_by_content(&self, meta: &EntryMeta<'_>, head: &[u8]) -> bool {
        let text = String::from_utf8_lossy(head);
        match classify(meta.path, meta.layer.is_some()) {
            Some(ConfigKind::SystemdUnit) => text.contains("dockerd") || text.contains("DOCKER_OPTS"),
            Some(ConfigKind::TorchServeProperties) => text.contains("_address") || text.contains("token"),
            _ => false,
        }
    }

    fn max_size(&self) -> u64 {
        MAX_CONFIG_FILE
    }

    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        out: &mut Facts,
    ) -> Result<(), AnalyzerError> {
        let loc = meta.location();
        let rel = meta.rel_path();
        if meta.kind == EntryKind::Dir {
            out.findings.push(finding(
                &IMG_LEFTOVER_DIR,
                loc,
                format!("leftover directory {}", meta.path),
                "",
            ));
            return Ok(());
        }
        if let Some(k) = daemon::docker_path_kind(rel) {
            out.findings.extend(daemon::check_docker_path_perms(&loc, k, meta.uid, meta.mode));
            if !meta.is_file()
                || matches!(k, daemon::DockerPathKind::TlsKey | daemon::DockerPathKind::TlsCert)
            {
                return Ok(());
            }
        }
        if is_setid(meta) {
            let what = match (meta.mode & 0o4000 != 0, meta.mode & 0o2000 != 0) {
                (true, true) => "setuid+setgid",
                (true, false) => "setuid",
                _ => "setgid",
            };
            out.findings.push(finding(
                &IMG_SETUID,
                loc.clone(),
                format!("{what} file {} (mode {:o})", meta.path, meta.mode & 0o7777),
                "",
            ));
        }
        let kind = classify(meta.path, meta.layer.is_some());
        if meta.layer.is_none() && context_marker(rel) && kind != Some(ConfigKind::DotEnv) {
            // Build-context bookkeeping for `image-config`: `.dockerignore` with its rules, secret
            // files as path-only markers (their content is never read here).
            let content = if meta.file_name() == ".dockerignore" {
                let mut buf = Vec::new();
                content.take(1024 * 1024).read_to_end(&mut buf)?;
                String::from_utf8_lossy(&buf).into_owned()
            } else {
                String::new()
            };
            out.files.push(CapturedFile { location: loc, content });
            return Ok(());
        }
        let captured = CAPTURED.contains(&rel);
        if kind.is_none() && !captured {
            return Ok(());
        }
        let mut buf = Vec::new();
        content.take(MAX_CONFIG_FILE + 1).read_to_end(&mut buf)?;
        if buf.len() as u64 > MAX_CONFIG_FILE {
            return Err(AnalyzerError::Limit(format!(
                "{} is larger than {MAX_CONFIG_FILE} bytes",
                meta.path
            )));
        }
        let text = String::from_utf8_lossy(&buf);
        if captured {
            out.files.push(CapturedFile { location: loc.clone(), content: text.to_string() });
        }
        let Some(kind) = kind else { return Ok(()) };
        if matches!(kind, ConfigKind::Yaml | ConfigKind::Compose) {
            // Decided by parsing the whole file; project-level analysis (compose merges, kustomize
            // builds, Helm charts, NetworkPolicy coverage) runs in `image-config` on what is kept.
            if keep_yaml(rel, &text) {
                out.files.push(CapturedFile { location: loc, content: text.into_owned() });
            }
            return Ok(());
        }
        if matches!(kind, ConfigKind::HelmTemplate | ConfigKind::DotEnv) {
            out.files.push(CapturedFile { location: loc, content: text.into_owned() });
            return Ok(());
        }
        if kind == ConfigKind::Dockerfile && meta.layer.is_none() {
            out.files.push(CapturedFile { location: loc.clone(), content: text.to_string() });
        }
        let (f, w) = check_text(kind, &loc, &text, &self.opts);
        out.findings.extend(f);
        out.warnings.extend(w);
        if meta.layer.is_none() && kind != ConfigKind::Dockerfile {
            // a path-only marker: the file was read and checked (the summary counts it)
            out.files.push(CapturedFile { location: loc.clone(), content: String::new() });
        }
        if matches!(kind, ConfigKind::DaemonJson | ConfigKind::SystemdUnit) {
            out.findings.extend(daemon::check_file_perms(&loc, meta.uid, meta.gid, meta.mode));
        }
        Ok(())
    }
}

/// True when a YAML file is configuration for the project analysis: it parses as a manifest,
/// compose file, kustomization or chart file, or it does not parse but looks like one (templated or
/// broken: the project analysis reports it as not analysed).
fn keep_yaml(rel: &str, text: &str) -> bool {
    use crate::project::YamlClass;
    match crate::project::classify_yaml(rel, text) {
        Ok(YamlClass::Other) => false,
        Ok(_) => true,
        Err(_) => {
            text.contains("{{")
                || text.contains("{%")
                || text.contains("apiVersion")
                || text.contains("services:")
                || rel.contains("templates/")
        }
    }
}

/// Runs the checks for one configuration file of a known kind.
pub fn check_text(
    kind: ConfigKind,
    loc: &seawall_core::Location,
    text: &str,
    opts: &ConfigOptions,
) -> (Vec<seawall_core::Finding>, Vec<seawall_core::ScanWarning>) {
    match kind {
        ConfigKind::Dockerfile => dockerfile::check_dockerfile(loc, text, opts),
        ConfigKind::Compose => compose::check_compose(loc, text),
        ConfigKind::Yaml => match crate::project::classify_yaml(&loc.path, text) {
            Ok(crate::project::YamlClass::Compose) => compose::check_compose(loc, text),
            Ok(crate::project::YamlClass::Kubernetes) => k8s::check_k8s(loc, text),
            _ => (Vec::new(), Vec::new()),
        },
        ConfigKind::HelmTemplate | ConfigKind::DotEnv => (Vec::new(), Vec::new()),
        ConfigKind::DaemonJson => daemon::check_daemon_json(loc, text),
        ConfigKind::SystemdUnit => (daemon::check_systemd_unit(loc, text), Vec::new()),
        ConfigKind::NvidiaRuntime => daemon::check_nvidia_runtime_config(loc, text),
        ConfigKind::TorchServeProperties => {
            let idx = crate::emit::LineIndex::new(text);
            let f = mlexpose::check_torchserve_properties(text)
                .into_iter()
                .map(|h| finding(h.rule, idx.loc(loc, h.offset.unwrap_or(0)), h.message, h.rule.id))
                .collect();
            (f, Vec::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert_eq!(classify("Dockerfile", false), Some(ConfigKind::Dockerfile));
        assert_eq!(classify("docker/train.dockerfile", false), Some(ConfigKind::Dockerfile));
        assert_eq!(classify("Dockerfile.gpu", false), Some(ConfigKind::Dockerfile));
        assert_eq!(classify("Containerfile", false), Some(ConfigKind::Dockerfile));
        assert_eq!(classify("docker-compose.prod.yml", false), Some(ConfigKind::Compose));
        assert_eq!(classify("compose.yaml", false), Some(ConfigKind::Compose));
        assert_eq!(classify("k8s/deploy.yaml", false), Some(ConfigKind::Yaml));
        assert_eq!(classify("/etc/docker/daemon.json", true), Some(ConfigKind::DaemonJson));
        assert_eq!(classify("/usr/lib/systemd/system/docker.service", true), Some(ConfigKind::SystemdUnit));
        assert_eq!(
            classify("/etc/nvidia-container-runtime/config.toml", true),
            Some(ConfigKind::NvidiaRuntime)
        );
        assert_eq!(classify("/etc/default/docker", true), Some(ConfigKind::SystemdUnit));
        assert_eq!(classify("/etc/sysconfig/docker", false), Some(ConfigKind::SystemdUnit));
        assert_eq!(classify("/usr/lib/python3/dist-packages/x/deploy.yaml", true), None);
        assert_eq!(classify("/usr/local/lib/python3.11/site-packages/ray/Dockerfile", true), None);
        assert_eq!(classify("/opt/app/node_modules/x/docker-compose.yml", true), None);
        assert_eq!(classify("/app/Dockerfile", true), Some(ConfigKind::Dockerfile));
        assert_eq!(classify("README.md", false), None);
        assert_eq!(classify("web/node_modules/x/docker-compose.yml", false), None);
        assert_eq!(classify("vendor/github.com/x/deploy.yaml", false), None);
        assert_eq!(classify("/root/go/pkg/mod/k8s.io/api/Dockerfile", true), None);
        assert_eq!(classify("/root/.cache/pip/x/Dockerfile", true), None);
    }

    #[test]
    fn odd_dockerfile_names() {
        for n in [
            "Dockerfile_ci",
            "Dockerfile-dev",
            "Dockerfile.gpu",
            "train.Dockerfile",
            "gpu-Dockerfile",
            "Containerfile.rocm",
            "docker/serve.dockerfile",
        ] {
            assert_eq!(classify(n, false), Some(ConfigKind::Dockerfile), "{n}");
        }
        for n in
            ["Dockerfile.dockerignore", "dockerfile.md", "dockerfiles.txt", "Dockerfile.yml", "mydockerfile"]
        {
            assert_ne!(classify(n, false), Some(ConfigKind::Dockerfile), "{n}");
        }
    }

    #[test]
    fn classification_is_case_insensitive_and_multibyte_safe() {
        assert_eq!(classify("DOCKERFILE", false), Some(ConfigKind::Dockerfile));
        assert_eq!(classify("Dockerfile.GPU", false), Some(ConfigKind::Dockerfile));
        assert_eq!(classify("Docker-Compose.YML", false), Some(ConfigKind::Compose));
        assert_eq!(classify("ドッカー.yaml", false), Some(ConfigKind::Yaml));
        assert_eq!(classify("é", false), None);
        assert_eq!(classify("", false), None);
    }

    #[test]
    fn required_and_sniff() {
        let a = crate::file_analyzer();
        assert_eq!(a.required(&EntryMeta::file("Dockerfile", 10, None)), Interest::Yes);
        // YAML is read whole and classified by parsing, never by a 512-byte peek
        assert_eq!(a.required(&EntryMeta::file("k8s/x.yaml", 10, None)), Interest::Yes);
        let keep = |p: &str, t: &str| keep_yaml(p, t);
        assert!(keep("k8s/x.yaml", &format!("{}apiVersion: v1\nkind: Pod\n", "# comment\n".repeat(80))));
        assert!(!keep("ci.yaml", "jobs:\n  build: {}\n"));
        assert!(!keep("x.yaml", "data:\n  apiVersion: v1\n  kind: Pod\n"));
        assert!(keep("app.yml", "services:\n  web:\n    image: x\n"), "compose by content");
        assert_eq!(a.required(&EntryMeta::file("/etc/passwd", 10, Some(0))), Interest::Yes);
        assert_eq!(a.required(&EntryMeta::file("/usr/bin/ls", 10, Some(0))), Interest::No);
        let mut su = EntryMeta::file("/usr/bin/su", 10, Some(0));
        su.mode = 0o104755;
        assert_eq!(a.required(&su), Interest::Yes);
        let mut git = EntryMeta::file("/app/.git", 0, Some(2));
        git.kind = EntryKind::Dir;
        assert_eq!(a.required(&git), Interest::Yes);
        git.layer = None;
        assert_eq!(a.required(&git), Interest::No, "a .git in a source tree is normal");
        let mut pipcache = EntryMeta::file("/root/.cache/pip", 0, Some(1));
        pipcache.kind = EntryKind::Dir;
        assert_eq!(a.required(&pipcache), Interest::Yes);
    }

    #[test]
    fn analyze_files() {
        let a = crate::file_analyzer();
        let mut facts = Facts::default();
        let meta = EntryMeta::file("/app/Dockerfile", 20, Some(3));
        a.analyze(&meta, &mut &b"FROM ubuntu:latest\n"[..], &mut facts).unwrap();
        assert!(
            facts
                .findings
                .iter()
                .any(|f| f.id == "SW-DF-005" && f.location.layer == Some(3) && f.location.line == Some(1))
        );
        let mut facts = Facts::default();
        let mut su = EntryMeta::file("/usr/bin/su", 10, Some(0));
        su.mode = 0o104755;
        a.analyze(&su, &mut &b"\x7fELF"[..], &mut facts).unwrap();
        assert_eq!(facts.findings.len(), 1);
        assert_eq!(facts.findings[0].id, "SW-IMG-002");
        let mut facts = Facts::default();
        a.analyze(
            &EntryMeta::file("/etc/shadow", 10, Some(0)),
            &mut &b"root::19000:0:99999:7:::\n"[..],
            &mut facts,
        )
        .unwrap();
        assert_eq!(facts.files.len(), 1);
        let mut facts = Facts::default();
        let mut dj = EntryMeta::file("/etc/docker/daemon.json", 2, None);
        dj.mode = 0o100666;
        a.analyze(&dj, &mut &b"{}"[..], &mut facts).unwrap();
        assert!(facts.findings.iter().any(|f| f.id == "SW-DAEMON-011"));
        let mut facts = Facts::default();
        let ts = EntryMeta::file("serve/config.properties", 2, None);
        a.analyze(
            &ts,
            &mut &b"inference_address=http://0.0.0.0:8080\nmanagement_address=http://0.0.0.0:8081\n"[..],
            &mut facts,
        )
        .unwrap();
        assert_eq!(facts.findings.len(), 1);
        assert_eq!(facts.findings[0].location.line, Some(2));
    }

    #[test]
    fn build_context_through_the_analyzers() {
        use seawall_analyzer::{ImageAnalyzer, ImageView};
        let a = crate::file_analyzer();
        let mut facts = Facts::default();
        for (p, c) in [
            ("svc/Dockerfile", &b"FROM x:1\nCOPY . /app\n"[..]),
            ("svc/.env", b"HF_TOKEN=abc"),
            ("svc/app.py", b"print()"),
            ("other/.env", b""),
        ] {
            let m = EntryMeta::file(p, c.len() as u64, None);
            if a.required(&m) == Interest::Yes {
                a.analyze(&m, &mut &c[..], &mut facts).unwrap();
            }
        }
        // `.env` is read for compose interpolation (project trees only); other secret files are
        // path-only markers
        assert!(
            facts.files.iter().all(|f| f.location.path.ends_with(".env") || !f.content.contains("HF_TOKEN")),
            "secret files are markers only"
        );
        let target = seawall_core::Target::new(seawall_core::TargetKind::Filesystem, ".");
        let view = ImageView { target: &target, config: None, os: None, files: &facts.files, packages: &[] };
        let mut img = Facts::default();
        crate::image_analyzer().analyze(&view, &mut img).unwrap();
        assert_eq!(img.findings.len(), 1, "{:?}", img.findings);
        assert_eq!(img.findings[0].id, "SW-DF-019");
        assert!(img.findings[0].message.ends_with(".env"), "{}", img.findings[0].message);
        assert_eq!(img.findings[0].location.line, Some(2));
        // with a .dockerignore excluding it: clean
        let mut facts2 = facts.clone();
        let m = EntryMeta::file("svc/.dockerignore", 5, None);
        a.analyze(&m, &mut &b".env\n"[..], &mut facts2).unwrap();
        let view = ImageView { target: &target, config: None, os: None, files: &facts2.files, packages: &[] };
        let mut img = Facts::default();
        crate::image_analyzer().analyze(&view, &mut img).unwrap();
        assert!(img.findings.is_empty());
    }

    #[test]
    fn docker_host_paths() {
        let a = crate::file_analyzer();
        let mut sock = EntryMeta::file("var/run/docker.sock", 0, None);
        sock.kind = EntryKind::Other;
        sock.mode = 0o140666;
        assert_eq!(a.required(&sock), Interest::Yes);
        let mut facts = Facts::default();
        a.analyze(&sock, &mut &b""[..], &mut facts).unwrap();
        assert_eq!(facts.findings.len(), 1);
        assert_eq!(facts.findings[0].id, "SW-DAEMON-011");
        sock.mode = 0o140660;
        let mut facts = Facts::default();
        a.analyze(&sock, &mut &b""[..], &mut facts).unwrap();
        assert!(facts.findings.is_empty());
    }

    #[test]
    fn netpol_coverage_spans_files_through_the_image_analyzer() {
        use seawall_analyzer::{ImageAnalyzer, ImageView};
        let a = crate::file_analyzer();
        let mut facts = Facts::default();
        let dep = b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ml}\nspec:\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers: [{name: c, image: x}]\n";
        let pol = b"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: ml}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n";
        a.analyze(&EntryMeta::file("k8s/deploy.yaml", 10, None), &mut &dep[..], &mut facts).unwrap();
        a.analyze(&EntryMeta::file("k8s/netpol.yaml", 10, None), &mut &pol[..], &mut facts).unwrap();
        assert!(facts.findings.is_empty(), "manifests are checked as a project in image-config");
        assert_eq!(facts.files.len(), 2);
        let target = seawall_core::Target::new(seawall_core::TargetKind::Config, ".");
        let view = ImageView { target: &target, config: None, os: None, files: &facts.files, packages: &[] };
        let mut img = Facts::default();
        crate::image_analyzer().analyze(&view, &mut img).unwrap();
        assert!(img.findings.iter().any(|f| f.id == "SW-K8S-013"), "per-workload checks ran");
        assert!(
            !img.findings.iter().any(|f| f.id.as_str() >= "SW-K8S-020" && f.id.as_str() <= "SW-K8S-022"),
            "covered by the policy in the other file: {:?}",
            img.findings
        );
        // without the policy file, coverage findings appear
        let only_dep = vec![facts.files[0].clone()];
        let view = ImageView { target: &target, config: None, os: None, files: &only_dep, packages: &[] };
        let mut img = Facts::default();
        crate::image_analyzer().analyze(&view, &mut img).unwrap();
        let mut ids: Vec<&str> = img
            .findings
            .iter()
            .map(|f| f.id.as_str())
            .filter(|i| ("SW-K8S-020"..="SW-K8S-022").contains(i))
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, vec!["SW-K8S-020", "SW-K8S-021", "SW-K8S-022"]);
        // a template that does not parse is kept and reported as not analysed by the project phase
        let mut facts = Facts::default();
        a.analyze(
            &EntryMeta::file("chart/templates/d.yaml", 10, None),
            &mut &b"apiVersion: v1\nkind: Pod\nspec:\n  replicas: 1\n  {{- if .Values.x }}\n"[..],
            &mut facts,
        )
        .unwrap();
        assert_eq!(facts.files.len(), 1);
        let view = ImageView { target: &target, config: None, os: None, files: &facts.files, packages: &[] };
        let mut img = Facts::default();
        crate::image_analyzer().analyze(&view, &mut img).unwrap();
        assert_eq!(img.warnings.len(), 1, "{:?}", img.warnings);
        assert!(img.findings.is_empty());
    }
}
