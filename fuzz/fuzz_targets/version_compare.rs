//! Version parsing and ordering of every engine.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    seawall_version::fuzz_compare(data);
});
