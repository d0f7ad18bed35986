//! `--format spdx`: SPDX 2.3 JSON.
//!
//! * `documentNamespace` is `https://seawall.invalid/spdxdocs/<kind>/<name>-<id>` where `<id>` is a
//!   hash of the target name and digest (or, without a digest, of the name and the package list), so
//!   the same target gives the same namespace and different contents give different ones. The
//!   `.invalid` host never resolves, as SPDX asks of namespaces that are not meant to be fetched.
//! * `creationInfo.created` (required) is the render context's time, else `SOURCE_DATE_EPOCH`, else
//!   the current time; with `SOURCE_DATE_EPOCH` set the document is byte-identical across runs.
//! * One package for the target (`CONTAINER` for images, `APPLICATION` otherwise; the image digest as
//!   a SHA256 checksum), one for the OS, one per inventory package (`LIBRARY`, purl as a
//!   `PACKAGE-MANAGER` external reference, each active vulnerability as a `SECURITY` / `advisory`
//!   external reference, where it was found in `sourceInfo`), one per model file
//!   (`FILE`). Relationships: the document `DESCRIBES` the target, which `CONTAINS` the others.
//! * Licences are `NOASSERTION` (seawall does not conclude licences); a recorded licence string is kept
//!   in the package `comment`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use seawall_core::{Finding, FindingKind, Package, Report, TargetKind, stable_hash};
use serde_json::{Value, json};

use crate::context::rfc3339;
use crate::sbom::{content_id, package_key, sha256_hex, unique_packages};
use crate::{RenderContext, ReportError};

const NOASSERTION: &str = "NOASSERTION";
const TARGET_ID: &str = "SPDXRef-Target";

/// Keeps the characters SPDX allows in an SPDXID (`[A-Za-z0-9.-]`), mapping the rest to `-`.
fn id_safe(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '-' }).collect()
}

/// A namespace-safe version of the target name.
fn ns_safe(s: &str) -> String {
    let v: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '-' })
        .collect();
    v.trim_matches('-').chars().take(100).collect()
}

