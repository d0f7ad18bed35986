//! `seawall scan config PATH`: walk a file or directory tree, check every configuration file, and
//! analyse all Kubernetes manifests together (NetworkPolicy coverage spans files).

use std::path::{Path, PathBuf};

use seawall_core::{Finding, ScanWarning};

use crate::ConfigOptions;
use crate::compose::ComposeGraph;
use crate::files::{ConfigKind, MAX_CONFIG_FILE, classify};

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
    /// A file named explicitly is not a configuration file seawall reads.
    #[error(
        "{0} is not a configuration file seawall recognises (Dockerfile, compose, Kubernetes, kustomize, Helm, daemon.json, TorchServe config.properties)"
    )]
    NotRecognised(PathBuf),
    /// Several compose projects and none chosen.
    #[error("several compose projects under {0}: {1}; choose one with --compose-file")]
    SeveralComposeProjects(PathBuf, String),
}

fn read_text(p: &Path) -> Result<String, ConfigError> {
    let meta = fs_err::metadata(p).map_err(|source| ConfigError::Io { path: p.to_path_buf(), source })?;
    if meta.len() > MAX_CONFIG_FILE {
        return Err(ConfigError::TooLarge(p.to_path_buf()));
    }
    let bytes = fs_err::read(p).map_err(|source| ConfigError::Io { path: p.to_path_buf(), source })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Kind of an explicitly named file: by name, else by content (a Dockerfile whatever its name).
pub(crate) fn explicit_kind(p: &Path, text: &str) -> Option<ConfigKind> {
    let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    if let Some(k) = classify(&name, false) {
        return Some(k);
    }
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
    let upper = first.to_ascii_uppercase();
    if (upper.starts_with("FROM ") || upper.starts_with("ARG ")) && parse_dockerfile::parse(text).is_ok() {
        return Some(ConfigKind::Dockerfile);
    }
    None
}

/// Checks that a file named on the command line is a configuration file seawall reads; an error
/// naming it otherwise (`seawall scan config FILE` exits 2 rather than report a clean result).
pub fn recognise_file(p: &Path) -> Result<ConfigKind, ConfigError> {
    let text = read_text(p)?;
    match explicit_kind(p, &text) {
        Some(ConfigKind::Yaml | ConfigKind::Compose) => {
            match crate::project::classify_yaml(&p.to_string_lossy(), &text) {
                Ok(crate::project::YamlClass::Other) => Err(ConfigError::NotRecognised(p.to_path_buf())),
                _ => Ok(ConfigKind::Yaml),
            }
        }
        Some(k) => Ok(k),
        None => Err(ConfigError::NotRecognised(p.to_path_buf())),
    }
}

/// The result of [`scan_config_tree`]: findings, warnings (files not analysed and why) and what
/// was read.
#[derive(Debug, Clone, Default)]
pub struct ConfigScan {
    /// Findings, sorted by location then id.
    pub findings: Vec<Finding>,
    /// Findings suppressed in the scanned files themselves (`# seawall ignore=`, `# hadolint ignore=`).
    pub suppressed: Vec<Finding>,
    /// Everything not read or not analysed, each naming the file and why.
    pub warnings: Vec<ScanWarning>,
    /// Every configuration file read (relative paths), sorted.
    pub files: Vec<String>,
    /// Third-party directories not entered (`node_modules`, `.git`, virtual environments).
    pub skipped_dirs: Vec<String>,
}

/// Walks a file or tree with the `config-files` and `image-config` analyzers (the same code as
/// `seawall scan config`), skipping [`seawall_walker::SKIP_DIRS`].
pub fn scan_config_tree(path: &Path, opts: &ConfigOptions) -> ConfigScan {
    use seawall_analyzer::{FileAnalyzer, ImageAnalyzer, ImageView};
    let mut opts = opts.clone();
    if opts.project_root.is_none() && path.is_dir() {
        opts.project_root = Some(path.to_path_buf());
    }
    let file_analyzer: Box<dyn FileAnalyzer> = Box::new(crate::ConfigFileAnalyzer::new(opts.clone()));
    let walker = seawall_walker::Walker::new(vec![file_analyzer], Default::default());
    let walk =
        walker.walk_dir_with(path, &seawall_walker::DirOptions { skip_dirs: seawall_walker::SKIP_DIRS });
    let mut facts = walk.facts;
    let target = seawall_core::Target::new(seawall_core::TargetKind::Config, path.display().to_string());
    let view = ImageView { target: &target, config: None, os: None, files: &facts.files, packages: &[] };
    let mut img = seawall_analyzer::Facts::default();
    if let Err(e) = crate::ImageConfigAnalyzer::new(opts.clone()).analyze(&view, &mut img) {
        facts.warnings.push(ScanWarning::general("image-config", e.to_string()));
    }
    let mut files: Vec<String> = facts
        .files
        .iter()
        .map(|f| f.location.path.clone())
        .filter(|p| classify(p, false).is_some())
        .collect();
    files.sort();
    files.dedup();
    let mut findings = facts.findings;
    findings.extend(img.findings);
    let mut warnings = facts.warnings;
    warnings.extend(img.warnings);
    findings.sort_by(|a, b| (&a.location, &a.id, &a.fingerprint).cmp(&(&b.location, &b.id, &b.fingerprint)));
    warnings.sort();
    warnings.dedup();
    let (suppressed, findings): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(|f| f.suppression.is_some());
    ConfigScan { findings, suppressed, warnings, files, skipped_dirs: walk.skipped_dirs }
}

/// Checks a configuration file or every configuration file under a directory, with default options.
pub fn scan_config_path(path: &Path) -> (Vec<Finding>, Vec<ScanWarning>) {
    scan_config_path_with(path, &ConfigOptions::default())
}

/// Checks a configuration file or tree. Locations are relative to `path` for directories and the file
/// name for a single file. Findings are sorted by location, then id.
pub fn scan_config_path_with(path: &Path, opts: &ConfigOptions) -> (Vec<Finding>, Vec<ScanWarning>) {
    let r = scan_config_tree(path, opts);
    (r.findings, r.warnings)
}

/// The compose network graph of a compose file, or of the one compose project under a directory.
/// Several projects are an error listing them (see [`compose_graphs_path`] for all of them).
pub fn compose_graph_path(path: &Path) -> Result<ComposeGraph, ConfigError> {
    let mut graphs = compose_graphs_path(path, &[])?;
    match graphs.len() {
        1 => Ok(graphs.remove(0).1),
        _ => Err(ConfigError::SeveralComposeProjects(
            path.to_path_buf(),
            graphs.into_iter().map(|(n, _)| n).collect::<Vec<_>>().join(", "),
        )),
    }
}

/// The network graph of every compose project under `path` (a file or a tree), named by the main
/// file of each project; `compose_files` (relative to `path`, `-f a -f b`) chooses one project.
pub fn compose_graphs_path(
    path: &Path,
    compose_files: &[String],
) -> Result<Vec<(String, ComposeGraph)>, ConfigError> {
    let (root, explicit): (PathBuf, Vec<String>) = if path.is_dir() {
        (path.to_path_buf(), compose_files.to_vec())
    } else {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut ex = vec![name];
        ex.extend(compose_files.iter().cloned());
        (if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir }, ex)
    };
    let facts = {
        let a: Box<dyn seawall_analyzer::FileAnalyzer> = Box::new(crate::file_analyzer());
        let w = seawall_walker::Walker::new(vec![a], Default::default());
        w.walk_dir_with(&root, &seawall_walker::DirOptions { skip_dirs: seawall_walker::SKIP_DIRS }).facts
    };
    let inputs: Vec<crate::project::Input<'_>> = facts
        .files
        .iter()
        .filter(|f| crate::project::is_project_input(&f.location.path))
        .map(|f| crate::project::Input { location: &f.location, text: &f.content })
        .collect();
    let graphs = crate::project::compose_graphs(&inputs, &explicit);
    if graphs.is_empty() {
        return Err(ConfigError::NoComposeFile(path.to_path_buf()));
    }
    Ok(graphs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_scan_with_helm_templates_and_skipped_dirs() {
        let dir = std::env::temp_dir().join(format!("seawall-config-scan-{}", std::process::id()));
        let _ = fs_err::remove_dir_all(&dir);
        fs_err::create_dir_all(dir.join("chart/templates")).unwrap();
        fs_err::create_dir_all(dir.join("node_modules/x")).unwrap();
        fs_err::create_dir_all(dir.join("k8s")).unwrap();
        fs_err::write(dir.join("Dockerfile"), "FROM ubuntu:latest\n").unwrap();
        fs_err::write(dir.join("node_modules/x/Dockerfile"), "FROM ubuntu:latest\n").unwrap();
        fs_err::write(
            dir.join("chart/templates/deploy.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  {{- include \"labels\" . }}\n",
        )
        .unwrap();
        fs_err::write(
            dir.join("k8s/pod.yaml"),
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n",
        )
        .unwrap();
        fs_err::write(dir.join(".github-ci.yml"), "jobs: {}\n").unwrap();
        let (f, w) = scan_config_path(&dir);
        assert!(
            w.iter()
                .any(|n| !n.is_incomplete() && n.message.starts_with("configuration read: 1 Dockerfile(s)")),
            "{w:?}"
        );
        let w: Vec<_> = w.into_iter().filter(|w| w.is_incomplete()).collect();
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].location.as_ref().map(|l| l.path.as_str()), Some("chart/templates/deploy.yaml"));
        assert!(w[0].message.contains("templated YAML"), "{w:?}");
        assert!(f.iter().any(|x| x.location.path == "Dockerfile" && x.id == "SW-DF-005"));
        assert!(!f.iter().any(|x| x.location.path.starts_with("node_modules")));
        assert!(f.iter().any(|x| x.location.path == "k8s/pod.yaml" && x.id == "SW-K8S-020"));
        // single file
        let (f, _) = scan_config_path(&dir.join("Dockerfile"));
        assert!(f.iter().all(|x| x.location.path == "Dockerfile"));
        let g = compose_graph_path(&dir);
        assert!(matches!(g, Err(ConfigError::NoComposeFile(_))));
        let _ = fs_err::remove_dir_all(&dir);
    }
}
