//! A layer-cache entry file (whoever can write the cache directory controls its bytes): decoding
//! must end in a walk or a miss, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = seawall_walker::decode_cache_entry("0000000000000000000000000000000000000000000000000000000000000000", data);
});
