//! NetworkPolicy coverage: uncovered workloads, namespaces without default-deny, allow-all rules and
//! egress to the cloud metadata service.

use std::collections::{BTreeMap, BTreeSet};

use seawall_core::Finding;

use super::Doc;
use crate::catalog::k8s::*;
use crate::emit::finding;
use crate::yaml::Node;

pub(crate) fn labels(n: Option<&Node>) -> BTreeMap<String, String> {
    n.map(Node::map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str().unwrap_or("").to_string())))
        .collect()
}

/// True when a label selector matches the labels (an empty selector matches everything).
pub(crate) fn selector_matches(sel: Option<&Node>, l: &BTreeMap<String, String>) -> bool {
    let Some(sel) = sel else { return true };
    for (k, v) in labels(sel.get("matchLabels")) {
        if l.get(&k) != Some(&v) {
            return false;
        }
    }
    for ex in sel.get("matchExpressions").map(Node::seq).unwrap_or(&[]) {
        let key = ex.get("key").and_then(Node::as_str).unwrap_or("");
        let vals: Vec<&str> =
            ex.get("values").map(Node::seq).unwrap_or(&[]).iter().filter_map(Node::as_str).collect();
        let have = l.get(key);
        let ok = match ex.get("operator").and_then(Node::as_str).unwrap_or("") {
            "In" => have.is_some_and(|h| vals.contains(&h.as_str())),
            "NotIn" => !have.is_some_and(|h| vals.contains(&h.as_str())),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

fn parse_v4(s: &str) -> Option<u32> {
    let mut v = 0u32;
    let mut n = 0;
    for p in s.split('.') {
        v = (v << 8) | p.parse::<u8>().ok().map(u32::from)?;
        n += 1;
    }
    (n == 4).then_some(v)
}

/// True when the IPv4 CIDR contains the address.
pub(crate) fn cidr_contains(cidr: &str, addr: &str) -> bool {
    let (net, bits) = cidr.split_once('/').unwrap_or((cidr, "32"));
    let (Some(net), Some(a), Ok(bits)) = (parse_v4(net), parse_v4(addr), bits.parse::<u32>()) else {
        return false;
    };
    if bits > 32 {
        return false;
    }
    let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
    (net & mask) == (a & mask)
}

const METADATA: &str = "169.254.169.254";

fn peers_allow_all(peers: Option<&Node>) -> bool {
    match peers {
        None => true,
        Some(p) if p.seq().is_empty() => true,
        Some(p) => p.seq().iter().any(|peer| {
            peer.path(&["ipBlock", "cidr"])
                .and_then(Node::as_str)
                .is_some_and(|c| c == "0.0.0.0/0" || c == "::/0")
                && peer.path(&["ipBlock", "except"]).map(Node::seq).unwrap_or(&[]).is_empty()
        }),
    }
}

fn peers_allow_metadata(peers: Option<&Node>) -> bool {
    match peers {
        None => true,
        Some(p) if p.seq().is_empty() => true,
        Some(p) => p.seq().iter().any(|peer| {
            let Some(cidr) = peer.path(&["ipBlock", "cidr"]).and_then(Node::as_str) else {
                return false;
            };
            cidr_contains(cidr, METADATA)
                && !peer
                    .path(&["ipBlock", "except"])
                    .map(Node::seq)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(Node::as_str)
                    .any(|ex| cidr_contains(ex, METADATA))
        }),
    }
}

/// True when a rule's ports admit the metadata service's port 80 (no ports, port 80, a named port,
/// or a range covering 80).
fn ports_allow_http(ports: Option<&Node>) -> bool {
    let Some(ports) = ports.filter(|p| !p.seq().is_empty()) else {
        return true;
    };
    ports.seq().iter().any(|p| {
        let Some(port) = p.get("port").and_then(Node::as_str) else {
            return true;
        };
        match port.parse::<u32>() {
            Ok(n) => {
                let end =
                    p.get("endPort").and_then(Node::as_str).and_then(|e| e.parse::<u32>().ok()).unwrap_or(n);
                n <= 80 && 80 <= end
            }
            Err(_) => true,
        }
    })
}

/// Per-policy findings (allow-all, metadata egress) when `policies`; coverage findings (uncovered
/// workloads, namespaces without default-deny) when `coverage`.
pub(super) fn check(out: &mut Vec<Finding>, docs: &[Doc<'_>], policies_rules: bool, coverage: bool) {
    let policies: Vec<&Doc<'_>> = docs.iter().filter(|d| d.kind() == "NetworkPolicy").collect();
    let mut ns_with_workloads: BTreeMap<String, &Doc<'_>> = BTreeMap::new();
    let mut deny_in: BTreeSet<String> = BTreeSet::new();
    let mut deny_out: BTreeSet<String> = BTreeSet::new();
    for p in &policies {
        let spec = p.node.get("spec");
        let sel = spec.and_then(|s| s.get("podSelector"));
        let selects_all = sel.is_none_or(|s| {
            s.get("matchLabels").is_none_or(|m| m.map().is_empty())
                && s.get("matchExpressions").is_none_or(|m| m.seq().is_empty())
        });
        let types: Vec<&str> = spec
            .and_then(|s| s.get("policyTypes"))
            .map(Node::seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            .collect();
        let ingress = spec.and_then(|s| s.get("ingress"));
        let egress = spec.and_then(|s| s.get("egress"));
        let has_ingress_type = types.contains(&"Ingress") || types.is_empty();
        let has_egress_type = types.contains(&"Egress") || (types.is_empty() && egress.is_some());
        if selects_all && has_ingress_type && ingress.is_none_or(|i| i.seq().is_empty()) {
            deny_in.insert(p.namespace().to_string());
        }
        if selects_all && has_egress_type && egress.is_none_or(|e| e.seq().is_empty()) {
            deny_out.insert(p.namespace().to_string());
        }
        for (dir, rules, peer_key) in [("ingress", ingress, "from"), ("egress", egress, "to")] {
            for rule in rules.map(Node::seq).unwrap_or(&[]) {
                let peers = rule.get(peer_key);
                if policies_rules
                    && peers_allow_all(peers)
                    && rule.get("ports").is_none_or(|ports| ports.seq().is_empty())
                {
                    out.push(finding(
                        &K8S_NETPOL_ALLOW_ALL,
                        p.srcs.loc(rule),
                        format!(
                            "NetworkPolicy {}/{} has an {dir} rule allowing all peers and ports",
                            p.namespace(),
                            p.name()
                        ),
                        &format!("{}|{dir}|{}", p.name(), rule.line),
                    ));
                }
                if policies_rules
                    && dir == "egress"
                    && peers_allow_metadata(peers)
                    && ports_allow_http(rule.get("ports"))
                {
                    out.push(finding(
                        &K8S_NETPOL_METADATA,
                        p.srcs.loc(rule),
                        format!("NetworkPolicy {}/{} allows egress to {METADATA}", p.namespace(), p.name()),
                        &format!("{}|{}", p.name(), rule.line),
                    ));
                }
            }
        }
    }
    if !coverage {
        return;
    }
    for d in docs {
        let ns = d.namespace().to_string();
        // templates and configurations of operators (`*Config`, `*Runtime`, `*Template`) are not
        // running pods: their security content is checked, NetworkPolicy coverage is not
        let k = d.kind();
        if k.ends_with("Config")
            || k.ends_with("Runtime")
            || k.ends_with("Template")
            || k.ends_with("Templates")
        {
            continue;
        }
        for pod in d.pods() {
            ns_with_workloads.entry(ns.clone()).or_insert(d);
            let mut l = labels(pod.meta.and_then(|m| m.get("labels")));
            l.extend(pod.extra_labels.iter().cloned());
            let covered = policies
                .iter()
                .any(|p| p.namespace() == ns && selector_matches(p.node.path(&["spec", "podSelector"]), &l));
            if !covered {
                let part = if pod.part.is_empty() { String::new() } else { format!(" ({})", pod.part) };
                out.push(finding(
                    &K8S_NETPOL_UNCOVERED,
                    d.loc(),
                    format!("{} {ns}/{}{part} is selected by no NetworkPolicy", d.kind(), d.name()),
                    &format!("{}|{ns}|{}|{}", d.kind(), d.name(), pod.part),
                ));
            }
        }
    }
    for (ns, d) in ns_with_workloads {
        if !deny_in.contains(&ns) {
            out.push(finding(
                &K8S_NETPOL_NO_DENY_INGRESS,
                d.file(),
                format!(
                    "namespace {ns} has no default-deny ingress NetworkPolicy (a namespace-level finding: reported on the first file with a workload in it, no line)"
                ),
                &ns,
            ));
        }
        if !deny_out.contains(&ns) {
            out.push(finding(
                &K8S_NETPOL_NO_DENY_EGRESS,
                d.file(),
                format!(
                    "namespace {ns} has no default-deny egress NetworkPolicy (a namespace-level finding: reported on the first file with a workload in it, no line)"
                ),
                &ns,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        assert!(cidr_contains("0.0.0.0/0", METADATA));
        assert!(cidr_contains("169.254.0.0/16", METADATA));
        assert!(!cidr_contains("10.0.0.0/8", METADATA));
        assert!(!cidr_contains("garbage", METADATA));
        assert!(!cidr_contains("1.2.3.4/40", METADATA));
    }
}
