//! The distribution registry's notification envelope (`POST /api/v1/registry-events`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    seawall_server::events::fuzz_events(data);
});
