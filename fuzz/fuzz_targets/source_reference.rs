//! Image references and registry auth challenges.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = seawall_source::ImageRef::parse(&s);
    let _ = seawall_source::parse_www_authenticate(&s);
});
