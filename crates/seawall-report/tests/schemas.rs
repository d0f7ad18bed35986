//! SARIF 2.1.0, CycloneDX 1.6 and SPDX 2.3 outputs validated against the official schemas with an
//! independent validator (Python `jsonschema`). Skips when the schemas, python3 or jsonschema are absent.

mod common;

use std::path::Path;
use std::process::Command;

use common::{schema_dir, validate};
use seawall_report::Format;

fn check(kind: &str, format: Format) {
    for (name, report) in
        [("sample", seawall_report::sample::report()), ("awkward", common::awkward_report())]
    {
        if let Some((ok, text)) = validate(kind, &report, format, name) {
            assert!(ok, "{kind} output of the {name} report is not schema-valid:\n{text}");
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
        ("cyclonedx", r#"{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"nope"}"#),
        ("spdx", r#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT"}"#),
    ] {
        fs_err::write(&file, doc).unwrap();
        let Ok(res) = Command::new("python3").arg(script).arg(&dir).arg(kind).arg(&file).output() else {
            return;
        };
        if res.status.code() == Some(3) {
            return;
        }
        assert_eq!(res.status.code(), Some(1), "{kind}: {}", String::from_utf8_lossy(&res.stdout));
    }
}
