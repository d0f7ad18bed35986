//! cosign simple-signing payloads.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = seawall_trust::cosign::parse_simple_signing(data);
});
