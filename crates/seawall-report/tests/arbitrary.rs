//! Property test: arbitrary text in every string field never makes a renderer fail or panic, the
//! JSON formats stay parseable, and SPDX ids stay within the allowed alphabet.

mod common;

use proptest::prelude::*;
use seawall_core::{
    Finding, FindingKind, Location, ModelFile, Package, PackageRef, Report, Severity, Target, TargetKind,
};
use seawall_report::{Format, RenderContext, render_to_string};

fn report(name: String, text: Vec<String>, line: Option<u32>, layer: Option<u32>) -> Report {
    let t = |i: usize| text.get(i % text.len().max(1)).cloned().unwrap_or_default();
    let mut r = Report::new(Target::new(TargetKind::Image, name));
    r.target.digest = Some(t(0));
    let mut p = Package::new(t(1), t(2), t(3), Location::file(t(4)).with_layer(layer));
    p.purl = Some(t(5));
    p.properties.insert(t(6), t(7));
    r.packages.push(p);
    r.models.push(ModelFile {
        location: Location::file(t(8)),
        format: t(9),
        framework: None,
        size: 1,
        verdict: seawall_core::ModelVerdict::Unscannable,
    });
    let mut loc = Location::file(t(11)).with_layer(layer);
    loc.line = line;
    loc.column = line;
    let mut f = Finding::new(FindingKind::Vulnerability, t(12), Severity::High, 7, t(13)).with_location(loc);
    f.message = t(14);
    f.package = Some(PackageRef { name: t(1), version: t(2), ecosystem: t(3) });
    f.references = vec![t(15)];
    f.aliases = vec![t(16)];
    f.details.insert("suppressed_by".into(), format!("vex:{}", t(17)));
    f.details.insert("suppressed_reason".into(), t(18));
    let g = Finding::new(FindingKind::Secret, t(19), Severity::Low, 6, t(20));
    r.findings = vec![f.clone(), g];
    r.suppressed = vec![f];
    r.normalize();
    r
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn renderers_accept_any_text(
        name in "\\PC{0,20}",
        text in proptest::collection::vec("(\\PC|[<>&\"'`|\\\\\n\t]){0,24}", 1..22),
        line in proptest::option::of(0u32..5),
        layer in proptest::option::of(0u32..3),
    ) {
        let r = report(name, text, line, layer);
        let base = r.clone();
        let ctx = RenderContext::new(seawall_report::sample::RULES)
            .with_created(Some(common::fixed_time()))
            .with_baseline(Some(&base))
            .with_width(Some(40))
            .with_packages(true);
        for format in Format::ALL {
            let out = render_to_string(&r, format, &ctx);
            prop_assert!(out.is_ok(), "{format}: {:?}", out.err());
            let out = out.unwrap();
            if matches!(format, Format::Json | Format::Sarif | Format::CycloneDx | Format::Spdx) {
                let v: Result<serde_json::Value, _> = serde_json::from_str(&out);
                prop_assert!(v.is_ok(), "{format} is not JSON");
                if format == Format::Spdx {
                    let v = v.unwrap();
                    for p in v["packages"].as_array().unwrap() {
                        let id = p["SPDXID"].as_str().unwrap();
                        prop_assert!(id.strip_prefix("SPDXRef-").is_some_and(|rest| !rest.is_empty()
                            && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')), "{id}");
                    }
                }
            }
        }
    }
}
