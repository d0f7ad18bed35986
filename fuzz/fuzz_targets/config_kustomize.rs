//! Configuration checks: kustomize builds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    seawall_config::fuzz::kustomize(data);
});
