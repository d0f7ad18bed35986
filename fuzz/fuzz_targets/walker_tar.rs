//! Any byte string as an uncompressed layer tar, every entry's content read (sparse files expanded):
//! the Go-compatible tar reader must end with entries or an error, never a panic or an unbounded read.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = seawall_walker::list_tar(data, 16 << 20);
});
