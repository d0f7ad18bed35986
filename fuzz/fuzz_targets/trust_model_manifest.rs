//! OpenSSF model-signing statements (the manifest of a signed model).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = seawall_trust::model::parse_manifest(data);
});
