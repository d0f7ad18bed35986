//! Configuration checks: dockerfile.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    seawall_config::fuzz::dockerfile(data);
});
