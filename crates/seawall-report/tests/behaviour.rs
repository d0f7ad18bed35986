//! Behavioural tests of the renderers: determinism, colours, width, escaping, content.

mod common;

use seawall_core::{Finding, FindingKind, Location, Severity};
use seawall_report::{Format, RenderContext, render_to_string, sample};
use serde_json::Value;

#[test]
fn every_format_is_deterministic() {
    for format in Format::ALL {
        let a = render_to_string(&sample::report(), format, &common::ctx()).unwrap();
        let b = render_to_string(&sample::report(), format, &common::ctx()).unwrap();
        assert_eq!(a, b, "{format} output differs between two runs");
        let a = render_to_string(&common::awkward_report(), format, &common::ctx()).unwrap();
        let b = render_to_string(&common::awkward_report(), format, &common::ctx()).unwrap();
        assert_eq!(a, b, "{format} output differs between two runs");
    }
}

#[test]
fn json_round_trips() {
    let r = sample::report();
    let out = render_to_string(&r, Format::Json, &common::ctx()).unwrap();
    let back: seawall_core::Report = serde_json::from_str(&out).unwrap();
    assert_eq!(back, r);
}

#[test]
fn table_colours_only_when_asked() {
    let plain = render_to_string(&sample::report(), Format::Table, &common::ctx()).unwrap();
    assert!(!plain.contains('\x1b'), "no ANSI escapes without colour");
    let coloured =
        render_to_string(&sample::report(), Format::Table, &common::ctx().with_color(true)).unwrap();
    assert!(coloured.contains('\x1b'), "ANSI escapes with colour");
}

#[test]
fn table_respects_width() {
    for w in [60u16, 80, 120] {
        let out =
            render_to_string(&sample::report(), Format::Table, &common::ctx().with_width(Some(w))).unwrap();
        for line in out.lines().filter(|l| l.starts_with('╭') || l.starts_with('│') || l.starts_with('╰'))
        {
            assert!(line.chars().count() <= w as usize, "line wider than {w}: {line}");
        }
    }
}

#[test]
fn table_groups_by_practice_and_counts() {
    let out = render_to_string(&sample::report(), Format::Table, &common::ctx()).unwrap();
    let p1 = out.find("Practice 1 ·").unwrap();
    let p4 = out.find("Practice 4 ·").unwrap();
    let p7 = out.find("Practice 7 ·").unwrap();
    assert!(p1 < p4 && p4 < p7);
    assert!(
        out.contains(
            "7 findings (CRITICAL 3 · HIGH 2 · MEDIUM 1 · LOW 1) · 1 suppressed (vex 1) · 3 packages"
        ),
        "{out}"
    );
    assert!(!out.contains("Packages (3)"), "inventory only when asked");
    let with =
        render_to_string(&sample::report(), Format::Table, &common::ctx().with_packages(true)).unwrap();
    assert!(with.contains("Packages (3)"));
    assert!(with.contains("libssl3"));
}

#[test]
fn sarif_structure() {
    let out = render_to_string(&sample::report(), Format::Sarif, &common::ctx()).unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    // 4 catalog rules + 3 advisories (2 active, 1 suppressed).
    assert_eq!(rules.len(), 7);
    assert!(rules[0]["help"]["markdown"].as_str().unwrap().contains("How to fix"));
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 8);
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"], "ruleIndex must point at the rule");
        assert_eq!(r["partialFingerprints"]["seawall/v1"].as_str().unwrap().len(), 16);
    }
    let secret = results.iter().find(|r| r["ruleId"] == "SW-SEC-010").unwrap();
    let loc = &secret["locations"][0];
    assert_eq!(loc["physicalLocation"]["artifactLocation"]["uri"], "root/.cache/huggingface/token");
    assert_eq!(loc["physicalLocation"]["artifactLocation"]["uriBaseId"], "IMAGEROOT");
    assert_eq!(loc["physicalLocation"]["region"]["startLine"], 1);
    assert_eq!(loc["logicalLocations"][0]["name"], "layer 1");
    assert_eq!(loc["logicalLocations"][1]["fullyQualifiedName"], "layer 1:/root/.cache/huggingface/token");
    let suppressed = results.iter().find(|r| r["ruleId"] == "CVE-2023-44271").unwrap();
    assert_eq!(suppressed["suppressions"][0]["kind"], "external");
    let live = results.iter().find(|r| r["locations"][0]["logicalLocations"][0]["kind"] == "object").unwrap();
    assert!(live["locations"][0].get("physicalLocation").is_none());
}

