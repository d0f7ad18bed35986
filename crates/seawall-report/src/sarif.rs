//! `--format sarif`: SARIF 2.1.0, one run.
//!
//! * `tool.driver.rules`: the whole rule catalog from the context (in catalog order) followed by one
//!   rule per advisory or unknown id that occurs in the report (sorted), each with `help` text and
//!   Markdown (why, how to fix, references) and GitHub's `security-severity`.
//! * `results`: one per finding, with `partialFingerprints["seawall/v1"]` (the finding fingerprint, so
//!   code-scanning tracks it across runs), a physical location (file, line, column) and, for image
//!   findings, logical locations naming the layer and the path inside it. Image paths are relative to
//!   the `IMAGEROOT` base id; filesystem paths are relative to the directory seawall ran in (the
//!   scanned directory's relative path is prefixed), so annotations land on repository files.
//! * Suppressed findings are results too, with an external, accepted `suppressions` entry.
//! * Scan warnings and skipped or failed scanners are `invocations[0].toolExecutionNotifications`.

use std::collections::BTreeMap;
use std::io::Write;

use seawall_core::{Finding, FindingKind, Report, RuleMeta, Severity, TargetKind};
use serde_json::{Value, json};

use crate::common::display_title;
use crate::{RenderContext, ReportError};

/// The SARIF schema URI written to `$schema`.
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// `tool.driver.informationUri`.
const INFORMATION_URI: &str = "https://example.invalid/seawall";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (a CVSS-like score as a string).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Info => "0.0",
    }
}

fn catalog_rule(r: &RuleMeta) -> Value {
    let mut text = format!("{}\n\nWhy it matters: {}\n\nHow to fix: {}", r.title, r.rationale, r.fix);
    let mut md =
        format!("**{}**\n\n**Why it matters**\n\n{}\n\n**How to fix**\n\n{}", r.title, r.rationale, r.fix);
    if !r.references.is_empty() {
        text.push_str("\n\nReferences:");
        md.push_str("\n\n**References**\n");
        for u in r.references {
            text.push_str(&format!("\n- {u}"));
            md.push_str(&format!("\n- <{u}>"));
        }
    }
    let mut rule = json!({
        "id": r.id,
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.rationale},
        "help": {"text": text, "markdown": md},
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "tags": ["security", format!("practice-{}", r.practice), r.kind.as_str()],
            "security-severity": security_severity(r.severity),
            "precision": "high",
        },
    });
    if let Some(u) = r.references.iter().find(|u| crate::uri::has_scheme(u)) {
        rule["helpUri"] = json!(crate::uri::uri_safe(u));
    }
    rule
}

fn advisory_rule(f: &Finding) -> Value {
    let mut text = f.title.clone();
    let mut md = format!("**{}**", f.title);
    if !f.aliases.is_empty() {
        text.push_str(&format!("\n\nAliases: {}", f.aliases.join(", ")));
        md.push_str(&format!("\n\nAliases: {}", f.aliases.join(", ")));
    }
    if f.kind == FindingKind::Vulnerability {
        let fix = "How to fix: upgrade the package to a fixed version (see each result), or record a VEX \
                   statement if it is not exploitable here.";
        text.push_str(&format!("\n\n{fix}"));
        md.push_str(&format!("\n\n{fix}"));
    }
    if !f.references.is_empty() {
        text.push_str("\n\nReferences:");
        md.push_str("\n\n**References**\n");
        for u in &f.references {
            text.push_str(&format!("\n- {u}"));
            md.push_str(&format!("\n- <{u}>"));
        }
    }
    let score = f
        .cvss
        .iter()
        .map(|c| c.score)
        .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))
        .map(|s| format!("{s:.1}"))
        .unwrap_or_else(|| security_severity(f.severity).to_string());
    let mut rule = json!({
        "id": f.id,
        "shortDescription": {"text": f.title},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": md},
        "defaultConfiguration": {"level": level(f.severity)},
        "properties": {
            "tags": ["security", format!("practice-{}", f.practice), f.kind.as_str()],
            "security-severity": score,
            "precision": "high",
        },
    });
    if let Some(u) = f.references.iter().find(|u| crate::uri::has_scheme(u)) {
        rule["helpUri"] = json!(crate::uri::uri_safe(u));
    } else if f.kind == FindingKind::Vulnerability {
        rule["helpUri"] =
            json!(format!("https://osv.dev/vulnerability/{}", crate::uri::encode_segment(&f.id)));
    }
    rule
}

