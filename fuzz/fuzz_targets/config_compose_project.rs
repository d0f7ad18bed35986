//! Configuration checks: compose project merge (overrides, include, extends, .env).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    seawall_config::fuzz::compose_project(data);
});