fn package(p: &Package, id: &str, advisories: &[&Finding]) -> Value {
    let mut v = json!({
        "SPDXID": id,
        "name": p.name,
        "versionInfo": p.version,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": false,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": NOASSERTION,
        "copyrightText": NOASSERTION,
        "primaryPackagePurpose": "LIBRARY",
    });
    let mut refs = Vec::new();
    if let Some(purl) = &p.purl {
        refs.push(json!({"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}));
    }
    for f in advisories {
        refs.push(json!({
            "referenceCategory": "SECURITY",
            "referenceType": "advisory",
            "referenceLocator": format!("https://osv.dev/vulnerability/{}", crate::uri::encode_segment(&f.id)),
            "comment": format!("{} {}: {}", f.severity.as_str(), f.id, f.title),
        }));
    }
    if !refs.is_empty() {
        v["externalRefs"] = Value::Array(refs);
    }
    let locs: Vec<String> = p
        .locations
        .iter()
        .map(|l| match l.layer {
            Some(n) => format!("{} (layer {n})", l.path),
            None => l.path.clone(),
        })
        .collect();
    let mut info = format!("ecosystem {}; found in {}", p.ecosystem, locs.join(", "));
    if let Some(s) = &p.source {
        info.push_str(&format!("; source package {} {}", s.name, s.version));
    }
    v["sourceInfo"] = json!(info);
    if let Some(l) = p.properties.get("license") {
        v["comment"] = json!(format!("declared licence (as recorded by the package manager): {l}"));
    }
    v
}

pub(crate) fn document(report: &Report, ctx: &RenderContext<'_>) -> Result<Value, ReportError> {
    let t = &report.target;
    let created = rfc3339(ctx.creation_time()?);
    let kind = crate::common::kind_name(report);
    let namespace =
        format!("https://seawall.invalid/spdxdocs/{kind}/{}-{}", ns_safe(&t.name), content_id(report));

    let mut target = json!({
        "SPDXID": TARGET_ID,
        "name": t.name,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": false,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": NOASSERTION,
        "copyrightText": NOASSERTION,
        "primaryPackagePurpose": if t.kind == TargetKind::Image { "CONTAINER" } else { "APPLICATION" },
    });
    if let Some(d) = &t.digest {
        target["versionInfo"] = json!(d);
        if let Some(hex) = sha256_hex(d) {
            target["checksums"] = json!([{"algorithm": "SHA256", "checksumValue": hex}]);
        }
    }

    // Active vulnerability findings per package, as SECURITY external references.
    let mut vulns: BTreeMap<(&str, &str, &str), Vec<&Finding>> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.kind == FindingKind::Vulnerability) {
        if let Some(pk) = &f.package {
            let list =
                vulns.entry((pk.ecosystem.as_str(), pk.name.as_str(), pk.version.as_str())).or_default();
            if !list.iter().any(|g| g.id == f.id) {
                list.push(f);
            }
        }
    }
    if let Some(purl) = crate::sbom::image_purl(t) {
        target["externalRefs"] = json!([{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}]);
    }
    let mut packages = vec![target];
    let mut rels = vec![
        json!({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": TARGET_ID}),
    ];
    let mut used: BTreeSet<String> = BTreeSet::new();
    let contains = |id: String, rels: &mut Vec<Value>| {
        rels.push(
            json!({"spdxElementId": TARGET_ID, "relationshipType": "CONTAINS", "relatedSpdxElement": id}),
        );
    };
    if let Some(os) = &t.os {
        let id = format!("SPDXRef-OperatingSystem-{}", id_safe(&os.id));
        packages.push(json!({
            "SPDXID": id,
            "name": os.id,
            "versionInfo": os.version_id,
            "downloadLocation": NOASSERTION,
            "filesAnalyzed": false,
            "licenseConcluded": NOASSERTION,
            "licenseDeclared": NOASSERTION,
            "copyrightText": NOASSERTION,
            "primaryPackagePurpose": "OPERATING_SYSTEM",
        }));
        used.insert(id.clone());
        contains(id, &mut rels);
    }
    for p in unique_packages(report) {
        let mut id = format!("SPDXRef-Package-{}-{}", id_safe(p.ecosystem_base()), package_key(p));
        while used.contains(&id) {
            id.push_str("-x");
        }
        used.insert(id.clone());
        let advisories = vulns.get(&(p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()));
        packages.push(package(p, &id, advisories.map(Vec::as_slice).unwrap_or_default()));
        contains(id, &mut rels);
    }
    for m in &report.models {
        let id = format!(
            "SPDXRef-Model-{}",
            stable_hash(&[&m.location.path, m.location.member.as_deref().unwrap_or(""), &m.format])
        );
        if !used.insert(id.clone()) {
            continue;
        }
        let name = m.location.path.rsplit('/').next().unwrap_or(&m.location.path);
        packages.push(json!({
            "SPDXID": id,
            "name": name,
            "downloadLocation": NOASSERTION,
            "filesAnalyzed": false,
            "licenseConcluded": NOASSERTION,
            "licenseDeclared": NOASSERTION,
            "copyrightText": NOASSERTION,
            "primaryPackagePurpose": "FILE",
            "sourceInfo": format!("model file {} ({} bytes, format {}), seawall verdict: {}", m.location.path, m.size, m.format, m.verdict),
        }));
        contains(id, &mut rels);
    }

    Ok(json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": t.name,
        "documentNamespace": namespace,
        "creationInfo": creation_info(report, created),
        "packages": packages,
        "relationships": rels,
    }))
}

pub(crate) fn render(
    report: &Report,
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let doc = document(report, ctx)?;
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(ReportError::json("spdx"))?;
    out.write_all(b"\n").map_err(ReportError::io("spdx"))
}

/// `creationInfo`; an incomplete scan says so in its `comment` (an SBOM of an image not read in full
/// may miss packages).
fn creation_info(report: &Report, created: String) -> Value {
    let mut info = json!({
        "created": created,
        "creators": [format!("Tool: seawall-{}", report.tool.version)],
    });
    let completeness = report.compute_completeness();
    let mut comment = Vec::new();
    if !completeness.is_complete() {
        comment.push(format!(
            "INCOMPLETE: not every input was read; packages may be missing: {}",
            completeness.summary()
        ));
    }
    if let Some(t) = &report.trust {
        comment.push(format!("Trust: {}", t.one_line()));
    }
    if !comment.is_empty() {
        info["comment"] = json!(comment.join("\n"));
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_safe() {
        assert_eq!(id_safe("crates.io"), "crates.io");
        assert_eq!(id_safe("Rocky Linux"), "Rocky-Linux");
        assert_eq!(ns_safe("registry.example/acme/ml:1"), "registry.example-acme-ml-1");
    }
}
