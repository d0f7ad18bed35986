//! Sigstore trusted_root.json documents.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = seawall_trust::TrustRoot::from_json_str(s, seawall_trust::RootOrigin::Embedded);
    }
});
