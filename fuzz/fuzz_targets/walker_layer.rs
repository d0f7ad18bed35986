//! Any byte string as a layer blob: the walker must end with facts and warnings, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let walker = seawall_walker::Walker::new(Vec::new(), Default::default());
    let _ = walker.walk_layer(0, &mut &data[..]);
});
