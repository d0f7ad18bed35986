//! Kubernetes manifest checks: Pod Security Standards (baseline and restricted, every control, the
//! profile named in `details["profile"]`) on every pod template — workloads and the pod templates
//! inside ML custom resources —, RBAC, NetworkPolicy coverage, ML control planes behind
//! LoadBalancer/NodePort Services, secrets, GPU device mounts and image pinning.
//!
//! [`check_k8s_documents`] analyses a *set* of manifests together (NetworkPolicies in one file cover
//! workloads in another); [`check_k8s`] is the one-file convenience.

pub(crate) mod netpol;
mod pod;
mod rbac;

use std::borrow::Cow;

use seawall_core::{Finding, Location, ScanWarning};

use crate::catalog::k8s::*;
use crate::emit::finding;
use crate::project::Sources;
use crate::yaml::{Node, parse_multi};

/// Workload kinds whose pod template is checked.
pub const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "ReplicationController",
];

/// Kinds whose pods run until stopped (liveness/readiness probes expected).
const LONG_RUNNING: &[&str] =
    &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"];

/// One parsed manifest document and the file table its nodes point into.
pub(crate) struct Doc<'a> {
    pub(crate) node: &'a Node,
    pub(crate) srcs: &'a Sources,
}

/// One pod template found in a document: a workload's template, or one inside an ML custom
/// resource (Ray head/worker groups, KServe predictor, Kubeflow Notebook, training-operator
/// replicas, Seldon components, Argo templates, any `containers:` list under a pod-template key).
pub(crate) struct PodRef<'a> {
    pub(crate) spec: Cow<'a, Node>,
    pub(crate) meta: Option<&'a Node>,
    /// `""` for plain workloads, else which part of the resource (`head group`, `worker group gpu`).
    pub(crate) part: String,
    /// Labels the operator adds to the pods it creates (for NetworkPolicy coverage).
    pub(crate) extra_labels: Vec<(String, String)>,
}

impl<'a> Doc<'a> {
    pub(crate) fn kind(&self) -> &str {
        self.node.get("kind").and_then(Node::as_str).unwrap_or("")
    }
    pub(crate) fn name(&self) -> &str {
        self.node.path(&["metadata", "name"]).and_then(Node::as_str).unwrap_or("")
    }
    pub(crate) fn namespace(&self) -> &str {
        self.node.path(&["metadata", "namespace"]).and_then(Node::as_str).unwrap_or("default")
    }
    pub(crate) fn loc(&self) -> Location {
        let k = self.node.key("kind").unwrap_or(self.node);
        self.srcs.loc(k)
    }
    /// The file of the document (for namespace-level findings, which have no line of their own).
    pub(crate) fn file(&self) -> Location {
        self.srcs.file(self.node.src)
    }
    pub(crate) fn long_running(&self) -> bool {
        LONG_RUNNING.contains(&self.kind())
    }
    /// (pod spec, pod template metadata) of a plain workload.
    pub(crate) fn pod(&self) -> Option<(&'a Node, Option<&'a Node>)> {
        let n = self.node;
        match self.kind() {
            "Pod" => n.get("spec").map(|s| (s, n.get("metadata"))),
            "CronJob" => n
                .path(&["spec", "jobTemplate", "spec", "template"])
                .and_then(|t| t.get("spec").map(|s| (s, t.get("metadata")))),
            k if WORKLOAD_KINDS.contains(&k) => {
                n.path(&["spec", "template"]).and_then(|t| t.get("spec").map(|s| (s, t.get("metadata"))))
            }
            _ => None,
        }
    }
    /// Every pod template of the document.
    pub(crate) fn pods(&self) -> Vec<PodRef<'a>> {
        if let Some((spec, meta)) = self.pod() {
            return vec![PodRef {
                spec: Cow::Borrowed(spec),
                meta,
                part: String::new(),
                extra_labels: Vec::new(),
            }];
        }
        let mut out = Vec::new();
        if self.kind() == "Secret" || self.kind() == "ConfigMap" || self.kind() == "CustomResourceDefinition"
        {
            return out;
        }
        let Some(spec) = self.node.get("spec") else { return out };
        crate::k8s::crd::find_pods(self, spec, &mut out);
        out
    }
}

mod crd;

/// True when a YAML text looks like a Kubernetes manifest: some document, once parsed, has
/// top-level `apiVersion` and `kind` (comments or other keys before them do not matter).
pub fn looks_like_k8s(text: &str) -> bool {
    parse_docs(text).is_ok_and(|d| !d.is_empty())
}

