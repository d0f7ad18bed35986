//! Sigstore bundle JSON (v0.1–v0.3), parsed and verified against an empty signer set (never panics).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = seawall_trust::parse_bundle(s);
        if let Ok(root) = seawall_trust::TrustRoot::embedded() {
            let _ = seawall_trust::verify_bundle(s, seawall_trust::Subject::Bytes(b"x"), &Default::default(), &root);
        }
    }
});
