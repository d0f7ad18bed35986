//! Renderers of the compose network graph: Graphviz DOT, Mermaid and a self-contained SVG.

use std::fmt::Write;

use super::graph::{ComposeGraph, GraphService};

fn id(prefix: &str, name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("{prefix}_{s}")
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
}

fn port_label(p: &crate::container::PortSpec) -> String {
    let hp = p
        .host_port
        .map_or_else(|| p.host_port_var.clone().unwrap_or_else(|| "*".to_string()), |h| h.to_string());
    let ip = p.host_ip.as_deref().unwrap_or("0.0.0.0");
    // IPv6 addresses are bracketed so that the port stays readable (`[::]:8888`).
    if ip.contains(':') && !ip.starts_with('[') {
        format!("[{ip}]:{hp}→{}", p.container_port)
    } else {
        format!("{ip}:{hp}→{}", p.container_port)
    }
}

#[cfg(test)]
mod port_label_tests {
    use super::*;

    #[test]
    fn ipv6_host_ips_are_bracketed() {
        let p = |ip: Option<&str>| crate::container::PortSpec {
            host_ip: ip.map(str::to_string),
            host_port: Some(8888),
            container_port: 8888,
            host_port_var: None,
        };
        assert_eq!(port_label(&p(Some("::"))), "[::]:8888→8888");
        assert_eq!(port_label(&p(None)), "0.0.0.0:8888→8888");
        assert_eq!(port_label(&p(Some("127.0.0.1"))), "127.0.0.1:8888→8888");
    }
}

fn service_label(s: &GraphService) -> String {
    let mut l = s.name.clone();
    if s.role.is_sensitive() {
        let _ = write!(l, " [{}]", s.role.as_str());
    }
    l
}

/// Output formats of `seawall graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
    /// Self-contained SVG.
    Svg,
}

impl std::str::FromStr for GraphFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "dot" | "graphviz" => Ok(GraphFormat::Dot),
            "mermaid" | "mmd" => Ok(GraphFormat::Mermaid),
            "svg" => Ok(GraphFormat::Svg),
            other => Err(format!("unknown graph format {other:?} (expected dot, mermaid or svg)")),
        }
    }
}

impl ComposeGraph {
    /// Renders the graph in the given format.
    pub fn render(&self, format: GraphFormat) -> String {
        match format {
            GraphFormat::Dot => self.to_dot(),
            GraphFormat::Mermaid => self.to_mermaid(),
            GraphFormat::Svg => self.to_svg(),
        }
    }