/// A filesystem finding's path relative to where seawall ran: when the scanned directory was given
/// as a relative path (`seawall scan fs services/api`), it is prefixed (`services/api/Dockerfile`), so
/// that code-scanning annotations land on the right file when seawall runs at the repository root.
fn repo_relative(report: &Report, path: &str) -> String {
    let root = report.target.name.trim_start_matches("./").trim_end_matches('/');
    let relative_root = !root.is_empty()
        && root != "."
        && !root.starts_with('/')
        && !root.contains(':')
        && !root.split('/').any(|c| c == "..");
    if report.target.kind == TargetKind::Image || !relative_root || path.starts_with('/') {
        return path.to_string();
    }
    format!("{root}/{path}")
}

fn result(report: &Report, f: &Finding, rule_index: usize) -> Value {
    let l = &f.location;
    let image = report.target.kind == TargetKind::Image;
    let mut location = serde_json::Map::new();
    let pseudo = l.path.starts_with("config.") || l.path.starts_with("history[");
    if !l.path.is_empty() && !pseudo && l.container.is_none() {
        let path =
            if image { l.path.trim_start_matches('/').to_string() } else { repo_relative(report, &l.path) };
        let mut artifact = json!({"uri": crate::uri::encode_path(&path)});
        if image {
            artifact["uriBaseId"] = json!("IMAGEROOT");
        }
        let mut phys = json!({"artifactLocation": artifact});
        if let Some(line) = l.line {
            let mut region = json!({"startLine": line.max(1)});
            if let Some(c) = l.column {
                region["startColumn"] = json!(c.max(1));
            }
            phys["region"] = region;
        }
        location.insert("physicalLocation".into(), phys);
    }
    let mut logical = Vec::new();
    if let Some(layer) = l.layer {
        let diff_id =
            report.target.layers.iter().find(|x| x.index == layer).map(|x| x.diff_id.as_str()).unwrap_or("");
        logical.push(json!({
            "kind": "module",
            "name": format!("layer {layer}"),
            "fullyQualifiedName": if diff_id.is_empty() { format!("layer {layer}") } else { format!("layer {layer} {diff_id}") },
        }));
        logical.push(json!({
            "kind": "resource",
            "name": l.path,
            "fullyQualifiedName": format!("layer {layer}:{}", l.path),
        }));
    } else if !l.path.is_empty() && pseudo && l.container.is_none() {
        logical.push(json!({"kind": "resource", "name": l.path, "fullyQualifiedName": format!("{}:{}", report.target.name, l.path)}));
    }
    if let Some(c) = &l.container {
        logical.push(
            json!({"kind": "object", "name": c, "fullyQualifiedName": format!("container {c}:{}", l.path)}),
        );
    }
    if !logical.is_empty() {
        location.insert("logicalLocations".into(), Value::Array(logical));
    }
    if location.is_empty() {
        location.insert(
            "logicalLocations".into(),
            json!([{"kind": "resource", "name": report.target.name, "fullyQualifiedName": report.target.name}]),
        );
    }

    let mut text = display_title(f);
    if !f.message.is_empty() {
        text.push_str(". ");
        text.push_str(&f.message);
    }
    if let Some(r) = &f.redacted {
        text.push_str(&format!(" (value {r})"));
    }
    let mut props = serde_json::Map::new();
    props.insert("severity".into(), json!(f.severity.as_str()));
    props.insert("practice".into(), json!(f.practice));
    props.insert("kind".into(), json!(f.kind.as_str()));
    if let Some(p) = &f.package {
        props.insert(
            "package".into(),
            json!({"name": p.name, "version": p.version, "ecosystem": p.ecosystem}),
        );
    }
    if !f.fixed_versions.is_empty() {
        props.insert("fixedVersions".into(), json!(f.fixed_versions));
    }
    if !f.aliases.is_empty() {
        props.insert("aliases".into(), json!(f.aliases));
    }
    if !f.callables.is_empty() {
        props.insert("callables".into(), json!(f.callables));
    }
    if let Some(o) = f.opcode_offset {
        props.insert("opcodeOffset".into(), json!(o));
    }
    if let Some(x) = &f.format {
        props.insert("format".into(), json!(x));
    }
    if let Some(d) = f.deleted_in_layer {
        props.insert("deletedInLayer".into(), json!(d));
    }
    let mut res = json!({
        "ruleId": f.id,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": text},
        "locations": [Value::Object(location)],
        "partialFingerprints": {"seawall/v1": f.fingerprint},
        "properties": Value::Object(props),
    });
    if let Some(s) = &f.suppression {
        let reason = s.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
        let kind = if s.by == seawall_core::SuppressedBy::Inline { "inSource" } else { "external" };
        res["suppressions"] =
            json!([{"kind": kind, "status": "accepted", "justification": format!("{}{reason}", s.label())}]);
    }
    res
}

