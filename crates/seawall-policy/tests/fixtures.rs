//! The documented example files in `testdata/` parse, apply as described, and the OpenVEX example is
//! valid against the official OpenVEX schema (checked with Python `jsonschema` when it and
//! `../shared/data/schemas` are present).

use std::path::{Path, PathBuf};
use std::process::Command;

use seawall_core::{Finding, FindingKind, Location, PackageRef, Report, Severity, Target, TargetKind};
use seawall_policy::{Config, Policy, VexDocument, exit_code_with, parse_ignore_file};

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

fn vuln(id: &str, alias: &str, pkg: &str, version: &str, sev: Severity) -> Finding {
    let mut f = Finding::new(FindingKind::Vulnerability, id, sev, 7, "t")
        .with_location(Location::file("requirements.txt"));
    f.aliases = vec![alias.to_string()];
    f.package = Some(PackageRef { name: pkg.into(), version: version.into(), ecosystem: "PyPI".into() });
    f.fixed_versions = vec!["99".into()];
    f
}

fn report() -> Report {
    let mut t = Target::new(TargetKind::Image, "registry.example/acme/ml-api:1.4");
    t.digest = Some("sha256:4f2a9c7e1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8".into());
    let mut r = Report::new(t);
    r.findings = vec![
        vuln("GHSA-3f63-hfp8-52jq", "CVE-2023-50447", "pillow", "9.4.0", Severity::Critical),
        vuln("PYSEC-2023-246", "CVE-2023-47627", "aiohttp", "3.8.4", Severity::High),
        vuln("GHSA-j7hp-h8jx-5ppr", "CVE-2023-44271", "pillow", "9.4.0", Severity::High),
        Finding::new(FindingKind::Secret, "SW-SEC-001", Severity::Critical, 6, "token")
            .with_location(Location::file("notebooks/train.ipynb")),
        Finding::new(FindingKind::Misconfiguration, "SW-DF-008", Severity::Low, 2, "ADD")
            .with_location(Location::file("Dockerfile")),
        Finding::new(FindingKind::Misconfiguration, "SW-K8S-003", Severity::High, 4, "privileged")
            .with_location(Location::file("k8s/dev/pod.yaml")),
    ];
    r.normalize();
    r
}

#[test]
fn example_files_apply_as_documented() {
    let config = Config::load(&testdata("seawall.toml")).unwrap();
    let ignore_text = fs_err::read_to_string(testdata("seawallignore.example")).unwrap();
    let ignores = parse_ignore_file(&ignore_text, Path::new(".seawallignore")).unwrap();
    assert_eq!(ignores.len(), 4);
    let vex = VexDocument::load(&testdata("vex.openvex.json")).unwrap();
    let policy = Policy { config, ignores, vex: vec![vex], ..Policy::default() };

    let mut r = report();
    policy.apply(&mut r, jiff::civil::date(2026, 3, 1));
    let by = |id: &str| {
        r.suppressed.iter().find(|f| f.id == id).and_then(|f| f.suppression.as_ref()).map(|s| s.label())
    };
    // The ignore file names GHSA-3f63… first, so the ignore entry wins over the VEX statement.
    assert_eq!(by("GHSA-3f63-hfp8-52jq").as_deref(), Some("ignore:.seawallignore:6"));
    assert!(by("PYSEC-2023-246").unwrap().contains("ignore[0]"));
    assert_eq!(by("GHSA-j7hp-h8jx-5ppr").as_deref(), Some("vex:https://acme.example/vex/ml-api-2026-01"));
    assert_eq!(by("SW-SEC-001").as_deref(), Some("ignore:.seawallignore:7"));
    assert_eq!(by("SW-K8S-003").as_deref(), Some("ignore:.seawallignore:8"));
    assert!(!r.findings.iter().chain(&r.suppressed).any(|f| f.id == "SW-DF-008"), "disabled rule removed");
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(exit_code_with(&r, &policy.fail_on(None)), 0);

    // After the pillow ignore expires, the VEX statement takes over for the same finding.
    let mut r = report();
    policy.apply(&mut r, jiff::civil::date(2026, 7, 1));
    let s = r.suppressed.iter().find(|f| f.id == "GHSA-3f63-hfp8-52jq").unwrap();
    assert!(s.suppression.as_ref().is_some_and(|s| s.label().starts_with("vex:")));
    assert!(r.warnings.iter().any(|w| w.message.contains("expired on 2026-06-30")));
}

#[test]
fn vex_example_is_valid_openvex() {
    let schema = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/schemas/openvex_json_schema.json"
    ));
    if !schema.is_file() {
        eprintln!("skipped: OpenVEX schema absent");
        return;
    }
    let script = "import json,sys\ntry:\n import jsonschema\nexcept ImportError:\n sys.exit(3)\ns=json.load(open(sys.argv[1]))\nd=json.load(open(sys.argv[2]))\ncls=jsonschema.validators.validator_for(s)\ne=list(cls(s).iter_errors(d))\nprint(len(e),'errors',[x.message for x in e][:3])\nsys.exit(1 if e else 0)\n";
    let Ok(out) =
        Command::new("python3").arg("-c").arg(script).arg(schema).arg(testdata("vex.openvex.json")).output()
    else {
        eprintln!("skipped: no python3");
        return;
    };
    if out.status.code() == Some(3) {
        eprintln!("skipped: python jsonschema missing");
        return;
    }
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
