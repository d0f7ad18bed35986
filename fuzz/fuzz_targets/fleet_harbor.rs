//! Harbor scanner-adapter request parsers: scan-request JSON, registry URL, robot credentials,
//! report negotiation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    seawall_server::harbor::fuzz_harbor(data);
});