/// Parses manifests; `kind: List` items are flattened.
pub(crate) fn parse_docs(text: &str) -> Result<Vec<Node>, crate::YamlError> {
    Ok(manifests(parse_multi(text)?))
}

/// The manifests among parsed YAML documents; `kind: List` items are flattened.
pub(crate) fn manifests(docs: Vec<Node>) -> Vec<Node> {
    let mut out = Vec::new();
    for d in docs {
        if d.get("kind").and_then(Node::as_str) == Some("List") {
            out.extend(d.get("items").map(Node::seq).unwrap_or(&[]).iter().cloned());
        } else if d.get("apiVersion").is_some_and(|a| a.as_str().is_some())
            && d.get("kind").and_then(Node::as_str).is_some()
        {
            out.push(d);
        }
    }
    out
}

/// Checks one manifest file.
pub fn check_k8s(location: &Location, text: &str) -> (Vec<Finding>, Vec<ScanWarning>) {
    check_k8s_documents(&[(location.clone(), text.to_string())])
}

/// Checks a set of manifest files together (NetworkPolicy coverage spans files).
pub fn check_k8s_documents(files: &[(Location, String)]) -> (Vec<Finding>, Vec<ScanWarning>) {
    check_k8s_with(files, true, true)
}

/// Checks one manifest file *without* NetworkPolicy coverage.
pub fn check_k8s_file(location: &Location, text: &str) -> (Vec<Finding>, Vec<ScanWarning>) {
    check_k8s_with(&[(location.clone(), text.to_string())], true, false)
}

/// Only the cross-file NetworkPolicy coverage findings (`SW-K8S-020`, `-021`, `-022`) for a set of
/// manifest files; parse errors are left to the per-file checks.
pub fn check_netpol_coverage(files: &[(Location, String)]) -> Vec<Finding> {
    check_k8s_with(files, false, true).0
}

fn check_k8s_with(
    files: &[(Location, String)],
    per_file: bool,
    coverage: bool,
) -> (Vec<Finding>, Vec<ScanWarning>) {
    let mut warnings = Vec::new();
    let known = files.iter().map(|(l, _)| (l.path.clone(), l.clone())).collect();
    let mut srcs = Sources::with_known(known);
    let mut nodes: Vec<Node> = Vec::new();
    for (loc, text) in files {
        match parse_docs(text) {
            Ok(d) => {
                let id = srcs.id(&loc.path);
                nodes.extend(d.into_iter().map(|mut n| {
                    n.set_src(id);
                    n
                }));
            }
            Err(e) => {
                if per_file {
                    warnings.push(ScanWarning::at(
                        "config-files",
                        loc.clone(),
                        format!("cannot parse Kubernetes manifest: {e}"),
                    ));
                }
            }
        }
    }
    let refs: Vec<&Node> = nodes.iter().collect();
    let (f, _) = check_docs(&refs, &srcs, per_file, coverage, None);
    (f, warnings)
}

/// Checks the documents of one project (a kustomize build, a chart, a directory of manifests).
pub(crate) fn check_nodes(
    docs: &[&Node],
    srcs: &Sources,
    build: Option<&str>,
) -> (Vec<Finding>, Vec<ScanWarning>) {
    check_docs(docs, srcs, true, true, build)
}

fn check_docs(
    nodes: &[&Node],
    srcs: &Sources,
    per_file: bool,
    coverage: bool,
    build: Option<&str>,
) -> (Vec<Finding>, Vec<ScanWarning>) {
    let docs: Vec<Doc<'_>> = nodes.iter().map(|n| Doc { node: n, srcs }).collect();
    let mut out = Vec::new();
    if per_file {
        for d in &docs {
            for p in d.pods() {
                pod::check_pod(&mut out, d, &p);
            }
            match d.kind() {
                "Secret" => {
                    let has_data = ["data", "stringData"]
                        .iter()
                        .any(|k| d.node.get(k).is_some_and(|n| !n.map().is_empty()));
                    if has_data {
                        out.push(finding(
                            &K8S_PLAINTEXT_SECRET,
                            d.loc(),
                            format!(
                                "Secret {}/{} carries its values in the manifest",
                                d.namespace(),
                                d.name()
                            ),
                            &format!("{}|{}", d.namespace(), d.name()),
                        ));
                    }
                }
                "Service" => check_service(&mut out, d, &docs),
                _ => {}
            }
            rbac::check(&mut out, d, &docs);
        }
    }
    netpol::check(&mut out, &docs, per_file, coverage);
    if let Some(b) = build {
        for f in &mut out {
            f.details.insert("build".into(), b.to_string());
        }
    }
    (out, Vec::new())
}

