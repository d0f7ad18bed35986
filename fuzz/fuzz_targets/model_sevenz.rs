//! Model-file analysis: 7z archives (held in memory, members scanned recursively).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = seawall_model::fuzz::sevenz(data);
});
