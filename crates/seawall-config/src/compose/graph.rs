//! The compose network graph: services ↔ networks ↔ published ports, and the segmentation rules
//! (`SW-COMPOSE-002` … `SW-COMPOSE-005`) evaluated on it.

use seawall_core::{Finding, Location};

use super::service_ports;
use crate::catalog::compose::*;
use crate::container::PortSpec;
use crate::emit::finding;
use crate::project::Sources;
use crate::yaml::{Node, YamlError, parse_one};

/// What a service is, as far as segmentation is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ServiceRole {
    /// A database (Postgres, MySQL, MongoDB, vector databases, …).
    Database,
    /// A cache or message broker (Redis, Memcached, RabbitMQ, Kafka, etcd).
    Cache,
    /// An object / model store (MinIO).
    ModelStore,
    /// An ML control plane or unauthenticated model server (MLflow, Ray, Jupyter, TorchServe,
    /// Triton, Ollama, TensorBoard).
    MlControlPlane,
    /// Anything else (web UI, API, proxy, worker).
    Other,
}

impl ServiceRole {
    /// True for the roles that must not be reachable from outside.
    pub fn is_sensitive(self) -> bool {
        self != ServiceRole::Other
    }

    /// Lower-case label.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceRole::Database => "database",
            ServiceRole::Cache => "cache",
            ServiceRole::ModelStore => "model store",
            ServiceRole::MlControlPlane => "ML control plane",
            ServiceRole::Other => "service",
        }
    }
}

const ROLE_KEYWORDS: &[(&str, ServiceRole)] = &[
    ("postgres", ServiceRole::Database),
    ("mysql", ServiceRole::Database),
    ("mariadb", ServiceRole::Database),
    ("mongo", ServiceRole::Database),
    ("elasticsearch", ServiceRole::Database),
    ("opensearch", ServiceRole::Database),
    ("qdrant", ServiceRole::Database),
    ("milvus", ServiceRole::Database),
    ("weaviate", ServiceRole::Database),
    ("chroma", ServiceRole::Database),
    ("clickhouse", ServiceRole::Database),
    ("redis", ServiceRole::Cache),
    ("valkey", ServiceRole::Cache),
    ("memcached", ServiceRole::Cache),
    ("rabbitmq", ServiceRole::Cache),
    ("kafka", ServiceRole::Cache),
    ("etcd", ServiceRole::Cache),
    ("minio", ServiceRole::ModelStore),
    ("mlflow", ServiceRole::MlControlPlane),
    ("rayproject", ServiceRole::MlControlPlane),
    ("ray-head", ServiceRole::MlControlPlane),
    ("jupyter", ServiceRole::MlControlPlane),
    ("notebook", ServiceRole::MlControlPlane),
    ("torchserve", ServiceRole::MlControlPlane),
    ("tritonserver", ServiceRole::MlControlPlane),
    ("triton", ServiceRole::MlControlPlane),
    ("ollama", ServiceRole::MlControlPlane),
    ("tensorboard", ServiceRole::MlControlPlane),
];

/// Client and tooling images that carry a server's name but serve nothing (`minio/mc` is MinIO's
/// command-line client, `redis-cli`, `*-exporter` scrape metrics).
fn is_client_image(repo: &str) -> bool {
    let last = repo.rsplit('/').next().unwrap_or(repo);
    matches!(last, "mc" | "redis-cli" | "psql" | "mysql-client" | "mongosh" | "kafkacat" | "kcat")
        || last.ends_with("-exporter")
        || last.ends_with("-cli")
        || last.ends_with("-client")
}

/// Role of a service from its image and name.
pub fn role_of(name: &str, image: Option<&str>) -> ServiceRole {
    let img = image.map(|i| {
        let no_tag = i.split('@').next().unwrap_or(i);
        let repo = no_tag.rsplit_once(':').filter(|(_, t)| !t.contains('/')).map_or(no_tag, |(r, _)| r);
        repo.to_ascii_lowercase()
    });
    if img.as_deref().is_some_and(is_client_image) {
        return ServiceRole::Other;
    }
    let name = name.to_ascii_lowercase();
    for (kw, role) in ROLE_KEYWORDS {
        let in_img = img.as_deref().is_some_and(|i| i.contains(kw));
        // a bare `ray` service name or image `*/ray`
        if in_img || name.contains(kw) {
            // `open-webui` images mention ollama in tags; only the repo counts, checked above.
            return *role;
        }
    }
    let ray = |s: &str| s == "ray" || s.ends_with("/ray") || s.starts_with("ray-") || s.starts_with("ray_");
    if img.as_deref().is_some_and(ray) || ray(&name) {
        return ServiceRole::MlControlPlane;
    }
    ServiceRole::Other
}

