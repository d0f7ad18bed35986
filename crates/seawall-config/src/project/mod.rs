//! Project-level analysis of the YAML configuration of a tree: what the deploy tools would deploy,
//! not each file on its own.
//!
//! Every YAML file is classified by parsing it ([`classify_yaml`]): Kubernetes manifests (any
//! document with top-level `apiVersion` and `kind`), compose files (`services:` with compose keys or
//! `include:`, whatever the file name), kustomizations, Helm charts (`Chart.yaml` and everything
//! below it). Then:
//!
//! 1. Helm charts are rendered with `helm template` when `helm` is on `PATH` and the tree is on disk;
//!    otherwise their `values.yaml` settings are checked and the chart is reported as not fully
//!    analysed ([`crate::helm`]).
//! 2. Kustomizations not used by another one are built ([`crate::kustomize`]): resources, patches,
//!    namespace, name prefix/suffix, labels, images. Files they consume (resources, patches) are not
//!    checked on their own: a one-field patch is a fragment, not a workload.
//! 3. Compose projects are loaded as `docker compose` does ([`crate::compose`]): override files,
//!    `include`, `extends`, `.env` interpolation. Files only used through `include`/`extends` are not
//!    projects of their own.
//! 4. The remaining manifests are grouped into projects by their top-level directory, so that
//!    namespace-level rules (default-deny NetworkPolicy) never mix unrelated projects.

use std::collections::{BTreeMap, BTreeSet};

use seawall_core::{Finding, Location, ScanWarning};

use crate::ConfigOptions;
use crate::yaml::{Node, Val, parse_multi};

/// File index ↔ location table for the nodes of a project (see `Node::src`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Sources {
    files: Vec<Location>,
    index: BTreeMap<String, u32>,
    known: BTreeMap<String, Location>,
}

impl Sources {
    /// A table that names files as they were captured (path and layer).
    pub(crate) fn with_known(known: BTreeMap<String, Location>) -> Self {
        Sources { known, ..Default::default() }
    }

    /// The index of a file, added on first use.
    pub(crate) fn id(&mut self, rel: &str) -> u32 {
        if let Some(i) = self.index.get(rel) {
            return *i;
        }
        let i = u32::try_from(self.files.len()).unwrap_or(u32::MAX);
        self.files.push(self.file_loc(rel));
        self.index.insert(rel.to_string(), i);
        i
    }

    /// The location of a file by path.
    pub(crate) fn file_loc(&self, rel: &str) -> Location {
        self.known.get(rel).cloned().unwrap_or_else(|| Location::file(rel))
    }

    /// The location of a file by index.
    pub(crate) fn file(&self, src: u32) -> Location {
        self.files.get(src as usize).cloned().unwrap_or_default()
    }

    /// The location (file, line, column) of a node.
    pub(crate) fn loc(&self, n: &Node) -> Location {
        crate::emit::yaml_loc(&self.file(n.src), n.line, n.col)
    }
}

/// Parsed YAML documents of a file, or the parse error.
type Parsed = std::rc::Rc<Result<Vec<Node>, crate::YamlError>>;

/// The files of a tree by relative path (no leading `/`), with each YAML file parsed at most once
/// (kustomize bases are used by several overlays; classification and checks share the parse).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tree<'a> {
    files: BTreeMap<String, &'a str>,
    parsed: std::cell::RefCell<BTreeMap<String, Parsed>>,
}

impl<'a> Tree<'a> {
    /// A tree of `(path, text)` pairs.
    pub(crate) fn new(files: Vec<(&str, &'a str)>) -> Self {
        Tree { files: files.into_iter().map(|(p, t)| (norm(p), t)).collect(), parsed: Default::default() }
    }
    /// The parsed documents of a file (`None` when the file is not in the tree).
    pub(crate) fn docs(&self, rel: &str) -> Option<Parsed> {
        if let Some(p) = self.parsed.borrow().get(rel) {
            return Some(p.clone());
        }
        let text = self.text(rel)?;
        let p: Parsed = std::rc::Rc::new(parse_multi(text));
        self.parsed.borrow_mut().insert(rel.to_string(), p.clone());
        Some(p)
    }
    /// The text of a file.
    pub(crate) fn text(&self, rel: &str) -> Option<&'a str> {
        self.files.get(rel).copied()
    }
    /// Every path.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }
}

