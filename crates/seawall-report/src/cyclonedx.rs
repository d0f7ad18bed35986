//! `--format cyclonedx`: CycloneDX 1.6 JSON.
//!
//! * `metadata`: the tool, the target as `metadata.component` (`container` for images, `application`
//!   otherwise, with the image digest as a SHA-256 hash), and a timestamp only when a creation time is
//!   fixed (`SOURCE_DATE_EPOCH` or the render context), so that the output is byte-identical.
//! * `components`: the OS, every package (`library`, with purl, licence and `seawall:*` properties:
//!   ecosystem, source package, locations with layers, package-manager facts; locations also as
//!   `evidence.occurrences`) and every model file
//!   (`machine-learning-model`, with format, framework, size and verdict).
//! * `vulnerabilities`: one entry per vulnerability finding, active or suppressed, with source, aliases,
//!   CVSS ratings, advisories, recommendation and `affects` pointing at the component. Findings
//!   suppressed by an OpenVEX statement carry `analysis.state` (`not_affected` / `resolved`) and the
//!   justification; those suppressed by an ignore entry carry the reason in `analysis.detail`.
//! * `dependencies`: the target depends on every component (no package graph is known).
//! * `serialNumber` is a UUID derived from the document content.

use std::collections::BTreeMap;
use std::io::Write;

use seawall_core::{Finding, FindingKind, Package, Report, Severity, TargetKind};
use serde_json::{Map, Value, json};

use crate::context::rfc3339;
use crate::sbom::{package_key, sha256_hex, unique_packages, uuid_from};
use crate::{RenderContext, ReportError};

const TARGET_REF: &str = "seawall-target";

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Info => "info",
    }
}

fn prop(name: impl Into<String>, value: impl Into<String>) -> Value {
    json!({"name": name.into(), "value": value.into()})
}

/// Assigns a unique `bom-ref` to every package: its purl when unique, else
/// `<purl or ecosystem:name@version>#<key>` (plus `-N` for packages that differ only in metadata).
fn package_refs(packages: &[&Package]) -> Vec<String> {
    let base: Vec<String> = packages
        .iter()
        .map(|p| p.purl.clone().unwrap_or_else(|| format!("{}:{}@{}", p.ecosystem, p.name, p.version)))
        .collect();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for b in &base {
        *count.entry(b.as_str()).or_default() += 1;
    }
    let mut used: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    base.iter()
        .zip(packages)
        .map(|(b, p)| {
            let r = if count.get(b.as_str()).copied().unwrap_or(0) > 1 {
                format!("{b}#{}", package_key(p))
            } else {
                b.clone()
            };
            let mut candidate = r.clone();
            let mut n = 1;
            while used.contains(&candidate) {
                n += 1;
                candidate = format!("{r}-{n}");
            }
            used.insert(candidate.clone());
            candidate
        })
        .collect()
}

fn component(p: &Package, bom_ref: &str) -> Value {
    let mut c = json!({"type": "library", "bom-ref": bom_ref, "name": p.name, "version": p.version});
    if let Some(purl) = &p.purl {
        c["purl"] = json!(purl);
    }
    if let Some(l) = p.properties.get("license").filter(|l| !l.trim().is_empty()) {
        c["licenses"] = json!([{"license": {"name": l}}]);
    }
    let occurrences: Vec<Value> = p
        .locations
        .iter()
        .filter(|l| !l.path.is_empty())
        .map(|l| {
            let mut o = json!({"location": l.path});
            if let Some(line) = l.line {
                o["line"] = json!(line);
            }
            if let Some(layer) = l.layer {
                o["additionalContext"] = json!(format!("layer {layer}"));
            }
            o
        })
        .collect();
    if !occurrences.is_empty() {
        c["evidence"] = json!({"occurrences": occurrences});
    }
    let mut props = vec![prop("seawall:ecosystem", &p.ecosystem)];
    if let Some(s) = &p.source {
        props.push(prop("seawall:source:name", &s.name));
        props.push(prop("seawall:source:version", &s.version));
    }
    for (i, l) in p.locations.iter().enumerate() {
        props.push(prop(format!("seawall:location:{i}:path"), &l.path));
        if let Some(layer) = l.layer {
            props.push(prop(format!("seawall:location:{i}:layer"), layer.to_string()));
        }
    }
    for (k, v) in &p.properties {
        if k != "license" {
            props.push(prop(format!("seawall:{k}"), v));
        }
    }
    c["properties"] = Value::Array(props);
    c
}

/// Index of packages by (ecosystem, name, version) for matching findings to components.
type PackageIndex<'a> = BTreeMap<(&'a str, &'a str, &'a str), Vec<usize>>;

fn package_index<'a>(packages: &[&'a Package]) -> PackageIndex<'a> {
    let mut m: PackageIndex<'_> = BTreeMap::new();
    for (i, p) in packages.iter().enumerate() {
        m.entry((p.ecosystem.as_str(), p.name.as_str(), p.version.as_str())).or_default().push(i);
    }
    m
}

