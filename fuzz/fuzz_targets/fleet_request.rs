//! Fleet API request parsers: image references, digests, version ranges, filters, cursors, keys,
//! scan-request JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    seawall_server::validate::fuzz_request(data);
});
