//! SARIF 2.1.0, CycloneDX 1.6 and SPDX 2.3 outputs validated against the official schemas with an
//! independent validator (Python `jsonschema`). Skips when the schemas, python3 or jsonschema are absent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use seawall_core::Report;
use seawall_report::{Format, render_to_string};

fn schema_dir() -> Option<PathBuf> {
    let d = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/schemas"
    ));
    d.join("sarif-schema-2.1.0.json")
        .is_file()
        .then(|| d.to_path_buf())
}

/// Returns `None` when validation cannot run (and says why), else the validator's output and success.
fn validate(kind: &str, report: &Report, format: Format, name: &str) -> Option<(bool, String)> {
    let Some(dir) = schema_dir() else {
        eprintln!("skipped: ../shared/data/schemas absent");
        return None;
    };
    let out = render_to_string(report, format, &common::ctx()).unwrap();
    let file =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("seawall-report-{name}.{kind}.json"));
    std::fs::write(&file, out).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/validate_schema.py");
    let res = match Command::new("python3")
        .arg(script)
        .arg(&dir)
        .arg(kind)
        .arg(&file)
        .output()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("skipped: python3 not available: {e}");
            return None;
        }
    };
    let text =
        String::from_utf8_lossy(&res.stdout).into_owned() + &String::from_utf8_lossy(&res.stderr);
    if res.status.code() == Some(3) {
        eprintln!("skipped: {text}");
        return None;
    }
    eprintln!("{kind} {name}: {text}");
    Some((res.status.success(), text))
}

fn check(kind: &str, format: Format) {
    for (name, report) in [
        ("sample", seawall_report::sample::report()),
        ("awkward", common::awkward_report()),
    ] {
        if let Some((ok, text)) = validate(kind, &report, format, name) {
            assert!(
                ok,
                "{kind} output of the {name} report is not schema-valid:\n{text}"
            );
            assert!(text.starts_with("0 errors"), "{text}");
        }
    }
}

#[test]
fn sarif_is_valid() {
    check("sarif", Format::Sarif);
}

#[test]
fn cyclonedx_is_valid() {
    check("cyclonedx", Format::CycloneDx);
}

#[test]
fn spdx_is_valid() {
    check("spdx", Format::Spdx);
}

/// The validator itself must reject a broken document, or the tests above prove nothing.
#[test]
fn validator_rejects_invalid_documents() {
    let Some(dir) = schema_dir() else { return };
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("seawall-report-broken.json");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/validate_schema.py");
    for (kind, doc) in [
        ("sarif", r#"{"version":"2.1.0","runs":[{"tool":{}}]}"#),
        (
            "cyclonedx",
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"nope"}"#,
        ),
        (
            "spdx",
            r#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT"}"#,
        ),
    ] {
        std::fs::write(&file, doc).unwrap();
        let Ok(res) = Command::new("python3")
            .arg(script)
            .arg(&dir)
            .arg(kind)
            .arg(&file)
            .output()
        else {
            return;
        };
        if res.status.code() == Some(3) {
            return;
        }
        assert_eq!(
            res.status.code(),
            Some(1),
            "{kind}: {}",
            String::from_utf8_lossy(&res.stdout)
        );
    }
}
