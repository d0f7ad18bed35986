//! GNU sparse maps: the 1.0 map at the start of an entry's data, PAX records (0.0 offset/numbytes
//! pairs, 0.1 `GNU.sparse.map`) and their validation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    seawall_walker::sparse::fuzz_sparse(data);
});
