//! Model-file analysis: hdf5.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = seawall_model::fuzz::hdf5(data);
});
