//! `--format html`: one self-contained file (inline CSS, JS and SVG; no network access).
//!
//! Sections: summary (severity cards, a stacked SVG bar chart by practice and severity), findings
//! (each a `<details>` element with the message, layer that introduced it, package and fix data, and
//! why / how to fix / references from the rule catalog), suppressed findings, a per-layer view (size,
//! packages, findings and the problems each layer introduced), model-file verdicts, the network graph
//! SVG when given, the package inventory (with a filter box) and warnings.

mod chart;

use std::io::Write;

use minijinja::value::Serde;
use minijinja::{Environment, Value as JValue, context};
use pulldown_cmark::{Event, Parser, html};
use seawall_core::{Finding, Report, Severity, practice_title};
use serde::Serialize;

use crate::common::{
    SEVERITIES_DESC, by_practice, display_title, human_size, location_text, sev_index, severity_counts,
};
use crate::{RenderContext, ReportError};

const TEMPLATE: &str = include_str!("template.html");
const FINDING: &str = include_str!("finding.html");

/// Renders trusted Markdown (rule catalog text) to HTML; raw HTML in it is escaped, not passed through.
fn markdown_html(md: &str) -> String {
    let parser = Parser::new(md).map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

#[derive(Serialize)]
struct Detail {
    key: String,
    value: String,
}

#[derive(Serialize)]
struct Reference {
    url: String,
    link: bool,
}

#[derive(Serialize)]
struct FindingView {
    severity: &'static str,
    id: String,
    title: String,
    location: String,
    kind: &'static str,
    practice: u8,
    practice_title: &'static str,
    message: String,
    layer: Option<u32>,
    layer_created_by: Option<String>,
    deleted_in_layer: Option<u32>,
    package: String,
    fixed: String,
    status: String,
    aliases: String,
    cvss: String,
    redacted: String,
    callables: String,
    opcode_offset: Option<u64>,
    details: Vec<Detail>,
    fingerprint: String,
    why: JValue,
    fix: JValue,
    references: Vec<Reference>,
    new: bool,
}

fn finding_view(f: &Finding, report: &Report, ctx: &RenderContext<'_>, new: bool) -> FindingView {
    let rule = ctx.rule(&f.id);
    let mut refs: Vec<String> =
        rule.map(|r| r.references.iter().map(|s| s.to_string()).collect()).unwrap_or_default();
    for r in &f.references {
        if !refs.contains(r) {
            refs.push(r.clone());
        }
    }
    let layer_created_by = f
        .location
        .layer
        .and_then(|l| report.target.layers.iter().find(|x| x.index == l))
        .and_then(|l| l.created_by.clone());
    FindingView {
        severity: f.severity.as_str(),
        id: f.id.clone(),
        title: display_title(f),
        location: location_text(&f.location),
        kind: f.kind.as_str(),
        practice: f.practice,
        practice_title: practice_title(f.practice),
        message: f.message.clone(),
        layer: f.location.layer,
        layer_created_by,
        deleted_in_layer: f.deleted_in_layer,
        package: f
            .package
            .as_ref()
            .map(|p| format!("{} {} ({})", p.name, p.version, p.ecosystem))
            .unwrap_or_default(),
        fixed: f.fixed_versions.join(", "),
        status: f.status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        aliases: f.aliases.join(", "),
        cvss: f.cvss.iter().map(|c| format!("{} {}", c.score, c.vector)).collect::<Vec<_>>().join("; "),
        redacted: f.redacted.clone().unwrap_or_default(),
        callables: f.callables.join(", "),
        opcode_offset: f.opcode_offset,
        details: suppression_details(f)
            .into_iter()
            .chain(f.details.iter().map(|(k, v)| Detail { key: k.clone(), value: v.clone() }))
            .collect(),
        fingerprint: f.fingerprint.clone(),
        why: JValue::from_safe_string(match rule {
            Some(r) => markdown_html(r.rationale),
            None => advisory_why(f).map(|t| markdown_html(&t)).unwrap_or_default(),
        }),
        fix: JValue::from_safe_string(match rule {
            Some(r) => markdown_html(r.fix),
            None => advisory_fix(f).map(|t| markdown_html(&t)).unwrap_or_default(),
        }),
        references: refs
            .into_iter()
            .map(|u| Reference { link: u.starts_with("https://") || u.starts_with("http://"), url: u })
            .collect(),
        new,
    }
}

/// Plain text is escaped by the Markdown renderer's text handling; package names and versions are
/// wrapped in code spans.
fn advisory_why(f: &Finding) -> Option<String> {
    if f.kind != seawall_core::FindingKind::Vulnerability {
        return None;
    }
    let p = f.package.as_ref()?;
    Some(format!(
        "`{} {}` ({}) is affected by a published advisory. A vulnerable dependency in an image is \
         exploitable wherever the image runs, whether or not your code calls it directly.",
        p.name.replace('`', "'"),
        p.version.replace('`', "'"),
        p.ecosystem.replace('`', "'")
    ))
}

fn advisory_fix(f: &Finding) -> Option<String> {
    if f.kind != seawall_core::FindingKind::Vulnerability {
        return None;
    }
    let p = f.package.as_ref()?;
    let name = p.name.replace('`', "'");
    Some(if f.fixed_versions.is_empty() {
        format!(
            "No fixed version of `{name}` is known yet. Remove the package if it is not needed, or record \
             an OpenVEX `not_affected` statement if the vulnerable code cannot be reached."
        )
    } else {
        let v: Vec<String> = f.fixed_versions.iter().map(|v| format!("`{}`", v.replace('`', "'"))).collect();
        format!("Upgrade `{name}` to {} or later and rebuild the image.", v.join(" or "))
    })
}

#[derive(Serialize, Clone)]
struct Intro {
    id: String,
    severity: &'static str,
    fingerprint: String,
    count: usize,
}

#[derive(Serialize)]
struct LayerView {
    index: u32,
    diff_id: String,
    created_by: String,
    size: String,
    pct: String,
    packages: usize,
    findings: usize,
    introduced: Vec<Intro>,
    more: usize,
}

const MAX_INTRO: usize = 8;

fn layers(report: &Report) -> Vec<LayerView> {
    let max = report.target.layers.iter().map(|l| l.size).max().unwrap_or(0).max(1);
    report
        .target
        .layers
        .iter()
        .map(|l| {
            let here: Vec<&Finding> =
                report.findings.iter().filter(|f| f.location.layer == Some(l.index)).collect();
            let packages = report
                .packages
                .iter()
                .filter(|p| p.locations.iter().any(|x| x.layer == Some(l.index)))
                .count();
            // One entry per rule (findings are sorted by severity, so the first of each id is the
            // most severe), with how many findings of it the layer introduced.
            let mut intros: Vec<Intro> = Vec::new();
            for f in &here {
                match intros.iter_mut().find(|i| i.id == f.id) {
                    Some(i) => i.count += 1,
                    None => intros.push(Intro {
                        id: f.id.clone(),
                        severity: f.severity.as_str(),
                        fingerprint: f.fingerprint.clone(),
                        count: 1,
                    }),
                }
            }
            LayerView {
                index: l.index,
                diff_id: l.diff_id.clone(),
                created_by: l.created_by.clone().unwrap_or_default(),
                size: human_size(l.size),
                pct: format!("{:.1}", (l.size as f64) * 100.0 / (max as f64)),
                packages,
                findings: here.len(),
                introduced: intros.iter().take(MAX_INTRO).cloned().collect(),
                more: intros.len().saturating_sub(MAX_INTRO),
            }
        })
        .collect()
}

pub(crate) fn render(
    report: &Report,
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let terr = |source| ReportError::Template { format: "html", source };
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE).map_err(terr)?;
    env.add_template("finding.html", FINDING).map_err(terr)?;

    let delta = ctx.baseline.map(|b| crate::common::delta(b, report));
    let new_fps: Vec<&str> =
        delta.as_ref().map(|d| d.new.iter().map(|f| f.fingerprint.as_str()).collect()).unwrap_or_default();
    let findings: Vec<FindingView> = report
        .findings
        .iter()
        .map(|f| finding_view(f, report, ctx, new_fps.contains(&f.fingerprint.as_str())))
        .collect();
    let suppressed: Vec<FindingView> =
        report.suppressed.iter().map(|f| finding_view(f, report, ctx, false)).collect();

    let counts = severity_counts(&report.findings);
    let severities: Vec<_> = SEVERITIES_DESC
        .iter()
        .map(|s| context! { name => s.as_str(), count => counts[sev_index(*s)] })
        .collect();
    let groups = by_practice(&report.findings);
    let rows: Vec<(u8, [usize; 5])> =
        groups.iter().map(|(p, fs)| (*p, severity_counts(fs.iter().copied()))).collect();
    let practices: Vec<_> = rows
        .iter()
        .map(|(p, c)| {
            let desc: Vec<usize> = SEVERITIES_DESC.iter().map(|s| c[sev_index(*s)]).collect();
            context! { number => p, title => practice_title(*p), counts => desc, total => c.iter().sum::<usize>() }
        })
        .collect();
    let models: Vec<_> = report
        .models
        .iter()
        .map(|m| {
            context! {
                path => match &m.location.member { Some(x) => format!("{} [{x}]", m.location.path), None => m.location.path.clone() },
                format => m.format.clone(), framework => m.framework.clone().unwrap_or_default(),
                size => human_size(m.size), layer => m.location.layer.map(|l| l.to_string()).unwrap_or_else(|| "—".to_string()), verdict => m.verdict.as_str(),
            }
        })
        .collect();
    let packages: Vec<_> = report
        .packages
        .iter()
        .map(|p| {
            let locs: Vec<String> = p.locations.iter().map(location_text).collect();
            context! { name => p.name.clone(), version => p.version.clone(), ecosystem => p.ecosystem.clone(), locations => locs.join(", ") }
        })
        .collect();
    let warnings: Vec<_> = report
        .warnings
        .iter()
        .map(|w| context! { origin => w.origin.clone(), kind => w.kind.as_str(), location => w.location.as_ref().map(location_text), message => w.message.clone() })
        .collect();
    let scanners: Vec<_> = report
        .scanners
        .iter()
        .map(
            |s| context! { name => s.name.as_str(), status => s.status.as_str(), message => s.message.clone() },
        )
        .collect();
    let t = &report.target;
    let target = context! {
        kind => crate::common::kind_name(report),
        name => t.name.clone(),
        digest => t.digest.clone(),
        os => t.os.as_ref().map(|o| o.pretty_name.clone().unwrap_or_else(|| format!("{} {}", o.id, o.version_id))),
    };
    let tmpl = env.get_template("report.html").map_err(terr)?;
    let html = tmpl
        .render(context! {
            version => report.tool.version.clone(),
            target => target,
            total => report.findings.len(),
            severities => severities,
            severity_names => SEVERITIES_DESC.iter().map(|s: &Severity| s.as_str()).collect::<Vec<_>>(),
            practices => practices,
            chart_svg => JValue::from_safe_string(chart::practice_chart(&rows)),
            findings => JValue::from(Serde(&findings)),
            suppressed => JValue::from(Serde(&suppressed)),
            layers => JValue::from(Serde(layers(report))),
            models => models,
            packages => packages,
            package_count => report.packages.len(),
            warnings => warnings,
            scanners => scanners,
            trust => report.trust.as_ref().map(|t| context! { line => t.one_line(), checks => JValue::from(Serde(&t.checks)) }),
            incomplete => report.compute_completeness().reasons.iter().map(|r| context! { count => r.count, kind => r.kind.describe(), example => r.example.clone() }).collect::<Vec<_>>(),
            graph_svg => ctx.graph_svg.map(|s| JValue::from_safe_string(s.to_string())),
            delta => delta.as_ref().map(|d| context! { new => d.new.len(), fixed => d.fixed.len(), unchanged => d.unchanged.len() }),
        })
        .map_err(terr)?;
    out.write_all(html.as_bytes()).map_err(ReportError::io("html"))?;
    out.write_all(b"\n").map_err(ReportError::io("html"))
}

/// The suppression and severity override of a finding, shown first among its details.
fn suppression_details(f: &Finding) -> Vec<Detail> {
    let mut v = Vec::new();
    if let Some(s) = &f.suppression {
        v.push(Detail { key: "suppressed by".into(), value: s.label() });
        if let Some(r) = &s.reason {
            v.push(Detail { key: "suppression reason".into(), value: r.clone() });
        }
    }
    if let Some(o) = f.original_severity {
        v.push(Detail { key: "original severity".into(), value: o.to_string() });
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_raw_html() {
        let h = markdown_html("Use `USER`.\n\n<script>alert(1)</script>");
        assert!(h.contains("<code>USER</code>"));
        assert!(!h.contains("<script>"));
    }
}
