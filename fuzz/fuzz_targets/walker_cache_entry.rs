//! A layer-cache entry file (whoever can write the cache directory controls its bytes): decoding
//! must end in a walk or a miss, never a panic. The input is tried twice: as a whole entry file
//! (magic, key, digest lines and body), and as a body framed with a valid header and content digest,
//! so that the fuzzer also reaches the JSON body decoder behind the digest check.
#![no_main]
use libfuzzer_sys::fuzz_target;

const KEY: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fuzz_target!(|data: &[u8]| {
    let _ = seawall_walker::decode_cache_entry(KEY, data);
    let _ = seawall_walker::decode_framed_cache_body(KEY, data);
});