/// One service node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphService {
    /// Service name.
    pub name: String,
    /// Image, if given.
    pub image: Option<String>,
    /// Segmentation role.
    pub role: ServiceRole,
    /// Networks the service joins (`default` included when implicit).
    pub networks: Vec<String>,
    /// Published ports, with the location of each entry.
    pub ports: Vec<(PortSpec, Location)>,
    /// `network_mode: host`.
    pub host_network: bool,
    /// Where the service is defined.
    pub location: Location,
}

impl GraphService {
    /// True when the service is reachable from other hosts (a port published on all interfaces, or
    /// the host network). Whether those hosts include the internet is not known from the file.
    pub fn internet_facing(&self) -> bool {
        self.host_network || self.ports.iter().any(|(p, _)| p.is_public())
    }

    /// True when the service publishes any port (on any host IP) or uses the host network.
    pub fn publishes(&self) -> bool {
        self.host_network || !self.ports.is_empty()
    }

    /// Published ports that expose the sensitive part of the service (TorchServe: management and
    /// metrics only).
    fn sensitive_public_ports(&self) -> Vec<&(PortSpec, Location)> {
        let torchserve = self.image.as_deref().is_some_and(|i| i.contains("torchserve"))
            || self.name.contains("torchserve");
        self.ports
            .iter()
            .filter(|(p, _)| p.is_public() && (!torchserve || p.container_port != 8080))
            .collect()
    }
}

/// One network node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphNetwork {
    /// Network name (`default` for the implicit project network).
    pub name: String,
    /// `internal: true`.
    pub internal: bool,
    /// `external: true` (managed outside this file; not judged).
    pub external: bool,
    /// Where it is declared (the file for the implicit default network).
    pub location: Location,
}

/// The compose network graph. Render it with [`ComposeGraph::to_dot`], [`ComposeGraph::to_mermaid`]
/// or [`ComposeGraph::to_svg`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ComposeGraph {
    /// Services, sorted by name.
    pub services: Vec<GraphService>,
    /// Networks that are declared or used, sorted by name.
    pub networks: Vec<GraphNetwork>,
}

impl ComposeGraph {
    /// Services joined to a network.
    pub fn members<'a>(&'a self, network: &'a str) -> impl Iterator<Item = &'a GraphService> + 'a {
        self.services.iter().filter(move |s| s.networks.iter().any(|n| n == network))
    }
}

/// Builds the network graph of a compose file's text. `location` names the file in the graph's
/// locations.
pub fn compose_graph(text: &str, location: &Location) -> Result<ComposeGraph, YamlError> {
    let mut root = parse_one(text)?;
    let mut known = std::collections::BTreeMap::new();
    known.insert(location.path.clone(), location.clone());
    let mut srcs = Sources::with_known(known);
    let id = srcs.id(&location.path);
    root.set_src(id);
    crate::compose::load::interpolate_tree(&mut root, &Default::default());
    Ok(build(&root, &srcs))
}

