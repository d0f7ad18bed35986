//! The live network segmentation graph: containers ↔ networks ↔ published ports, in the same
//! [`ComposeGraph`] shape as compose projects so that the same renderers (DOT, Mermaid, SVG) draw it.

use seawall_config::{ComposeGraph, GraphNetwork, GraphService};

use crate::live::{LiveContainer, LiveNetwork};

/// Builds the graph of running containers and the networks they join.
pub fn live_graph(containers: &[LiveContainer], networks: &[LiveNetwork]) -> ComposeGraph {
    let mut g = ComposeGraph::default();
    for c in containers.iter().filter(|c| c.running) {
        let host_network = c.network_mode == "host";
        g.services.push(GraphService {
            name: c.name.clone(),
            image: Some(c.image.clone()),
            role: seawall_config::compose::role_of(&c.name, Some(&c.image)),
            networks: if host_network { Vec::new() } else { c.networks.clone() },
            ports: c.ports.iter().filter_map(|p| Some((p.spec()?, c.location()))).collect(),
            host_network,
            location: c.location(),
        });
    }
    g.services.sort_by(|a, b| a.name.cmp(&b.name));
    let mut used: Vec<&str> = g.services.iter().flat_map(|s| s.networks.iter().map(String::as_str)).collect();
    used.sort_unstable();
    used.dedup();
    for n in used {
        let internal = networks.iter().find(|x| x.name == n).is_some_and(|x| x.internal);
        g.networks.push(GraphNetwork {
            name: n.to_string(),
            internal,
            external: false,
            location: seawall_core::Location::file(format!("network:{n}")),
        });
    }
    g
}
