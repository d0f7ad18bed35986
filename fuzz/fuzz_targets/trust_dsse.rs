//! DSSE envelopes as cosign stores them in `.att` layers.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = seawall_trust::cosign::parse_envelope(data);
});