#[test]
fn cyclonedx_vulnerabilities_and_vex() {
    let out = render_to_string(&sample::report(), Format::CycloneDx, &common::ctx()).unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["specVersion"], "1.6");
    assert_eq!(v["metadata"]["timestamp"], "2026-01-01T00:00:00Z");
    let comps = v["components"].as_array().unwrap();
    assert_eq!(comps.iter().filter(|c| c["type"] == "library").count(), 3);
    assert_eq!(comps.iter().filter(|c| c["type"] == "machine-learning-model").count(), 2);
    assert_eq!(comps.iter().filter(|c| c["type"] == "operating-system").count(), 1);
    let vulns = v["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 3);
    let pillow = vulns.iter().find(|x| x["id"] == "GHSA-3f63-hfp8-52jq").unwrap();
    assert_eq!(pillow["affects"][0]["ref"], "pkg:pypi/pillow@9.4.0");
    assert_eq!(pillow["ratings"][0]["method"], "CVSSv31");
    assert_eq!(pillow["recommendation"], "Upgrade pillow to 10.2.0.");
    let vexed = vulns.iter().find(|x| x["id"] == "CVE-2023-44271").unwrap();
    assert_eq!(vexed["analysis"]["state"], "not_affected");
    assert_eq!(vexed["analysis"]["justification"], "code_not_reachable");
    // Without a fixed time there is no timestamp, and the output is still stable.
    // (The renderer never reads the process environment, so this holds whatever SOURCE_DATE_EPOCH is.)
    let ctx = RenderContext::new(sample::RULES);
    let out = render_to_string(&sample::report(), Format::CycloneDx, &ctx).unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["metadata"].get("timestamp").is_none());
    let fixed = ctx.with_source_date_epoch(Some("1700000000"));
    let out = render_to_string(&sample::report(), Format::CycloneDx, &fixed).unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
}

#[test]
fn spdx_namespace_and_time() {
    let out = render_to_string(&sample::report(), Format::Spdx, &common::ctx()).unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["creationInfo"]["created"], "2026-01-01T00:00:00Z");
    let ns = v["documentNamespace"].as_str().unwrap();
    assert!(
        ns.starts_with("https://seawall.invalid/spdxdocs/image/registry.example-acme-ml-api-1.4-"),
        "{ns}"
    );
    let mut other = sample::report();
    other.target.digest = Some("sha256:ffff".into());
    let out2 = render_to_string(&other, Format::Spdx, &common::ctx()).unwrap();
    let v2: Value = serde_json::from_str(&out2).unwrap();
    assert_ne!(v2["documentNamespace"], v["documentNamespace"], "another digest, another namespace");
    let ids: Vec<&str> =
        v["packages"].as_array().unwrap().iter().map(|p| p["SPDXID"].as_str().unwrap()).collect();
    let mut dedup = ids.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(ids.len(), dedup.len(), "SPDXIDs must be unique");
    // Awkward report: duplicate purls still give unique ids (rendered without normalizing, the
    // duplicate `torch` stays two packages).
    let out = render_to_string(&common::awkward_report(), Format::Spdx, &common::ctx()).unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> =
        v["packages"].as_array().unwrap().iter().map(|p| p["SPDXID"].as_str().unwrap()).collect();
    let mut dedup = ids.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(ids.len(), dedup.len(), "SPDXIDs must be unique");
    // Normalized, identical entries merge: the two `left pad` (same purl, two paths) become one
    // package with both locations, the two `torch` one package.
    let mut normalized = common::awkward_report();
    normalized.normalize();
    assert_eq!(normalized.packages.len(), 3);
    let left_pad = normalized.packages.iter().find(|p| p.name == "left pad").unwrap();
    assert_eq!(left_pad.locations.len(), 2);
}

