//! Pod templates inside custom resources: RayCluster / RayJob / RayService head and worker groups,
//! KServe InferenceService components (predictor, transformer, explainer, with their framework
//! containers), Kubeflow Notebook, training-operator jobs (`*ReplicaSpecs`), SeldonDeployment
//! component specs, Argo Workflow / CronWorkflow / WorkflowTemplate templates, and generically any
//! `template.spec.containers` or `containers:` list of an operator resource.

use std::borrow::Cow;

use super::{Doc, PodRef};
use crate::yaml::{Node, Val};

const MAX_DEPTH: u32 = 12;

/// KServe framework keys of a component: each is one container spec.
const KSERVE_FRAMEWORKS: &[&str] = &[
    "model",
    "sklearn",
    "xgboost",
    "tensorflow",
    "pytorch",
    "triton",
    "onnx",
    "huggingface",
    "pmml",
    "lightgbm",
    "paddle",
    "alibi",
    "art",
];

fn is_containers_list(n: &Node) -> bool {
    let s = n.seq();
    !s.is_empty() && s.iter().all(|c| c.is_map() && (c.get("image").is_some() || c.get("name").is_some()))
}

fn with_container(base: &Node, container: &Node, name: &str) -> Node {
    let mut spec = match &base.v {
        Val::Map(m) => Node {
            v: Val::Map(
                m.iter()
                    .filter(|(k, _)| k.as_str().is_some_and(|k| !KSERVE_FRAMEWORKS.contains(&k)))
                    .cloned()
                    .collect(),
            ),
            ..base.clone()
        },
        _ => Node { v: Val::Map(Vec::new()), ..base.clone() },
    };
    let mut c = container.clone();
    if c.get("name").is_none() {
        c.insert(
            "name",
            Node { src: container.src, line: container.line, col: container.col, ..Node::str(name) },
        );
    }
    let mut list = spec.get("containers").map(|l| l.seq().to_vec()).unwrap_or_default();
    list.insert(0, c);
    spec.insert("containers", Node { v: Val::Seq(list), ..container.clone() });
    spec
}

fn operator_labels(doc: &Doc<'_>, part: &str) -> Vec<(String, String)> {
    let name = doc.name().to_string();
    let kind = doc.kind();
    let mut l = Vec::new();
    let push = |l: &mut Vec<(String, String)>, k: &str, v: &str| l.push((k.to_string(), v.to_string()));
    match kind {
        "RayCluster" | "RayJob" | "RayService" => {
            push(&mut l, "ray.io/cluster", &name);
            push(&mut l, "app.kubernetes.io/created-by", "kuberay-operator");
            push(&mut l, "ray.io/node-type", if part.starts_with("head") { "head" } else { "worker" });
        }
        "InferenceService" => {
            push(&mut l, "serving.kserve.io/inferenceservice", &name);
            push(&mut l, "component", part);
        }
        "Notebook" => {
            push(&mut l, "notebook-name", &name);
            push(&mut l, "statefulset", &name);
        }
        k if k.ends_with("Job")
            && doc.node.get("spec").is_some_and(|s| {
                s.map().iter().any(|(k, _)| k.as_str().is_some_and(|k| k.ends_with("ReplicaSpecs")))
            }) =>
        {
            push(&mut l, "training.kubeflow.org/job-name", &name);
            push(&mut l, "training.kubeflow.org/replica-type", &part.to_ascii_lowercase());
        }
        "SeldonDeployment" => push(&mut l, "seldon-deployment-id", &name),
        _ => {}
    }
    l
}

/// Finds the pod templates of a custom resource's `spec`.
pub(super) fn find_pods<'a>(doc: &Doc<'a>, spec: &'a Node, out: &mut Vec<PodRef<'a>>) {
    let kind = doc.kind().to_string();
    // KServe components
    if kind == "InferenceService" || kind == "InferenceGraph" {
        for part in ["predictor", "transformer", "explainer"] {
            let Some(c) = spec.get(part) else { continue };
            let fw = KSERVE_FRAMEWORKS.iter().find_map(|f| c.get(f).map(|n| (*f, n)));
            let pod = match fw {
                Some((f, node)) => Cow::Owned(with_container(c, node, &format!("kserve-container ({f})"))),
                None if c.get("containers").is_some() => Cow::Borrowed(c),
                None => continue,
            };
            out.push(PodRef {
                spec: pod,
                meta: None,
                part: part.to_string(),
                extra_labels: operator_labels(doc, part),
            });
        }
        return;
    }
    walk(doc, spec, "", None, 0, out);
}