/// A path without a leading `/` or `./`.
pub(crate) fn norm(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            x => out.push(x),
        }
    }
    out.join("/")
}

/// The directory of a relative path (`""` for the root).
pub(crate) fn dir_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `dir/p` normalised (`..` resolved inside the tree).
pub(crate) fn join(dir: &str, p: &str) -> String {
    if p.starts_with('/') || dir.is_empty() { norm(p) } else { norm(&format!("{dir}/{p}")) }
}

/// What a YAML file is, decided by parsing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum YamlClass {
    /// Kubernetes manifests.
    Kubernetes,
    /// A compose file.
    Compose,
    /// `kustomization.yaml` or a kustomize `Component`.
    Kustomization,
    /// `Chart.yaml`.
    HelmChart,
    /// `values*.yaml` (only meaningful inside a chart).
    HelmValues,
    /// Parsed, but none of the above.
    Other,
}

const COMPOSE_SERVICE_KEYS: &[&str] = &[
    "image",
    "build",
    "ports",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "volumes",
    "networks",
    "depends_on",
    "extends",
    "restart",
    "deploy",
    "container_name",
    "healthcheck",
    "network_mode",
    "privileged",
    "profiles",
    "expose",
    "read_only",
    "cap_drop",
    "cap_add",
    "security_opt",
    "user",
    "pids_limit",
    "mem_limit",
    "cpus",
    "logging",
    "working_dir",
    "secrets",
    "tmpfs",
    "devices",
    "gpus",
    "runtime",
    "shm_size",
    "ulimits",
    "init",
    "labels",
    "hostname",
];