const ML_PORTS: &[(u32, &str)] = &[
    (8265, "Ray dashboard/jobs"),
    (10001, "Ray client"),
    (8888, "Jupyter"),
    (5000, "MLflow"),
    (8081, "TorchServe management"),
    (8082, "TorchServe metrics"),
    (8001, "Triton gRPC"),
    (8002, "Triton metrics"),
    (11434, "Ollama"),
    (6006, "TensorBoard"),
    (6379, "Redis / Ray GCS"),
];

fn labels_of(n: Option<&Node>) -> Vec<(String, String)> {
    n.map(Node::map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str().unwrap_or("").to_string())))
        .collect()
}

/// What a Service fronts: the role of the pods its selector matches (by image and name), else of
/// its own name and labels; `None` when nothing identifies it.
fn service_identity(d: &Doc<'_>, docs: &[Doc<'_>]) -> Option<(crate::compose::ServiceRole, String)> {
    use crate::compose::{ServiceRole, role_of};
    let sel = labels_of(d.node.path(&["spec", "selector"]));
    let mut found_pod = false;
    let mut best: Option<(ServiceRole, String)> = None;
    if !sel.is_empty() {
        for w in docs.iter().filter(|w| w.namespace() == d.namespace()) {
            for p in w.pods() {
                let mut l = labels_of(p.meta.and_then(|m| m.get("labels")));
                l.extend(p.extra_labels.iter().cloned());
                if !sel.iter().all(|kv| l.contains(kv)) {
                    continue;
                }
                found_pod = true;
                for c in p.spec.get("containers").map(Node::seq).unwrap_or(&[]) {
                    let img = c.get("image").and_then(Node::as_str);
                    let r = role_of(w.name(), img);
                    if r.is_sensitive() && best.is_none() {
                        best = Some((r, format!("{} {} (image {})", w.kind(), w.name(), img.unwrap_or("?"))));
                    }
                }
                if w.kind().starts_with("Ray") && best.is_none() {
                    best = Some((ServiceRole::MlControlPlane, format!("{} {}", w.kind(), w.name())));
                }
            }
        }
    }
    if best.is_some() {
        return best;
    }
    let mut words: Vec<String> = vec![d.name().to_string()];
    words.extend(labels_of(d.node.path(&["metadata", "labels"])).into_iter().map(|(_, v)| v));
    words.extend(sel.into_iter().map(|(_, v)| v));
    for w in &words {
        let r = role_of(w, None);
        if r.is_sensitive() {
            return Some((r, format!("named/labelled {w}")));
        }
    }
    if found_pod { Some((ServiceRole::Other, String::new())) } else { None }
}

fn check_service(out: &mut Vec<Finding>, d: &Doc<'_>, docs: &[Doc<'_>]) {
    let ty = d.node.path(&["spec", "type"]).and_then(Node::as_str).unwrap_or("ClusterIP");
    if ty != "LoadBalancer" && ty != "NodePort" {
        return;
    }
    let identity = service_identity(d, docs);
    if identity.as_ref().is_some_and(|(r, _)| !r.is_sensitive()) {
        return; // selects pods that are not an ML control plane (a registry on 5000 is not MLflow)
    }
    for p in d.node.path(&["spec", "ports"]).map(Node::seq).unwrap_or(&[]) {
        let num = |k: &str| p.get(k).and_then(Node::as_str).and_then(|v| v.parse::<u32>().ok());
        let ports: Vec<u32> = [num("port"), num("targetPort")].into_iter().flatten().collect();
        let msg = match &identity {
            Some((role, why)) => {
                let port = ports.first().map_or_else(|| "?".to_string(), u32::to_string);
                Some((port.clone(), format!("exposes port {port} of {} {why}", role.as_str())))
            }
            None => ports.iter().find_map(|port| {
                ML_PORTS.iter().find(|(n, _)| n == port).map(|(_, what)| {
                    (port.to_string(), format!("exposes port {port} ({what}'s default port)"))
                })
            }),
        };
        if let Some((port, m)) = msg {
            out.push(finding(
                &K8S_ML_PORT_EXPOSED,
                d.srcs.loc(p),
                format!("Service {}/{} of type {ty} {m}", d.namespace(), d.name()),
                &format!("{}|{}|{port}", d.namespace(), d.name()),
            ));
        }
    }
}

#[cfg(test)]
mod tests;