/// The component of a finding's package: the one seen at the finding's path when several match.
fn find_component<'a>(
    f: &Finding,
    packages: &[&Package],
    index: &PackageIndex<'_>,
    refs: &'a [String],
) -> Option<&'a str> {
    let pkg = f.package.as_ref()?;
    let candidates = index.get(&(pkg.ecosystem.as_str(), pkg.name.as_str(), pkg.version.as_str()))?;
    let idx = candidates
        .iter()
        .copied()
        .find(|&i| packages[i].locations.iter().any(|l| l.path == f.location.path))
        .or_else(|| candidates.first().copied())?;
    refs.get(idx).map(String::as_str)
}

/// OpenVEX justification → CycloneDX `impactAnalysisJustification`.
fn cdx_justification(vex: &str) -> Option<&'static str> {
    Some(match vex {
        "component_not_present" | "vulnerable_code_not_present" => "code_not_present",
        "vulnerable_code_not_in_execute_path" => "code_not_reachable",
        "vulnerable_code_cannot_be_controlled_by_adversary" => "requires_environment",
        "inline_mitigations_already_exist" => "protected_by_mitigating_control",
        _ => return None,
    })
}

fn analysis(f: &Finding) -> Option<Value> {
    let sup = f.suppression.as_ref()?;
    let by = sup.label();
    let reason = sup.reason.clone().unwrap_or_default();
    if sup.by == seawall_core::SuppressedBy::Vex {
        let (status, just) = reason.split_once(": ").unwrap_or((reason.as_str(), ""));
        let mut a = Map::new();
        match status {
            "not_affected" => {
                a.insert("state".into(), json!("not_affected"));
                if let Some(j) = cdx_justification(just.trim()) {
                    a.insert("justification".into(), json!(j));
                }
            }
            "fixed" => {
                a.insert("state".into(), json!("resolved"));
            }
            _ => {}
        }
        a.insert("detail".into(), json!(format!("{by}: {reason}")));
        return Some(Value::Object(a));
    }
    if by.starts_with("ignore:") {
        let detail = if reason.is_empty() {
            format!("suppressed by {by}")
        } else {
            format!("suppressed by {by}: {reason}")
        };
        return Some(json!({"detail": detail}));
    }
    None
}

fn vulnerability(f: &Finding, affects: &str) -> Value {
    let osv_url = format!("https://osv.dev/vulnerability/{}", crate::uri::encode_segment(&f.id));
    let mut v = json!({
        "bom-ref": format!("vuln-{}", f.fingerprint),
        "id": f.id,
        "source": {"name": "OSV", "url": osv_url},
        "description": f.title,
    });
    if !f.aliases.is_empty() {
        v["references"] = Value::Array(
            f.aliases
                .iter()
                .map(|a| json!({"id": a, "source": {"name": "OSV", "url": format!("https://osv.dev/vulnerability/{}", crate::uri::encode_segment(a))}}))
                .collect(),
        );
    }
    // The CVSS ratings of the advisory, then seawall's own verdict (after `[severity]` overrides).
    let mut ratings: Vec<Value> = f
        .cvss
        .iter()
        .map(|c| {
            let method = match c.version.as_str() {
                "2.0" => "CVSSv2",
                "3.0" => "CVSSv3",
                "3.1" => "CVSSv31",
                "4.0" => "CVSSv4",
                _ => "other",
            };
            json!({
                "score": c.score,
                "severity": severity_name(Severity::from_cvss_score(c.score)),
                "method": method,
                "vector": c.vector,
            })
        })
        .collect();
    ratings.push(
        json!({"source": {"name": "seawall"}, "severity": severity_name(f.severity), "method": "other"}),
    );
    v["ratings"] = Value::Array(ratings);
    if !f.message.is_empty() {
        v["detail"] = json!(f.message);
    }
    if let Some(p) = &f.package {
        v["recommendation"] = json!(if f.fixed_versions.is_empty() {
            format!(
                "No fixed version of {} is known{}.",
                p.name,
                f.status.map(|s| format!(" (status: {s})")).unwrap_or_default()
            )
        } else {
            format!("Upgrade {} to {}.", p.name, f.fixed_versions.join(" or "))
        });
    }
    if !f.references.is_empty() {
        v["advisories"] =
            Value::Array(f.references.iter().map(|u| json!({"url": crate::uri::uri_safe(u)})).collect());
    }
    if let Some(a) = analysis(f) {
        v["analysis"] = a;
    }
    let version = f.package.as_ref().map(|p| p.version.clone()).unwrap_or_default();
    let mut affect = json!({"ref": affects});
    if !version.is_empty() {
        affect["versions"] = json!([{"version": version, "status": "affected"}]);
    }
    v["affects"] = json!([affect]);
    v
}