#[test]
fn markdown_escapes_and_limits() {
    let mut r = sample::report();
    for i in 0..15 {
        r.findings.push(
            Finding::new(
                FindingKind::Misconfiguration,
                format!("SW-T-{i:03}"),
                Severity::Low,
                4,
                "pipe | <b>bold</b>",
            )
            .with_location(Location::file(format!("f{i}"))),
        );
    }
    r.normalize();
    let out = render_to_string(&r, Format::Markdown, &common::ctx()).unwrap();
    assert!(out.contains("… and 12 more"), "{out}");
    assert!(!out.contains("<b>bold</b>"));
    assert!(out.contains("pipe \\| &lt;b&gt;bold&lt;/b&gt;"));
}

#[test]
fn html_is_self_contained_and_escaped() {
    let out = render_to_string(&common::awkward_report(), Format::Html, &common::ctx()).unwrap();
    assert!(!out.contains("<script src"), "no external scripts");
    assert!(!out.contains("<link"), "no external stylesheets");
    assert!(!out.contains("href=\"javascript:"), "only http(s) references become links");
    assert!(out.contains("torch &lt;&amp;&gt; issue"), "finding text is escaped");
    let out = render_to_string(&sample::report(), Format::Html, &common::ctx()).unwrap();
    for needle in [
        "id=\"summary\"",
        "id=\"layers\"",
        "id=\"models\"",
        "class=\"verdict-unsafe\"",
        "<svg",
        "Why it matters",
        "How to fix",
    ] {
        assert!(out.contains(needle), "missing {needle}");
    }
    assert_eq!(
        out.matches("<details class=\"f\"").count(),
        8,
        "one expandable block per finding (7 + 1 suppressed)"
    );
}

#[test]
fn empty_report_renders_everywhere() {
    let r = seawall_core::Report::new(seawall_core::Target::new(seawall_core::TargetKind::Filesystem, "."));
    for format in Format::ALL {
        let out =
            render_to_string(&r, format, &RenderContext::default().with_created(Some(common::fixed_time())))
                .unwrap();
        assert!(!out.is_empty(), "{format}");
    }
}

/// A report of realistic size (10,000 packages, 3,000 findings on a 40-layer image) renders in every
/// format; prints sizes and times (debug build) for the record.
#[test]
fn large_report_renders() {
    use seawall_core::{LayerInfo, Package, PackageRef};
    let mut r = sample::report();
    for i in 0..40u32 {
        r.target.layers.push(LayerInfo {
            index: 3 + i,
            diff_id: format!("sha256:{:064x}", i),
            digest: None,
            size: 1 << 20,
            created_by: Some(format!("RUN step {i}")),
        });
    }
    for i in 0..10_000u32 {
        let mut p = Package::new(
            format!("pkg-{i}"),
            "1.0.0",
            "PyPI",
            Location::file(format!("/site/{i}/METADATA")).with_layer(Some(3 + i % 40)),
        );
        p.purl = Some(format!("pkg:pypi/pkg-{i}@1.0.0"));
        r.packages.push(p);
    }
    for i in 0..3_000u32 {
        let mut f = Finding::new(
            FindingKind::Vulnerability,
            format!("GHSA-{i:04}"),
            Severity::ALL[(i % 5) as usize],
            7,
            "x",
        )
        .with_location(Location::file(format!("/site/{i}/METADATA")).with_layer(Some(3 + i % 40)));
        f.package =
            Some(PackageRef { name: format!("pkg-{i}"), version: "1.0.0".into(), ecosystem: "PyPI".into() });
        f.fixed_versions = vec!["2.0.0".into()];
        r.findings.push(f);
    }
    r.normalize();
    let base = sample::report();
    let ctx = common::ctx().with_baseline(Some(&base)).with_packages(true).with_width(Some(120));
    for format in Format::ALL {
        let t = std::time::Instant::now();
        let out = render_to_string(&r, format, &ctx).unwrap();
        eprintln!("{format}: {} bytes in {:?}", out.len(), t.elapsed());
        assert!(
            out.contains("GHSA-2999") || format == Format::Markdown || format == Format::Spdx,
            "{format}"
        );
    }
}

