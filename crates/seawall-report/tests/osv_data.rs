//! Real advisory text in the SBOM and SARIF outputs: a report built from the first advisories of
//! `../shared/data/osv/PyPI/all.zip` (real ids, aliases, CVSS vectors, reference URLs, long details)
//! is rendered and validated against the official schemas. Skips when the data, the schemas or
//! Python `jsonschema` are absent.

mod common;

use std::io::Read;
use std::path::Path;

use seawall_core::{
    Cvss, Finding, FindingKind, LayerInfo, Location, Package, PackageRef, Report, Severity, Target,
    TargetKind,
};
use seawall_report::Format;
use serde_json::Value;

const MAX_ADVISORIES: usize = 400;

fn osv_report() -> Option<Report> {
    let zip_path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv/PyPI/all.zip"));
    let file = fs_err::File::open(zip_path).ok()?;
    let mut archive = zip::ZipArchive::new(file).ok()?;
    let mut r = Report::new(Target::new(TargetKind::Image, "osv-sample:latest"));
    r.target.digest = Some(format!("sha256:{}", "ab".repeat(32)));
    r.target.layers = (0..3)
        .map(|i| LayerInfo {
            index: i,
            diff_id: format!("sha256:{:064x}", i),
            digest: None,
            size: 1000,
            created_by: None,
        })
        .collect();
    for i in 0..archive.len().min(MAX_ADVISORIES) {
        let mut text = String::new();
        archive.by_index(i).ok()?.read_to_string(&mut text).ok()?;
        let Ok(d) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let Some(aff) = d["affected"].get(0) else {
            continue;
        };
        let name = aff["package"]["name"].as_str().unwrap_or("x").to_string();
        let version = aff["versions"].get(0).and_then(Value::as_str).unwrap_or("0").to_string();
        let path = format!("/usr/lib/python3/site-packages/{name}-{version}.dist-info/METADATA");
        let layer = Some((i % 3) as u32);
        let mut p = Package::new(&name, &version, "PyPI", Location::file(&path).with_layer(layer));
        p.purl = Some(format!("pkg:pypi/{}@{version}", name.to_lowercase()));
        r.packages.push(p);
        let id = d["id"].as_str().unwrap_or("?");
        let title = d["summary"]
            .as_str()
            .or(d["details"].as_str())
            .unwrap_or(id)
            .chars()
            .take(120)
            .collect::<String>();
        let mut f = Finding::new(FindingKind::Vulnerability, id, Severity::ALL[i % 5], 7, title)
            .with_location(Location::file(&path).with_layer(layer))
            .with_message(d["details"].as_str().unwrap_or("").chars().take(400).collect::<String>());
        f.aliases = d["aliases"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default();
        f.references = d["references"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["url"].as_str()).map(String::from).collect())
            .unwrap_or_default();
        f.package = Some(PackageRef { name, version, ecosystem: "PyPI".into() });
        f.fixed_versions = aff["ranges"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .flat_map(|r| r["events"].as_array().cloned().unwrap_or_default())
                    .filter_map(|e| e["fixed"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(v) = d["severity"].as_array().and_then(|s| s.iter().find_map(|x| x["score"].as_str())) {
            let version = if v.starts_with("CVSS:4") {
                "4.0"
            } else if v.starts_with("CVSS:3.1") {
                "3.1"
            } else {
                "3.0"
            };
            f.cvss = vec![Cvss { version: version.into(), vector: v.into(), score: 7.5 }];
        }
        r.findings.push(f);
    }
    r.normalize();
    (!r.findings.is_empty()).then_some(r)
}

#[test]
fn real_advisories_give_schema_valid_outputs() {
    let Some(report) = osv_report() else {
        eprintln!("skipped: ../shared/data/osv/PyPI/all.zip absent");
        return;
    };
    eprintln!("{} advisories, {} packages", report.findings.len(), report.packages.len());
    for (kind, format) in [("sarif", Format::Sarif), ("cyclonedx", Format::CycloneDx), ("spdx", Format::Spdx)]
    {
        if let Some((ok, text)) = common::validate(kind, &report, format, "osv") {
            assert!(ok, "{kind} output of real OSV advisories is not schema-valid:\n{text}");
        }
    }
}
