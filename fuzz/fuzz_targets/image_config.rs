//! Image configuration blobs (OCI and Docker).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = seawall_core::ImageConfig::from_json(data);
});
