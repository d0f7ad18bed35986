//! Configuration checks: Helm chart values fallback.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    seawall_config::fuzz::helm_values(data);
});