/// The run's invocation: an incomplete scan, scan warnings and skipped or partial scanners become tool
/// execution notifications, so that a partial result is visible in code-scanning tools too.
fn invocation(report: &Report) -> Value {
    let mut notes = Vec::new();
    let completeness = report.compute_completeness();
    if !completeness.is_complete() {
        notes.push(json!({
            "level": "error",
            "message": {"text": format!("INCOMPLETE: {}", completeness.summary())},
            "descriptor": {"id": "seawall/incomplete"},
            "properties": {"reasons": completeness.reasons.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>()},
        }));
    }
    for s in report.scanners.iter().filter(|s| s.status != seawall_core::ScannerState::Complete) {
        let msg = match &s.message {
            Some(m) => format!("scanner {} {}: {m}", s.name, s.status),
            None => format!("scanner {} {}", s.name, s.status),
        };
        notes.push(json!({"level": "warning", "message": {"text": msg}, "descriptor": {"id": format!("scanner/{}", s.name)}}));
    }
    for w in &report.warnings {
        let level = if w.is_incomplete() { "warning" } else { "note" };
        let mut n = json!({
            "level": level,
            "message": {"text": w.message},
            "descriptor": {"id": w.origin},
            "properties": {"kind": w.kind.as_str()},
        });
        if let Some(l) = &w.location
            && !l.path.is_empty()
        {
            let path = if report.target.kind == TargetKind::Image {
                l.path.trim_start_matches('/').to_string()
            } else {
                repo_relative(report, &l.path)
            };
            let mut artifact = json!({"uri": crate::uri::encode_path(&path)});
            if report.target.kind == TargetKind::Image {
                artifact["uriBaseId"] = json!("IMAGEROOT");
            }
            n["locations"] = json!([{"physicalLocation": {"artifactLocation": artifact}}]);
        }
        notes.push(n);
    }
    let mut inv = json!({"executionSuccessful": completeness.is_complete()});
    if !notes.is_empty() {
        inv["toolExecutionNotifications"] = Value::Array(notes);
    }
    inv
}

pub(crate) fn document(report: &Report, ctx: &RenderContext<'_>) -> Value {
    let mut rules: Vec<Value> = ctx.rules.iter().map(catalog_rule).collect();
    let mut index: BTreeMap<String, usize> =
        ctx.rules.iter().enumerate().map(|(i, r)| (r.id.to_string(), i)).collect();
    let mut extra: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in report.findings.iter().chain(&report.suppressed) {
        if !index.contains_key(&f.id) {
            extra.entry(f.id.as_str()).or_insert(f);
        }
    }
    for (id, f) in extra {
        index.insert(id.to_string(), rules.len());
        rules.push(advisory_rule(f));
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .chain(&report.suppressed)
        .map(|f| result(report, f, index.get(&f.id).copied().unwrap_or(0)))
        .collect();
    let mut run = json!({
        "tool": {"driver": {
            "name": "seawall",
            "version": report.tool.version,
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"target": report.target.name, "targetKind": crate::common::kind_name(report)},
    });
    run["invocations"] = json!([invocation(report)]);
    if let Some(t) = &report.trust {
        run["properties"]["trust"] = serde_json::to_value(t).unwrap_or(Value::Null);
    }
    if report.target.kind == TargetKind::Image {
        run["originalUriBaseIds"] = json!({"IMAGEROOT": {"uri": "file:///", "description": {"text": "The root of the image filesystem"}}});
    }
    json!({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]})
}

pub(crate) fn render(
    report: &Report,
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut *out, &document(report, ctx)).map_err(ReportError::json("sarif"))?;
    out.write_all(b"\n").map_err(ReportError::io("sarif"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filesystem_paths_are_made_repo_relative() {
        use seawall_core::Target;
        let r = |name: &str, kind| Report::new(Target::new(kind, name));
        assert_eq!(
            repo_relative(&r("services/api/", TargetKind::Filesystem), "Dockerfile"),
            "services/api/Dockerfile"
        );
        assert_eq!(repo_relative(&r("./svc", TargetKind::Config), "k8s/a.yaml"), "svc/k8s/a.yaml");
        assert_eq!(repo_relative(&r(".", TargetKind::Filesystem), "Dockerfile"), "Dockerfile");
        assert_eq!(repo_relative(&r("/abs/dir", TargetKind::Filesystem), "Dockerfile"), "Dockerfile");
        assert_eq!(repo_relative(&r("../up", TargetKind::Filesystem), "Dockerfile"), "Dockerfile");
        assert_eq!(repo_relative(&r("svc", TargetKind::Image), "/etc/passwd"), "/etc/passwd");
    }
}
