//! Model-file analysis: npy.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = seawall_model::fuzz::npy(data);
});