pub(crate) fn build(root: &Node, srcs: &Sources) -> ComposeGraph {
    let mut g = ComposeGraph::default();
    for (k, v) in root.get("networks").map(Node::map).unwrap_or(&[]) {
        if let Some(name) = k.as_str() {
            g.networks.push(GraphNetwork {
                name: name.to_string(),
                internal: v.get("internal").is_some_and(Node::is_true),
                external: v.get("external").is_some_and(|e| e.is_true() || e.is_map()),
                location: srcs.loc(k),
            });
        }
    }
    for (k, svc) in root.get("services").map(Node::map).unwrap_or(&[]) {
        let Some(name) = k.as_str() else { continue };
        if !svc.is_map() {
            continue;
        }
        let image = svc.get("image").and_then(Node::as_str).map(str::to_string);
        let mode = svc.get("network_mode").and_then(Node::as_str);
        let mut networks: Vec<String> = match svc.get("networks") {
            Some(n) if n.is_map() => {
                n.map().iter().filter_map(|(k, _)| k.as_str().map(str::to_string)).collect()
            }
            Some(n) => n.seq().iter().filter_map(Node::as_str).map(str::to_string).collect(),
            None if mode.is_none() => vec!["default".to_string()],
            None => Vec::new(),
        };
        networks.sort();
        networks.dedup();
        g.services.push(GraphService {
            role: role_of(name, image.as_deref()),
            name: name.to_string(),
            image,
            networks,
            ports: service_ports(svc).into_iter().map(|(p, n)| (p, srcs.loc(n))).collect(),
            host_network: mode == Some("host"),
            location: srcs.loc(k),
        });
    }
    if g.services.iter().any(|s| s.networks.iter().any(|n| n == "default"))
        && !g.networks.iter().any(|n| n.name == "default")
    {
        g.networks.push(GraphNetwork {
            name: "default".into(),
            internal: false,
            external: false,
            location: srcs.file(root.src),
        });
    }
    // `network_mode: service:X` (and `container:X`) joins X's network namespace: its networks, its
    // published ports and its host network.
    let joined: Vec<(usize, String)> = root
        .get("services")
        .map(Node::map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, svc)| {
            let mode = svc.get("network_mode").and_then(Node::as_str)?;
            let other = mode.strip_prefix("service:").or_else(|| mode.strip_prefix("container:"))?;
            let i = g.services.iter().position(|s| Some(s.name.as_str()) == k.as_str())?;
            Some((i, other.to_string()))
        })
        .collect();
    for (i, other) in joined {
        if let Some(o) = g.services.iter().find(|s| s.name == other).cloned() {
            let s = &mut g.services[i];
            s.networks = o.networks.clone();
            s.host_network = s.host_network || o.host_network;
        }
    }
    g.services.sort_by(|a, b| a.name.cmp(&b.name));
    g.networks.sort_by(|a, b| a.name.cmp(&b.name));
    g
}

/// Segmentation findings on a graph.
pub(crate) fn check(g: &ComposeGraph) -> Vec<Finding> {
    let mut out = Vec::new();
    // The default network is flat only when it has another member: a project's only service on it
    // shares it with nobody (the network is per project).
    let default_shared = g.members("default").nth(1).is_some();
    for s in &g.services {
        if default_shared && s.networks.iter().any(|n| n == "default") {
            out.push(finding(
                &COMPOSE_DEFAULT_NETWORK,
                s.location.clone(),
                format!("service {} is on the default network", s.name),
                &s.name,
            ));
        }
        if s.role.is_sensitive() {
            for (p, loc) in s.sensitive_public_ports() {
                let hp = p.host_port_label();
                out.push(finding(
                    &COMPOSE_DATA_PUBLISHED,
                    loc.clone(),
                    format!(
                        "{} {} publishes {}:{hp}->{} on all host interfaces",
                        s.role.as_str(),
                        s.name,
                        p.host_ip.as_deref().unwrap_or("0.0.0.0"),
                        p.container_port
                    ),
                    &format!("{}|{hp}:{}", s.name, p.container_port),
                ));
            }
            if s.host_network {
                out.push(finding(
                    &COMPOSE_DATA_PUBLISHED,
                    s.location.clone(),
                    format!("{} {} uses the host network", s.role.as_str(), s.name),
                    &format!("{}|host", s.name),
                ));
            }
            if !s.internet_facing() {
                for n in &s.networks {
                    let fronts: Vec<&str> = g
                        .members(n)
                        .filter(|o| o.name != s.name && o.internet_facing())
                        .map(|o| o.name.as_str())
                        .collect();
                    if !fronts.is_empty() {
                        out.push(finding(
                            &COMPOSE_DATA_SHARES_FRONT,
                            s.location.clone(),
                            format!(
                                "{} {} shares network {n} with {} (published on all host interfaces)",
                                s.role.as_str(),
                                s.name,
                                fronts.join(", ")
                            ),
                            &format!("{}|{n}", s.name),
                        ));
                    }
                }
            }
        }
    }
    for n in &g.networks {
        let members: Vec<&GraphService> = g.members(&n.name).collect();
        if n.internal || n.external || members.is_empty() {
            continue;
        }
        // Publishing a port (even on 127.0.0.1) needs a non-internal network.
        if !members.iter().any(|m| m.publishes()) {
            out.push(finding(
                &COMPOSE_BACKEND_NOT_INTERNAL,
                n.location.clone(),
                format!(
                    "network {} carries only internal services ({}) but is not internal: true",
                    n.name,
                    members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
                &n.name,
            ));
        }
    }
    out
}