fn walk<'a>(
    doc: &Doc<'a>,
    n: &'a Node,
    path: &str,
    parent: Option<&'a Node>,
    depth: u32,
    out: &mut Vec<PodRef<'a>>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    // `template: {metadata, spec: {containers}}` (Ray groups, training replicas, Notebook, generic)
    if let Some(t) = n.get("template")
        && let Some(s) = t.get("spec")
        && s.get("containers").is_some_and(is_containers_list)
    {
        let part = part_name(path, n);
        out.push(PodRef {
            spec: Cow::Borrowed(s),
            meta: t.get("metadata"),
            extra_labels: operator_labels(doc, &part),
            part,
        });
        return;
    }
    // a PodSpec-like map directly (Seldon `componentSpecs[].spec`, RayJob submitter, …)
    if n.get("containers").is_some_and(is_containers_list) && depth > 0 {
        let part = part_name(path, parent.unwrap_or(n));
        out.push(PodRef {
            spec: Cow::Borrowed(n),
            meta: None,
            extra_labels: operator_labels(doc, &part),
            part,
        });
        return;
    }
    // Argo: `templates[].container` / `.script` / `.containerSet`
    if path.ends_with("templates[]") {
        let tname = n.get("name").and_then(Node::as_str).unwrap_or("?");
        for key in ["container", "script"] {
            if let Some(c) = n.get(key).filter(|c| c.is_map()) {
                let spec = with_container(&Node { v: Val::Map(Vec::new()), ..n.clone() }, c, tname);
                // pod-level fields of an Argo template
                let mut spec = spec;
                for k in ["securityContext", "volumes", "automountServiceAccountToken", "hostNetwork"] {
                    if let Some(v) = n.get(k) {
                        spec.insert(k, v.clone());
                    }
                }
                out.push(PodRef {
                    spec: Cow::Owned(spec),
                    meta: n.get("metadata"),
                    part: format!("template {tname}"),
                    extra_labels: Vec::new(),
                });
            }
        }
        if let Some(cs) = n.path(&["containerSet", "containers"]).filter(|c| is_containers_list(c)) {
            let mut spec = Node { v: Val::Map(Vec::new()), ..n.clone() };
            spec.insert("containers", cs.clone());
            out.push(PodRef {
                spec: Cow::Owned(spec),
                meta: n.get("metadata"),
                part: format!("template {tname}"),
                extra_labels: Vec::new(),
            });
        }
        return;
    }
    match &n.v {
        Val::Map(m) => {
            for (k, v) in m {
                let Some(k) = k.as_str() else { continue };
                if matches!(k, "metadata" | "status") {
                    continue;
                }
                let p = if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
                walk(doc, v, &p, Some(n), depth + 1, out);
            }
        }
        Val::Seq(items) => {
            for it in items {
                walk(doc, it, &format!("{path}[]"), Some(n), depth + 1, out);
            }
        }
        _ => {}
    }
}

/// A readable name for a pod template's place: `headGroupSpec` → `head group`,
/// `workerGroupSpecs[]` + `groupName: gpu` → `worker group gpu`, `pytorchReplicaSpecs.Worker` → `Worker`.
fn part_name(path: &str, n: &Node) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    if last.starts_with("headGroupSpec") {
        return "head group".into();
    }
    if last.starts_with("workerGroupSpecs") {
        let g = n.get("groupName").and_then(Node::as_str).unwrap_or("?");
        return format!("worker group {g}");
    }
    if let Some(name) = n.get("name").and_then(Node::as_str) {
        return format!("{} {name}", last.trim_end_matches("[]"));
    }
    last.trim_end_matches("[]").to_string()
}
