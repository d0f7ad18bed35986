//! `seawall scan config PATH`: walk a file or directory tree, check every configuration file, and
//! analyse all Kubernetes manifests together (NetworkPolicy coverage spans files).

use std::path::{Path, PathBuf};

use seawall_core::{Finding, Location, ScanWarning};

use crate::compose::ComposeGraph;
use crate::files::{ConfigKind, MAX_CONFIG_FILE, check_text, classify};
use crate::{ConfigOptions, daemon, k8s};

/// Why a path could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Reading failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not valid YAML.
    #[error("{path}: {source}")]
    Yaml {
        /// The path.
        path: PathBuf,
        /// The parse error.
        source: crate::YamlError,
    },
    /// No compose file under a directory.
    #[error("no docker-compose / compose file found under {0}")]
    NoComposeFile(PathBuf),
    /// Larger than the configuration file limit.
    #[error("{0} is larger than {MAX_CONFIG_FILE} bytes")]
    TooLarge(PathBuf),
}

const SKIP_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    "site-packages",
    ".tox",
    ".mypy_cache",
];

fn read_text(p: &Path) -> Result<String, ConfigError> {
    let meta = std::fs::metadata(p).map_err(|source| ConfigError::Io { path: p.to_path_buf(), source })?;
    if meta.len() > MAX_CONFIG_FILE {
        return Err(ConfigError::TooLarge(p.to_path_buf()));
    }
    let bytes = std::fs::read(p).map_err(|source| ConfigError::Io { path: p.to_path_buf(), source })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Kind of an explicitly named file: by name, else by content.
fn explicit_kind(p: &Path, text: &str) -> Option<ConfigKind> {
    let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    if let Some(k) = classify(&name, false) {
        if k == ConfigKind::MaybeKubernetes
            && !k8s::looks_like_k8s(text)
            && text.lines().any(|l| l.starts_with("services:"))
        {
            return Some(ConfigKind::Compose);
        }
        return Some(k);
    }
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
    if first.to_ascii_uppercase().starts_with("FROM ") || first.to_ascii_uppercase().starts_with("ARG ") {
        return Some(ConfigKind::Dockerfile);
    }
    None
}

fn files_under(root: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let walker =
        walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name().into_iter().filter_entry(|e| {
            !(e.file_type().is_dir()
                && e.depth() > 0
                && SKIP_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        });
    for e in walker.flatten() {
        if !e.file_type().is_file() {
            continue;
        }
        let rel = e.path().strip_prefix(root).unwrap_or(e.path());
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        out.push((e.path().to_path_buf(), rel));
    }
    out
}

#[cfg(unix)]
fn perms(p: &Path, loc: &Location) -> Vec<Finding> {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(p) {
        Ok(m) => daemon::check_file_perms(loc, u64::from(m.uid()), u64::from(m.gid()), m.mode()),
        Err(_) => Vec::new(),
    }
}

#[cfg(not(unix))]
fn perms(_p: &Path, _loc: &Location) -> Vec<Finding> {
    Vec::new()
}

/// `SW-DF-019` for secret files in the build context (the Dockerfile's directory) of a Dockerfile
/// that copies its whole context.
fn context_findings(
    all_rel: &[String],
    dockerfile_rel: &str,
    loc: &Location,
    text: &str,
    root: &Path,
) -> Vec<Finding> {
    let dir = dockerfile_rel.rsplit_once('/').map_or("", |(d, _)| d);
    let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
    let context: Vec<&str> = all_rel.iter().filter_map(|r| r.strip_prefix(prefix.as_str())).collect();
    let ignore = std::fs::read(root.join(format!("{prefix}.dockerignore")))
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    crate::context::check_build_context(loc, text, ignore.as_deref(), &context)
}

/// Checks a configuration file or every configuration file under a directory, with default options.
pub fn scan_config_path(path: &Path) -> (Vec<Finding>, Vec<ScanWarning>) {
    scan_config_path_with(path, &ConfigOptions::default())
}

/// Checks a configuration file or tree. Locations are relative to `path` for directories and the file
/// name for a single file. Findings are sorted by location, then id.
pub fn scan_config_path_with(path: &Path, opts: &ConfigOptions) -> (Vec<Finding>, Vec<ScanWarning>) {
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    let mut k8s_files: Vec<(Location, String)> = Vec::new();
    let mut templated: Vec<String> = Vec::new();
    let listed = if path.is_dir() { files_under(path) } else { Vec::new() };
    let all_rel: Vec<String> = listed.iter().map(|(_, r)| r.clone()).collect();
    let entries: Vec<(PathBuf, String, bool)> = if path.is_dir() {
        listed.into_iter().map(|(p, r)| (p, r, false)).collect()
    } else {
        let name =
            path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        vec![(path.to_path_buf(), name, true)]
    };
    for (p, rel, explicit) in entries {
        let kind = classify(&rel, false);
        if kind.is_none() && !explicit {
            continue;
        }
        let text = match read_text(&p) {
            Ok(t) => t,
            Err(e) => {
                warnings.push(ScanWarning::at("config", Location::file(rel.clone()), e.to_string()));
                continue;
            }
        };
        let kind = if explicit { explicit_kind(&p, &text) } else { kind };
        let Some(kind) = kind else {
            warnings.push(ScanWarning::at(
                "config",
                Location::file(rel.clone()),
                "not a recognised configuration file",
            ));
            continue;
        };
        let loc = Location::file(rel.clone());
        if kind == ConfigKind::MaybeKubernetes {
            if text.contains("{{") {
                // Helm / Jinja templates are not YAML until rendered.
                templated.push(rel);
            } else if k8s::looks_like_k8s(&text) {
                k8s_files.push((loc, text));
            }
            continue;
        }
        let (f, w) = check_text(kind, &loc, &text, opts);
        findings.extend(f);
        warnings.extend(w);
        if kind == ConfigKind::Dockerfile && !explicit {
            findings.extend(context_findings(&all_rel, &rel, &loc, &text, path));
        }
        if matches!(kind, ConfigKind::DaemonJson | ConfigKind::SystemdUnit) {
            findings.extend(perms(&p, &loc));
        }
    }
    if !templated.is_empty() {
        let shown: Vec<&str> = templated.iter().take(5).map(String::as_str).collect();
        warnings.push(ScanWarning::general(
            "config",
            format!(
                "{} templated YAML file(s) (Helm/Jinja) not checked: {}{}; render them (`helm template …`) and scan the output",
                templated.len(),
                shown.join(", "),
                if templated.len() > shown.len() { ", …" } else { "" }
            ),
        ));
    }
    let (f, w) = k8s::check_k8s_documents(&k8s_files);
    findings.extend(f);
    warnings.extend(w);
    findings.sort_by(|a, b| (&a.location, &a.id, &a.fingerprint).cmp(&(&b.location, &b.id, &b.fingerprint)));
    warnings.sort();
    (findings, warnings)
}

/// The compose network graph of a compose file, or of the first compose file (sorted by path, the
/// shallowest first) under a directory. `seawall graph PATH --format dot|mermaid|svg` renders it.
pub fn compose_graph_path(path: &Path) -> Result<ComposeGraph, ConfigError> {
    let (file, rel) = if path.is_dir() {
        let mut candidates: Vec<(PathBuf, String)> = files_under(path)
            .into_iter()
            .filter(|(_, r)| classify(r, false) == Some(ConfigKind::Compose))
            .collect();
        candidates.sort_by_key(|(_, r)| (r.matches('/').count(), r.contains("override"), r.clone()));
        candidates.into_iter().next().ok_or_else(|| ConfigError::NoComposeFile(path.to_path_buf()))?
    } else {
        (
            path.to_path_buf(),
            path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()),
        )
    };
    let text = read_text(&file)?;
    crate::compose::compose_graph(&text, &Location::file(rel))
        .map_err(|source| ConfigError::Yaml { path: file, source })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn tree_scan_with_helm_templates_and_skipped_dirs() {
        let dir = std::env::temp_dir().join(format!("seawall-config-scan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("chart/templates")).unwrap();
        std::fs::create_dir_all(dir.join("node_modules/x")).unwrap();
        std::fs::create_dir_all(dir.join("k8s")).unwrap();
        std::fs::write(dir.join("Dockerfile"), "FROM ubuntu:latest\n").unwrap();
        std::fs::write(dir.join("node_modules/x/Dockerfile"), "FROM ubuntu:latest\n").unwrap();
        std::fs::write(
            dir.join("chart/templates/deploy.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("k8s/pod.yaml"),
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n",
        )
        .unwrap();
        std::fs::write(dir.join(".github-ci.yml"), "jobs: {}\n").unwrap();
        let (f, w) = scan_config_path(&dir);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].message.contains("chart/templates/deploy.yaml"));
        assert!(f.iter().any(|x| x.location.path == "Dockerfile" && x.id == "SW-DF-005"));
        assert!(!f.iter().any(|x| x.location.path.starts_with("node_modules")));
        assert!(f.iter().any(|x| x.location.path == "k8s/pod.yaml" && x.id == "SW-K8S-020"));
        // single file
        let (f, _) = scan_config_path(&dir.join("Dockerfile"));
        assert!(f.iter().all(|x| x.location.path == "Dockerfile"));
        let g = compose_graph_path(&dir);
        assert!(matches!(g, Err(ConfigError::NoComposeFile(_))));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
