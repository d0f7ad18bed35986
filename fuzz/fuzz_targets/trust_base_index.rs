//! The base-image index file and attribution over it.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(idx) = std::str::from_utf8(data).map(seawall_trust::lineage::parse_index) {
        if let Ok(idx) = idx {
            let _ = idx.attribute(&["sha256:a".to_string(), "sha256:b".to_string()]);
        }
    }
});