/// True for a compose-like file name (`docker-compose*.yml`, `compose*.yaml`).
pub(crate) fn compose_name(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    (name.starts_with("docker-compose") || name.starts_with("compose"))
        && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

fn is_kustomization_name(rel: &str) -> bool {
    matches!(
        rel.rsplit('/').next().unwrap_or(rel),
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// Classifies a parsed YAML text.
pub(crate) fn classify_docs(rel: &str, docs: &[Node]) -> YamlClass {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if name == "Chart.yaml" {
        return YamlClass::HelmChart;
    }
    let kind = |d: &Node| d.get("kind").and_then(Node::as_str).map(str::to_string);
    if is_kustomization_name(rel)
        || docs.iter().any(|d| {
            d.get("apiVersion")
                .and_then(Node::as_str)
                .is_some_and(|a| a.starts_with("kustomize.config.k8s.io"))
        })
    {
        return YamlClass::Kustomization;
    }
    if docs.iter().any(|d| d.get("apiVersion").is_some_and(|a| a.as_str().is_some()) && kind(d).is_some()) {
        return YamlClass::Kubernetes;
    }
    if let [d] = docs {
        let services = d.get("services").filter(|s| s.is_map());
        let compose_like = services.is_some_and(|s| {
            s.map().iter().any(|(_, svc)| {
                svc.map().iter().any(|(k, _)| k.as_str().is_some_and(|k| COMPOSE_SERVICE_KEYS.contains(&k)))
            })
        });
        let include = d.get("include").is_some_and(|i| matches!(i.v, Val::Seq(_)));
        if compose_like || include || (compose_name(rel) && services.is_some()) {
            return YamlClass::Compose;
        }
    }
    if name.starts_with("values") && (name.ends_with(".yaml") || name.ends_with(".yml")) {
        return YamlClass::HelmValues;
    }
    YamlClass::Other
}

/// Parses and classifies a YAML text; `Err` carries the parse error.
pub(crate) fn classify_yaml(rel: &str, text: &str) -> Result<YamlClass, crate::YamlError> {
    let docs = parse_multi(text)?;
    Ok(classify_docs(rel, &docs))
}

/// What the project analysis read, for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) manifests: usize,
    pub(crate) compose: usize,
    pub(crate) kustomize: usize,
    pub(crate) helm: usize,
}

/// One file handed to the project analysis.
#[derive(Debug, Clone)]
pub(crate) struct Input<'a> {
    pub(crate) location: &'a Location,
    pub(crate) text: &'a str,
}

/// True for the captured files the project analysis reads (YAML, Helm `.tpl`, `.env`).
pub(crate) fn is_project_input(p: &str) -> bool {
    let name = p.rsplit('/').next().unwrap_or(p);
    is_yaml(p) || (name.ends_with(".tpl") && p.contains("templates/")) || name == ".env"
}

fn is_yaml(p: &str) -> bool {
    let l = p.to_ascii_lowercase();
    l.ends_with(".yaml") || l.ends_with(".yml") || p.ends_with("Kustomization")
}

/// Analyses every YAML configuration of a tree as described in the module documentation.
pub(crate) fn analyze(
    inputs: &[Input<'_>],
    opts: &ConfigOptions,
) -> (Vec<Finding>, Vec<ScanWarning>, Counts) {
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    let mut counts = Counts::default();
    let known: BTreeMap<String, Location> =
        inputs.iter().map(|i| (norm(&i.location.path), i.location.clone())).collect();
    let tree = Tree::new(inputs.iter().map(|i| (i.location.path.as_str(), i.text)).collect());
    let mut srcs = Sources::with_known(known);

    // classify
    let mut class: BTreeMap<String, YamlClass> = BTreeMap::new();
    for p in tree.paths() {
        if !is_yaml(p) {
            continue;
        }
        let text = tree.text(p).unwrap_or("");
        let Some(parsed) = tree.docs(p) else { continue };
        match parsed.as_ref() {
            Ok(docs) => {
                class.insert(p.to_string(), classify_docs(p, docs));
            }
            Err(e) => {
                if crate::helm::chart_of(p, &tree).is_some() {
                    continue; // a chart template: the chart decides
                }
                let templated = text.contains("{{") || text.contains("{%");
                let msg = if templated {
                    format!(
                        "templated YAML (Helm/Jinja placeholders outside quotes) does not parse: not analysed; render it and scan the output ({e})"
                    )
                } else {
                    format!("cannot parse YAML: not analysed ({e})")
                };
                warnings.push(ScanWarning::at("config", srcs.file_loc(p), msg));
            }
        }
    }

    // 1. Helm charts
    let mut claimed: BTreeSet<String> = BTreeSet::new();
    let charts: Vec<String> = class
        .iter()
        .filter(|(_, c)| **c == YamlClass::HelmChart)
        .map(|(p, _)| dir_of(p).to_string())
        .filter(|d| crate::helm::chart_of(&format!("{d}/x"), &tree).as_deref() == Some(d.as_str()))
        .collect();
    for chart in &charts {
        counts.helm += 1;
        for p in tree.paths() {
            if chart.is_empty() || p.starts_with(&format!("{chart}/")) {
                claimed.insert(p.to_string());
            }
        }
        let (f, w) = crate::helm::analyze_chart(chart, &tree, &mut srcs, opts);
        findings.extend(f);
        warnings.extend(w);
    }

    // 2. kustomize
    let kusts: Vec<String> = class
        .iter()
        .filter(|(p, c)| **c == YamlClass::Kustomization && !claimed.contains(*p))
        .map(|(p, _)| p.clone())
        .collect();
    if !kusts.is_empty() {
        let out = crate::kustomize::build_all(&kusts, &tree, &mut srcs);
        counts.kustomize += kusts.len();
        claimed.extend(out.consumed.iter().cloned());
        claimed.extend(kusts.iter().cloned());
        warnings.extend(out.warnings);
        findings.extend(out.findings);
        for build in &out.builds {
            let docs: Vec<&Node> = build.docs.iter().collect();
            let (f, w) = crate::k8s::check_nodes(&docs, &srcs, Some(&build.name));
            findings.extend(f);
            warnings.extend(w);
        }
    }

    // 3. compose
    let compose: Vec<String> = class
        .iter()
        .filter(|(p, c)| **c == YamlClass::Compose && !claimed.contains(*p))
        .map(|(p, _)| p.clone())
        .collect();
    counts.compose += compose.len();
    for p in &compose {
        if let Some(text) = tree.text(p) {
            findings.extend(crate::compose::check_raw_secrets(p, text, &mut srcs));
        }
    }
    for project in crate::compose::projects(&compose, &tree, &opts.compose_files) {
        let (f, w) = crate::compose::check_project(&project, &tree, &mut srcs);
        findings.extend(f);
        warnings.extend(w);
    }

    // 4. remaining manifests, one project per top-level directory
    let mut groups: BTreeMap<String, Vec<Node>> = BTreeMap::new();
    for (p, c) in &class {
        if *c != YamlClass::Kubernetes || claimed.contains(p) {
            continue;
        }
        counts.manifests += 1;
        let Some(parsed) = tree.docs(p) else { continue };
        match parsed.as_ref() {
            Ok(docs) => {
                let mut docs = crate::k8s::manifests(docs.clone());
                if let Some(why) = fragment(p, &docs, &tree) {
                    warnings.push(
                        ScanWarning::at("config", srcs.file_loc(p), why)
                            .with_kind(seawall_core::WarningKind::Notice),
                    );
                    continue;
                }
                let id = srcs.id(p);
                for d in &mut docs {
                    d.set_src(id);
                }
                let top = p.split_once('/').map_or("", |(t, _)| t).to_string();
                groups.entry(top).or_default().extend(docs);
            }
            Err(e) => warnings.push(ScanWarning::at(
                "config",
                srcs.file_loc(p),
                format!("cannot parse Kubernetes manifest: {e}"),
            )),
        }
    }
    for docs in groups.values() {
        let refs: Vec<&Node> = docs.iter().collect();
        let (f, w) = crate::k8s::check_nodes(&refs, &srcs, None);
        findings.extend(f);
        warnings.extend(w);
    }
    dedupe(&mut findings);
    crate::emit::unique_fingerprints(&mut findings);
    (findings, warnings, counts)
}

/// Why a manifest file is a patch fragment rather than something deployed on its own: a workload
/// whose containers have no `image` cannot be applied (it only makes sense merged into a base), and a
/// `*patch*.yaml` next to a kustomization is one even when the kustomization does not use it (yet).
fn fragment(rel: &str, docs: &[Node], tree: &Tree<'_>) -> Option<String> {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    let dir = dir_of(rel);
    let has_kustomization = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .any(|k| tree.text(&join(dir, k)).is_some());
    if name.contains("patch") && has_kustomization {
        return Some("a kustomize patch next to a kustomization that does not use it: a fragment, not checked on its own".into());
    }
    let imageless = docs.iter().any(|d| {
        let kind = d.get("kind").and_then(Node::as_str).unwrap_or("");
        crate::k8s::WORKLOAD_KINDS.contains(&kind)
            && d.path(&["spec", "template", "spec", "containers"])
                .or_else(|| d.path(&["spec", "containers"]))
                .is_some_and(|c| !c.seq().is_empty() && c.seq().iter().any(|c| c.get("image").is_none()))
    });
    imageless.then(|| {
        "workload containers without `image`: a patch fragment (merged into a base by kustomize), not checked on its own".into()
    })
}

/// The network graph of every compose project among `inputs` (see [`crate::compose_graphs_path`]).
pub(crate) fn compose_graphs(
    inputs: &[Input<'_>],
    explicit: &[String],
) -> Vec<(String, crate::ComposeGraph)> {
    let known: BTreeMap<String, Location> =
        inputs.iter().map(|i| (norm(&i.location.path), i.location.clone())).collect();
    let tree = Tree::new(inputs.iter().map(|i| (i.location.path.as_str(), i.text)).collect());
    let mut srcs = Sources::with_known(known);
    let compose: Vec<String> = tree
        .paths()
        .filter(|p| is_yaml(p) && crate::helm::chart_of(p, &tree).is_none())
        .filter(|p| matches!(classify_yaml(p, tree.text(p).unwrap_or("")), Ok(YamlClass::Compose)))
        .map(str::to_string)
        .collect();
    let projects = crate::compose::projects(&compose, &tree, explicit);
    let projects = if explicit.is_empty() { projects } else { projects.into_iter().take(1).collect() };
    let mut out = Vec::new();
    for p in projects {
        if let Some(loaded) = crate::compose::load::load(&p, &tree, &mut srcs) {
            out.push((p.join(" + "), crate::compose::graph_of(&loaded.root, &srcs)));
        }
    }
    out
}

/// One finding per (rule, location, message): a fragment shared by several projects (a compose file
/// included twice, a base used by two overlays with the same result) is reported once.
pub(crate) fn dedupe(findings: &mut Vec<Finding>) {
    let mut seen = BTreeSet::new();
    findings.retain(|f| seen.insert((f.id.clone(), f.location.clone(), f.message.clone())));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_by_content() {
        let c = |p: &str, t: &str| classify_yaml(p, t).ok();
        assert_eq!(
            c("a.yaml", "# comment\n# more\n\napiVersion: v1\nkind: Pod\n"),
            Some(YamlClass::Kubernetes)
        );
        assert_eq!(c("deploy/app.yml", "services:\n  web:\n    image: x\n"), Some(YamlClass::Compose));
        assert_eq!(c("stack.yml", "services:\n  web: {build: .}\n"), Some(YamlClass::Compose));
        assert_eq!(c("ci.yml", "jobs:\n  build: {}\n"), Some(YamlClass::Other));
        assert_eq!(c("x/kustomization.yaml", "resources: [a.yaml]\n"), Some(YamlClass::Kustomization));
        assert_eq!(
            c("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"),
            Some(YamlClass::HelmChart)
        );
        assert_eq!(
            c("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: \"{{ namespace }}\"\n"),
            Some(YamlClass::Kubernetes),
            "quoted placeholders are valid YAML"
        );
        assert!(c("t.yaml", "spec:\n  replicas: 1\n  {{- if .Values.x }}\n").is_none());
    }

    #[test]
    fn unused_patch_fragments_are_not_checked_as_workloads() {
        let loc_a = Location::file("app/base/manager_patch.yaml");
        let loc_k = Location::file("app/base/kustomization.yaml");
        let loc_c = Location::file("other/dep.yaml");
        let patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: m}\nspec:\n  template:\n    spec:\n      containers:\n        - name: manager\n          ports: [{containerPort: 443}]\n";
        let inputs = vec![
            Input { location: &loc_a, text: patch },
            Input { location: &loc_k, text: "resources: []\n" },
            Input { location: &loc_c, text: patch },
        ];
        let (f, w, _) = analyze(&inputs, &ConfigOptions::default());
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(
            w.iter().filter(|w| !w.is_incomplete()).count(),
            2,
            "each fragment is named in a notice: {w:?}"
        );
    }

    #[test]
    fn paths() {
        assert_eq!(join("a/b", "../c/./d.yaml"), "a/c/d.yaml");
        assert_eq!(join("", "./x.yaml"), "x.yaml");
        assert_eq!(norm("/app/x.yaml"), "app/x.yaml");
        assert_eq!(dir_of("a/b.yaml"), "a");
    }
}
