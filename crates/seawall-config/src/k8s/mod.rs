//! Kubernetes manifest checks: Pod Security Standards (baseline and restricted, every control, the
//! profile named in `details["profile"]`), NetworkPolicy coverage, ML control planes behind
//! LoadBalancer/NodePort Services, secrets, GPU device mounts and image pinning.
//!
//! [`check_k8s_documents`] analyses a *set* of manifests together (NetworkPolicies in one file cover
//! workloads in another); [`check_k8s`] is the one-file convenience.

mod netpol;
mod pod;

use seawall_core::{Finding, Location, ScanWarning};

use crate::catalog::k8s::*;
use crate::emit::{finding, yaml_loc};
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

/// One parsed manifest document with the file it came from.
pub(crate) struct Doc<'a> {
    pub(crate) node: &'a Node,
    pub(crate) base: &'a Location,
}

impl Doc<'_> {
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
        yaml_loc(self.base, k.line, k.col)
    }
    /// (pod spec, pod template metadata) of a workload.
    pub(crate) fn pod(&self) -> Option<(&Node, Option<&Node>)> {
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
}

/// True when a YAML text looks like a Kubernetes manifest: some document has top-level `apiVersion`
/// and `kind`.
pub fn looks_like_k8s(text: &str) -> bool {
    // cheap textual prefilter on column-0 keys before parsing
    let has = |k: &str| text.lines().any(|l| l.starts_with(k));
    has("apiVersion:") && has("kind:")
}

/// Parses manifests; `kind: List` items are flattened.
pub(crate) fn parse_docs(text: &str) -> Result<Vec<Node>, crate::YamlError> {
    let mut out = Vec::new();
    for d in parse_multi(text)? {
        if d.get("kind").and_then(Node::as_str) == Some("List") {
            out.extend(d.get("items").map(Node::seq).unwrap_or(&[]).iter().cloned());
        } else if d.get("apiVersion").is_some() && d.get("kind").is_some() {
            out.push(d);
        }
    }
    Ok(out)
}

/// Checks one manifest file.
pub fn check_k8s(location: &Location, text: &str) -> (Vec<Finding>, Vec<ScanWarning>) {
    check_k8s_documents(&[(location.clone(), text.to_string())])
}

/// Checks a set of manifest files together (NetworkPolicy coverage spans files).
pub fn check_k8s_documents(files: &[(Location, String)]) -> (Vec<Finding>, Vec<ScanWarning>) {
    check_k8s_with(files, true, true)
}

/// Checks one manifest file *without* NetworkPolicy coverage (used by the `config-files` analyzer,
/// which sees one file at a time; coverage is computed across files by [`check_netpol_coverage`]).
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
    let mut parsed: Vec<(&Location, Vec<Node>)> = Vec::new();
    for (loc, text) in files {
        match parse_docs(text) {
            Ok(d) => parsed.push((loc, d)),
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
    let docs: Vec<Doc<'_>> = parsed
        .iter()
        .flat_map(|(loc, nodes)| nodes.iter().map(move |n| Doc { node: n, base: loc }))
        .collect();
    let mut out = Vec::new();
    if per_file {
        for d in &docs {
            if let Some((spec, _)) = d.pod() {
                pod::check_pod(&mut out, d, spec);
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
                            d.name(),
                        ));
                    }
                }
                "Service" => check_service(&mut out, d),
                _ => {}
            }
        }
    }
    netpol::check(&mut out, &docs, per_file, coverage);
    (out, warnings)
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

fn check_service(out: &mut Vec<Finding>, d: &Doc<'_>) {
    let ty = d.node.path(&["spec", "type"]).and_then(Node::as_str).unwrap_or("ClusterIP");
    if ty != "LoadBalancer" && ty != "NodePort" {
        return;
    }
    for p in d.node.path(&["spec", "ports"]).map(Node::seq).unwrap_or(&[]) {
        let num = |k: &str| p.get(k).and_then(Node::as_str).and_then(|v| v.parse::<u32>().ok());
        for port in [num("port"), num("targetPort")].into_iter().flatten() {
            if let Some((_, what)) = ML_PORTS.iter().find(|(n, _)| *n == port) {
                out.push(finding(
                    &K8S_ML_PORT_EXPOSED,
                    yaml_loc(d.base, p.line, p.col),
                    format!(
                        "Service {}/{} of type {ty} exposes port {port} ({what})",
                        d.namespace(),
                        d.name()
                    ),
                    &format!("{}|{port}", d.name()),
                ));
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests;
