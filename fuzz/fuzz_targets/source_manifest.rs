//! OCI / Docker manifests and indexes, docker save manifest.json.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = seawall_source::parse_manifest_bytes(data);
    let _ = seawall_source::parse_docker_manifest_bytes(data);
});