/// With `--baseline`, the policy moves old findings to `suppressed` (`suppressed_by = baseline`); the
/// delta must still count them as unchanged, not as fixed.
#[test]
fn delta_counts_baseline_suppressed_findings_as_unchanged() {
    let base = sample::baseline();
    let mut r = sample::report();
    let policy = seawall_policy::Policy {
        baseline: Some(seawall_policy::Baseline::from_report(&base)),
        ..Default::default()
    };
    seawall_policy::apply(&mut r, &policy, jiff::civil::date(2026, 1, 1));
    assert_eq!(r.findings.len(), 1, "only the new finding stays active");
    let out = render_to_string(&r, Format::Markdown, &common::ctx().with_baseline(Some(&base))).unwrap();
    assert!(out.contains("**Since the baseline:** 1 new · 1 fixed · 6 unchanged"), "{out}");
    let table = render_to_string(&r, Format::Table, &common::ctx()).unwrap();
    assert!(table.contains("7 suppressed (baseline 6, vex 1)"), "{table}");
}

/// A skipped scanner is not silently a clean result: Markdown says so, SARIF carries a notification.
#[test]
fn skipped_scanners_are_visible() {
    let mut r = sample::report();
    if let Some(s) = r.scanners.iter_mut().find(|s| s.name == seawall_core::Scanner::Vuln) {
        s.status = seawall_core::ScannerState::Skipped;
        s.message = Some("no vulnerability database (offline)".into());
    }
    let md = render_to_string(&r, Format::Markdown, &common::ctx()).unwrap();
    assert!(md.contains("The vuln scanner was skipped**: no vulnerability database (offline)"), "{md}");
    let sarif: Value =
        serde_json::from_str(&render_to_string(&r, Format::Sarif, &common::ctx()).unwrap()).unwrap();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert!(notes.iter().any(|n| n["descriptor"]["id"] == "scanner/vuln"));
    assert!(notes.iter().any(|n| n["message"]["text"] == "file larger than 4 GiB skipped"));
    // A skipped scanner and an unread file make the run incomplete: not a successful execution.
    assert_eq!(sarif["runs"][0]["invocations"][0]["executionSuccessful"], false);
    assert!(notes.iter().any(|n| n["descriptor"]["id"] == "seawall/incomplete" && n["level"] == "error"));
    let table = render_to_string(&r, Format::Table, &common::ctx()).unwrap();
    assert!(table.contains("scanner vuln skipped: no vulnerability database (offline)"));
    assert!(table.contains("INCOMPLETE SCAN"), "{table}");
    let html = render_to_string(&r, Format::Html, &common::ctx()).unwrap();
    assert!(html.contains("The <b>vuln</b> scanner was skipped: no vulnerability database (offline)"));
    assert!(html.contains("id=\"incomplete\""));
    assert!(md.contains("**INCOMPLETE SCAN**"), "{md}");
}

