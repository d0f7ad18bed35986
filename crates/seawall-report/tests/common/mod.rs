//! Fixtures shared by the integration tests.
#![allow(dead_code, reason = "shared by several test binaries, each of which uses a part")]
#![expect(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use seawall_core::{
    Cvss, Finding, FindingKind, Location, ModelFile, Package, PackageRef, Report, Severity, Target,
    TargetKind,
};
use std::path::{Path, PathBuf};
use std::process::Command;

use seawall_report::{Format, RenderContext, render_to_string};

/// A fixed creation time so that SBOM output does not depend on the clock or the environment.
pub(crate) fn fixed_time() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_767_225_600).unwrap() // 2026-01-01T00:00:00Z
}

pub(crate) fn ctx<'a>() -> RenderContext<'a> {
    RenderContext::new(seawall_report::sample::RULES).with_created(Some(fixed_time()))
}

/// A filesystem report full of awkward values: no digest, duplicate purls, empty versions, odd
/// characters, findings without paths or packages.
pub(crate) fn awkward_report() -> Report {
    let mut r = Report::new(Target::new(TargetKind::Filesystem, "./my project/ü"));
    r.tool.version = "0.0.0-test".into();
    let mut a = Package::new("left pad", "", "npm", Location::file("node_modules/left pad/package.json"));
    a.purl = Some("pkg:npm/left%20pad".into());
    let mut b = a.clone();
    b.locations = vec![Location::file("other/node_modules/left pad/package.json")];
    let c = Package::new("weird@name/x", "1.0+local", "Go", Location::file("bin/app"))
        .with_property("license", "MIT OR Apache-2.0");
    let d = Package::new("torch", "2.1.0+cu121", "PyPI", Location::file("req.txt").with_line(3));
    // `d` twice: the same package recorded by two analyzers must be one SBOM component.
    r.packages = vec![a, b, c, d.clone(), d];
    r.models = vec![ModelFile {
        location: Location::file("models/m.pt").with_member("archive/data.pkl"),
        format: "pytorch-zip".into(),
        framework: Some("pytorch".into()),
        size: 0,
        verdict: seawall_core::ModelVerdict::Suspicious,
    }];
    let mut v =
        Finding::new(FindingKind::Vulnerability, "CVE-2099-0001", Severity::Medium, 7, "no package known");
    v.cvss = vec![Cvss {
        version: "4.0".into(),
        vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
        score: 9.3,
    }];
    let mut w =
        Finding::new(FindingKind::Vulnerability, "GHSA-xxxx-yyyy-zzzz", Severity::High, 7, "torch <&> issue")
            .with_location(Location::file("req.txt").with_line(3).with_column(0));
    w.package =
        Some(PackageRef { name: "torch".into(), version: "2.1.0+cu121".into(), ecosystem: "PyPI".into() });
    w.fixed_versions = vec!["2.2.0".into()];
    w.references = vec!["javascript:alert(1)".into(), "https://example.org/a b".into()];
    let empty = Finding::new(FindingKind::Misconfiguration, "SW-X-1", Severity::Info, 9, "daemon setting");
    let hist = Finding::new(FindingKind::Secret, "SW-SEC-002", Severity::High, 6, "token in build arg")
        .with_location(Location::file("history[3]"));
    let mut ign = Finding::new(FindingKind::Vulnerability, "CVE-2099-0002", Severity::Low, 7, "ignored")
        .with_location(Location::file("req.txt"));
    ign.package = w.package.clone();
    ign.details.insert("suppressed_by".into(), "ignore:.seawallignore:1".into());
    ign.details.insert("suppressed_reason".into(), "test fixture".into());
    let mut vexed = ign.clone();
    vexed.id = "CVE-2099-0003".into();
    vexed.details.insert("suppressed_by".into(), "vex:doc".into());
    vexed.details.insert("suppressed_reason".into(), "fixed: fixed".into());
    r.findings = vec![v, w, empty, hist];
    r.suppressed = vec![ign, vexed];
    r.normalize();
    r
}

pub(crate) fn schema_dir() -> Option<PathBuf> {
    let d = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/schemas"));
    d.join("sarif-schema-2.1.0.json").is_file().then(|| d.to_path_buf())
}

/// Returns `None` when validation cannot run (and says why), else the validator's output and success.
pub(crate) fn validate(kind: &str, report: &Report, format: Format, name: &str) -> Option<(bool, String)> {
    let Some(dir) = schema_dir() else {
        eprintln!("skipped: ../shared/data/schemas absent");
        return None;
    };
    let out = render_to_string(report, format, &ctx()).unwrap();
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("seawall-report-{name}.{kind}.json"));
    fs_err::write(&file, out).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/validate_schema.py");
    let res = match Command::new("python3").arg(script).arg(&dir).arg(kind).arg(&file).output() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("skipped: python3 not available: {e}");
            return None;
        }
    };
    let text = String::from_utf8_lossy(&res.stdout).into_owned() + &String::from_utf8_lossy(&res.stderr);
    if res.status.code() == Some(3) {
        eprintln!("skipped: {text}");
        return None;
    }
    eprintln!("{kind} {name}: {text}");
    Some((res.status.success(), text))
}