    /// Graphviz DOT: services (boxes; sensitive ones orange), networks (ellipses; internal ones
    /// dashed), the host/internet node and published ports (red when public).
    pub fn to_dot(&self) -> String {
        let mut o = String::from("digraph compose {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
        o.push_str("  host [shape=doubleoctagon, label=\"host / internet\"];\n");
        for s in &self.services {
            let color = if s.role.is_sensitive() { "#f9c784" } else { "#cde4ff" };
            let _ = writeln!(
                o,
                "  {} [shape=box, style=filled, fillcolor=\"{color}\", label=\"{}\"];",
                id("svc", &s.name),
                dot_escape(&service_label(s))
            );
        }
        for n in &self.networks {
            let style = if n.internal { "dashed" } else { "solid" };
            let label = if n.internal { format!("{} (internal)", n.name) } else { n.name.clone() };
            let _ = writeln!(
                o,
                "  {} [shape=ellipse, style={style}, label=\"{}\"];",
                id("net", &n.name),
                dot_escape(&label)
            );
        }
        for s in &self.services {
            for n in &s.networks {
                let _ = writeln!(o, "  {} -> {} [dir=none];", id("svc", &s.name), id("net", n));
            }
            if s.host_network {
                let _ = writeln!(
                    o,
                    "  host -> {} [label=\"network_mode: host\", color=red];",
                    id("svc", &s.name)
                );
            }
            for (p, _) in &s.ports {
                let color = if p.is_public() { "red" } else { "gray" };
                let _ = writeln!(
                    o,
                    "  host -> {} [label=\"{}\", color={color}];",
                    id("svc", &s.name),
                    dot_escape(&port_label(p))
                );
            }
        }
        o.push_str("}\n");
        o
    }

    /// Mermaid flowchart with the same content as [`ComposeGraph::to_dot`].
    pub fn to_mermaid(&self) -> String {
        let mut o = String::from("flowchart LR\n  host((\"host / internet\"))\n");
        for s in &self.services {
            let _ = writeln!(o, "  {}[\"{}\"]", id("svc", &s.name), mermaid_escape(&service_label(s)));
        }
        for n in &self.networks {
            let label = if n.internal { format!("{} (internal)", n.name) } else { n.name.clone() };
            let _ = writeln!(o, "  {}{{{{\"{}\"}}}}", id("net", &n.name), mermaid_escape(&label));
        }
        for s in &self.services {
            for n in &s.networks {
                let _ = writeln!(o, "  {} --- {}", id("svc", &s.name), id("net", n));
            }
            if s.host_network {
                let _ = writeln!(o, "  host == \"network_mode: host\" ==> {}", id("svc", &s.name));
            }
            for (p, _) in &s.ports {
                let arrow = if p.is_public() { "==" } else { "--" };
                let end = if p.is_public() { "==>" } else { "-->" };
                let _ = writeln!(
                    o,
                    "  host {arrow} \"{}\" {end} {}",
                    mermaid_escape(&port_label(p)),
                    id("svc", &s.name)
                );
            }
        }
        let sensitive: Vec<String> =
            self.services.iter().filter(|s| s.role.is_sensitive()).map(|s| id("svc", &s.name)).collect();
        if !sensitive.is_empty() {
            o.push_str("  classDef sensitive fill:#f9c784,stroke:#b35c00\n");
            let _ = writeln!(o, "  class {} sensitive", sensitive.join(","));
        }
        o
    }

    /// A self-contained SVG picture (three columns: host, services, networks) for the HTML report.
    pub fn to_svg(&self) -> String {
        const ROW: usize = 56;
        const TOP: usize = 40;
        let rows = self.services.len().max(self.networks.len()).max(1);
        let height = TOP + rows * ROW + 20;
        let (hx, sx, nx) = (20usize, 260usize, 560usize);
        let (sw, nw, bh) = (220usize, 200usize, 36usize);
        let host_y = TOP + (rows * ROW) / 2 - bh / 2;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"12\">",
            nx + nw + 20
        );
        o.push_str(
            "<text x=\"20\" y=\"20\" font-size=\"14\" font-weight=\"bold\">compose network graph</text>\n",
        );
        let _ = writeln!(
            o,
            "<rect x=\"{hx}\" y=\"{host_y}\" width=\"140\" height=\"{bh}\" rx=\"18\" fill=\"#eee\" stroke=\"#333\"/><text x=\"{}\" y=\"{}\">host / internet</text>",
            hx + 22,
            host_y + 22
        );
        let sy = |i: usize| TOP + i * ROW;
        let net_index = |name: &str| self.networks.iter().position(|n| n.name == name);
        for (i, s) in self.services.iter().enumerate() {
            let y = sy(i);
            for n in &s.networks {
                if let Some(j) = net_index(n) {
                    let _ = writeln!(
                        o,
                        "<line x1=\"{}\" y1=\"{}\" x2=\"{nx}\" y2=\"{}\" stroke=\"#777\"/>",
                        sx + sw,
                        y + bh / 2,
                        sy(j) + bh / 2
                    );
                }
            }
            let public = s.internet_facing();
            let exposed = s.ports.iter().map(|(p, _)| port_label(p)).collect::<Vec<_>>().join(", ");
            if !s.ports.is_empty() || s.host_network {
                let color = if public { "#d00" } else { "#999" };
                let label = if s.host_network { "host network".to_string() } else { exposed };
                let _ = writeln!(
                    o,
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{sx}\" y2=\"{}\" stroke=\"{color}\" stroke-width=\"2\"><title>{}</title></line>",
                    hx + 140,
                    host_y + bh / 2,
                    y + bh / 2,
                    xml_escape(&label)
                );
            }
            let fill = if s.role.is_sensitive() { "#f9c784" } else { "#cde4ff" };
            let stroke = if s.role.is_sensitive() && public { "#d00" } else { "#333" };
            let _ = writeln!(
                o,
                "<rect x=\"{sx}\" y=\"{y}\" width=\"{sw}\" height=\"{bh}\" fill=\"{fill}\" stroke=\"{stroke}\"/><text x=\"{}\" y=\"{}\">{}</text>",
                sx + 8,
                y + 22,
                xml_escape(&service_label(s))
            );
        }
        for (j, n) in self.networks.iter().enumerate() {
            let y = sy(j);
            let dash = if n.internal { " stroke-dasharray=\"4 3\"" } else { "" };
            let label = if n.internal { format!("{} (internal)", n.name) } else { n.name.clone() };
            let _ = writeln!(
                o,
                "<rect x=\"{nx}\" y=\"{y}\" width=\"{nw}\" height=\"{bh}\" rx=\"18\" fill=\"#fff\" stroke=\"#333\"{dash}/><text x=\"{}\" y=\"{}\">{}</text>",
                nx + 14,
                y + 22,
                xml_escape(&label)
            );
        }
        o.push_str("</svg>\n");
        o
    }
}

/// Renders the graphs of several compose projects into one document: DOT and Mermaid get one graph
/// per project, each headed by a comment naming it; SVG stacks the pictures under a title each.
pub fn render_graphs(graphs: &[(String, ComposeGraph)], format: GraphFormat) -> String {
    if let [(_, g)] = graphs {
        return g.render(format);
    }
    match format {
        GraphFormat::Dot => {
            graphs.iter().map(|(n, g)| format!("// compose project: {n}\n{}", g.to_dot())).collect()
        }
        GraphFormat::Mermaid => graphs
            .iter()
            .map(|(n, g)| format!("%% compose project: {n}\n{}", g.to_mermaid()))
            .collect::<Vec<_>>()
            .join("\n"),
        GraphFormat::Svg => {
            let mut body = String::new();
            let (mut y, mut width) = (0usize, 0usize);
            for (n, g) in graphs {
                let svg = g.to_svg();
                let attr = |name: &str| {
                    svg.split(&format!("{name}=\""))
                        .nth(1)
                        .and_then(|r| r.split('"').next())
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0)
                };
                let (w, h) = (attr("width"), attr("height"));
                width = width.max(w);
                let _ = writeln!(
                    body,
                    "<text x=\"20\" y=\"{}\" font-size=\"14\" font-weight=\"bold\">{}</text>",
                    y + 18,
                    xml_escape(n)
                );
                body.push_str(&svg.replacen("<svg ", &format!("<svg y=\"{}\" ", y + 24), 1));
                y += h + 32;
            }
            format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{y}\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"12\">\n{body}</svg>\n"
            )
        }
    }
}