/// Regression (fail-open verdicts): an incomplete report is marked as such in every format, and a
/// complete one is not.
#[test]
fn incomplete_banner_in_every_format_only_when_incomplete() {
    let mut complete = sample::report();
    complete.warnings.clear();
    complete.normalize();
    assert!(complete.completeness.is_complete());
    let mut incomplete = complete.clone();
    incomplete.warnings.push(
        seawall_core::ScanWarning::general("source", "layer 1: sha256 of the blob does not match its digest")
            .with_kind(seawall_core::WarningKind::LayerDigestMismatch),
    );
    incomplete.normalize();
    assert!(!incomplete.completeness.is_complete());
    for (fmt, marker) in [
        (Format::Table, "INCOMPLETE SCAN"),
        (Format::Markdown, "INCOMPLETE SCAN"),
        (Format::Html, "id=\"incomplete\""),
        (Format::Sarif, "seawall/incomplete"),
        (Format::Json, "\"incomplete\""),
        (Format::CycloneDx, "seawall:incomplete:layer-digest-mismatch"),
        (Format::Spdx, "INCOMPLETE: not every input was read"),
    ] {
        let a = render_to_string(&complete, fmt, &common::ctx()).unwrap();
        let b = render_to_string(&incomplete, fmt, &common::ctx()).unwrap();
        assert!(!a.contains(marker), "{fmt:?} complete report carries {marker}");
        assert!(b.contains(marker), "{fmt:?} incomplete report lacks {marker}");
    }
    let sarif: Value =
        serde_json::from_str(&render_to_string(&complete, Format::Sarif, &common::ctx()).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["invocations"][0]["executionSuccessful"], true);
}

/// Absurd terminal widths must not panic.
#[test]
fn tiny_widths_do_not_panic() {
    for w in [0u16, 1, 5, 10, 20] {
        let out = render_to_string(
            &sample::report(),
            Format::Table,
            &common::ctx().with_width(Some(w)).with_packages(true),
        );
        assert!(out.is_ok(), "width {w}");
    }
}

/// The image purl seawall prints in its SBOMs is accepted as a VEX product identifying the image.
#[test]
fn sbom_image_purl_works_as_vex_product() {
    let cdx: Value = serde_json::from_str(
        &render_to_string(&sample::report(), Format::CycloneDx, &common::ctx()).unwrap(),
    )
    .unwrap();
    let purl = cdx["metadata"]["component"]["purl"].as_str().unwrap().to_string();
    assert!(purl.starts_with("pkg:oci/ml-api@sha256%3A4f2a"), "{purl}");
    let vex = serde_json::json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "vex-test",
        "statements": [{
            "vulnerability": {"name": "CVE-2023-50447"},
            "products": [{"@id": purl, "subcomponents": [{"@id": "pkg:pypi/pillow@9.4.0"}]}],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path"
        }]
    });
    let doc = seawall_policy::VexDocument::parse(&vex.to_string(), std::path::Path::new("v.json")).unwrap();
    let policy = seawall_policy::Policy { vex: vec![doc], ..Default::default() };
    let mut r = sample::report();
    seawall_policy::apply(&mut r, &policy, jiff::civil::date(2026, 1, 1));
    let s = r.suppressed.iter().find(|f| f.id == "GHSA-3f63-hfp8-52jq").expect("suppressed by VEX");
    assert_eq!(s.suppression.as_ref().map(|s| s.label()).as_deref(), Some("vex:vex-test"));
}

#[test]
fn table_marks_new_findings_against_a_baseline() {
    let base = sample::baseline();
    let out = render_to_string(&sample::report(), Format::Table, &common::ctx().with_baseline(Some(&base)))
        .unwrap();
    assert_eq!(out.matches("(new)").count(), 1, "{out}");
    assert!(out.contains("SW-DF-001 (new)"));
    assert!(out.contains("Since the baseline: 1 new · 1 fixed · 6 unchanged"));
    let plain = render_to_string(&sample::report(), Format::Table, &common::ctx()).unwrap();
    assert!(!plain.contains("(new)") && !plain.contains("Since the baseline"));
}
