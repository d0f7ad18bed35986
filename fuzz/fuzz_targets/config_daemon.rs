//! Configuration checks: daemon.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    seawall_config::fuzz::daemon(data);
    seawall_config::fuzz::accounts(data);
    seawall_config::fuzz::build_context(data);
});
