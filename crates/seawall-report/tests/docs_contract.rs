//! `docs/json-output.md` documents every field of the JSON report: each key that occurs in the JSON
//! of the sample reports (which fill every optional field) must appear in the document as `` `key` ``.
//! When seawall-core grows a field, this test names it until the document is updated.

mod common;

use std::collections::BTreeSet;

use seawall_report::{Format, render_to_string, sample};
use serde_json::Value;

/// Keys of maps whose keys are data, not schema (`properties`, `details`).
const DATA_MAPS: [&str; 2] = ["properties", "details"];

fn collect(v: &Value, keys: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                keys.insert(k.clone());
                if !DATA_MAPS.contains(&k.as_str()) {
                    collect(x, keys);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, keys)),
        _ => {}
    }
}

#[test]
fn every_json_field_is_documented() {
    let doc =
        fs_err::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/json-output.md")).unwrap();
    let mut keys = BTreeSet::new();
    for r in [sample::report(), common::awkward_report()] {
        let out = render_to_string(&r, Format::Json, &common::ctx()).unwrap();
        collect(&serde_json::from_str(&out).unwrap(), &mut keys);
    }
    assert!(keys.len() > 40, "the sample should exercise most fields, got {}", keys.len());
    let missing: Vec<&String> = keys.iter().filter(|k| !doc.contains(&format!("`{k}`"))).collect();
    assert!(missing.is_empty(), "fields missing from docs/json-output.md: {missing:?}");
}