pub(crate) fn document(report: &Report, ctx: &RenderContext<'_>) -> Result<Value, ReportError> {
    let t = &report.target;
    let mut target = json!({
        "type": if t.kind == TargetKind::Image { "container" } else { "application" },
        "bom-ref": TARGET_REF,
        "name": t.name,
    });
    if let Some(d) = &t.digest {
        target["version"] = json!(d);
        if let Some(hex) = sha256_hex(d) {
            target["hashes"] = json!([{"alg": "SHA-256", "content": hex}]);
        }
    }
    if let Some(purl) = crate::sbom::image_purl(t) {
        target["purl"] = json!(purl);
    }
    let mut tprops = vec![prop("seawall:target:kind", crate::common::kind_name(report))];
    for l in &t.layers {
        tprops.push(prop(format!("seawall:layer:{}:diff_id", l.index), &l.diff_id));
        tprops.push(prop(format!("seawall:layer:{}:size", l.index), l.size.to_string()));
    }
    target["properties"] = Value::Array(tprops);

    let mut metadata = json!({
        "tools": {"components": [{"type": "application", "name": "seawall", "version": report.tool.version}]},
        "component": target,
    });
    let mut notes = Vec::new();
    let completeness = report.compute_completeness();
    notes.push(prop(
        "seawall:completeness",
        serde_json::to_value(completeness.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
    ));
    for r in &completeness.reasons {
        notes.push(prop(
            format!("seawall:incomplete:{}", r.kind),
            format!("{} (e.g. {})", r.count, r.example),
        ));
    }
    for st in report.scanners.iter() {
        notes.push(prop(format!("seawall:scanner:{}", st.name), st.status.as_str()));
    }
    for w in &report.warnings {
        let at = w.location.as_ref().map(|l| format!(" ({})", l.path)).unwrap_or_default();
        notes.push(prop("seawall:warning", format!("{}{at}: {}", w.origin, w.message)));
    }
    if let Some(t) = &report.trust {
        notes.push(prop("seawall:trust", t.one_line()));
        for c in &t.checks {
            notes.push(prop(
                format!("seawall:trust:{}", c.kind),
                format!(
                    "{} {}{}",
                    c.source,
                    c.status,
                    c.signer.as_deref().map(|s| format!(" by {s}")).unwrap_or_default()
                ),
            ));
        }
    }
    if !notes.is_empty() {
        metadata["properties"] = Value::Array(notes);
    }
    if let Some(ts) = ctx.fixed_creation_time()? {
        metadata["timestamp"] = json!(rfc3339(ts));
    }

    let packages = unique_packages(report);
    let refs = package_refs(&packages);
    let mut components = Vec::new();
    if let Some(os) = &t.os {
        let mut c = json!({"type": "operating-system", "bom-ref": format!("os:{}@{}", os.id, os.version_id), "name": os.id, "version": os.version_id});
        if let Some(p) = &os.pretty_name {
            c["description"] = json!(p);
        }
        components.push(c);
    }
    for (p, r) in packages.iter().zip(&refs) {
        components.push(component(p, r));
    }
    for (i, m) in report.models.iter().enumerate() {
        let name = m.location.path.rsplit('/').next().unwrap_or(&m.location.path);
        let mut props = vec![
            prop("seawall:model:format", &m.format),
            prop("seawall:model:verdict", m.verdict.as_str()),
            prop("seawall:model:size", m.size.to_string()),
            prop("seawall:location:0:path", &m.location.path),
        ];
        if let Some(l) = m.location.layer {
            props.push(prop("seawall:location:0:layer", l.to_string()));
        }
        if let Some(f) = &m.framework {
            props.push(prop("seawall:model:framework", f));
        }
        components.push(json!({
            "type": "machine-learning-model",
            "bom-ref": format!("model-{i}-{}", seawall_core::stable_hash(&[&m.location.path, m.location.member.as_deref().unwrap_or("")])),
            "name": name,
            "properties": props,
        }));
    }

    let index = package_index(&packages);
    let vulns: Vec<Value> = report
        .findings
        .iter()
        .chain(&report.suppressed)
        .filter(|f| f.kind == FindingKind::Vulnerability)
        .map(|f| vulnerability(f, find_component(f, &packages, &index, &refs).unwrap_or(TARGET_REF)))
        .collect();

    // The target directly contains every component (seawall does not know the package graph).
    let depends: Vec<Value> = components.iter().filter_map(|c| c.get("bom-ref").cloned()).collect();
    let mut body = json!({
        "metadata": metadata,
        "components": components,
        "dependencies": [{"ref": TARGET_REF, "dependsOn": depends}],
    });
    if !vulns.is_empty() {
        body["vulnerabilities"] = Value::Array(vulns);
    }
    let bytes = serde_json::to_vec(&body).map_err(ReportError::json("cyclonedx"))?;
    let mut doc = Map::new();
    doc.insert("$schema".into(), json!("http://cyclonedx.org/schema/bom-1.6.schema.json"));
    doc.insert("bomFormat".into(), json!("CycloneDX"));
    doc.insert("specVersion".into(), json!("1.6"));
    doc.insert("serialNumber".into(), json!(format!("urn:uuid:{}", uuid_from(&bytes))));
    doc.insert("version".into(), json!(1));
    if let Value::Object(b) = body {
        doc.extend(b);
    }
    Ok(Value::Object(doc))
}

pub(crate) fn render(
    report: &Report,
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let doc = document(report, ctx)?;
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(ReportError::json("cyclonedx"))?;
    out.write_all(b"\n").map_err(ReportError::io("cyclonedx"))
}
