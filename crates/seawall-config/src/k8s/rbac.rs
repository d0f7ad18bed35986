//! RBAC checks: wildcard verbs or resources, read access to Secrets, `escalate` / `bind` /
//! `impersonate`, bindings to `cluster-admin`, and the `default` service account bound to a role.

use seawall_core::Finding;

use super::Doc;
use crate::catalog::k8s::*;
use crate::emit::finding;
use crate::yaml::Node;

fn strs(n: Option<&Node>) -> Vec<&str> {
    n.map(Node::seq).unwrap_or(&[]).iter().filter_map(Node::as_str).collect()
}

pub(super) fn check(out: &mut Vec<Finding>, d: &Doc<'_>, _docs: &[Doc<'_>]) {
    let kind = d.kind();
    let api = d.node.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    if !api.starts_with("rbac.authorization.k8s.io") {
        return;
    }
    let who = format!(
        "{kind} {}",
        if kind.starts_with("Cluster") {
            d.name().to_string()
        } else {
            format!("{}/{}", d.namespace(), d.name())
        }
    );
    let key = |what: &str, i: usize| format!("{kind}|{}|{}|{what}|{i}", d.namespace(), d.name());
    match kind {
        "Role" | "ClusterRole" => {
            for (i, rule) in d.node.get("rules").map(Node::seq).unwrap_or(&[]).iter().enumerate() {
                let verbs = strs(rule.get("verbs"));
                let resources = strs(rule.get("resources"));
                let at = |k: &str| rule.get(k).unwrap_or(rule);
                if verbs.contains(&"*") || resources.contains(&"*") {
                    let field = if verbs.contains(&"*") { "verbs" } else { "resources" };
                    out.push(finding(
                        &K8S_RBAC_WILDCARD,
                        d.srcs.loc(at(field)),
                        format!(
                            "{who} grants `*` {field} (resources: {}, verbs: {})",
                            resources.join(","),
                            verbs.join(",")
                        ),
                        &key("wildcard", i),
                    ));
                }
                let secrets = resources.iter().any(|r| *r == "secrets" || *r == "*");
                let reads = verbs.iter().any(|v| matches!(*v, "get" | "list" | "watch" | "*"));
                if secrets && reads && !verbs.contains(&"*") && !resources.contains(&"*") {
                    out.push(finding(
                        &K8S_RBAC_SECRETS,
                        d.srcs.loc(at("resources")),
                        format!("{who} can read Secrets ({})", verbs.join(",")),
                        &key("secrets", i),
                    ));
                }
                let esc: Vec<&str> = verbs
                    .iter()
                    .copied()
                    .filter(|v| matches!(*v, "escalate" | "bind" | "impersonate"))
                    .collect();
                if !esc.is_empty() {
                    out.push(finding(
                        &K8S_RBAC_ESCALATE,
                        d.srcs.loc(at("verbs")),
                        format!("{who} grants {}", esc.join(", ")),
                        &key("escalate", i),
                    ));
                }
            }
        }
        "RoleBinding" | "ClusterRoleBinding" => {
            let role = d.node.path(&["roleRef", "name"]).and_then(Node::as_str).unwrap_or("");
            if role == "cluster-admin" {
                let at = d.node.path(&["roleRef", "name"]).unwrap_or(d.node);
                out.push(finding(
                    &K8S_RBAC_CLUSTER_ADMIN,
                    d.srcs.loc(at),
                    format!("{who} binds cluster-admin"),
                    &key("cluster-admin", 0),
                ));
            }
            for (i, s) in d.node.get("subjects").map(Node::seq).unwrap_or(&[]).iter().enumerate() {
                if s.get("kind").and_then(Node::as_str) == Some("ServiceAccount")
                    && s.get("name").and_then(Node::as_str) == Some("default")
                {
                    out.push(finding(
                        &K8S_RBAC_DEFAULT_SA,
                        d.srcs.loc(s),
                        format!("{who} binds {role} to the default service account, which every pod of the namespace uses unless told otherwise"),
                        &key("default-sa", i),
                    ));
                }
            }
        }
        _ => {}
    }
}
