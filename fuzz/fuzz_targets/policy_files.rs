//! Policy inputs: .seawallignore, seawall.toml, OpenVEX.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let p = std::path::Path::new("fuzz");
    let _ = seawall_policy::parse_ignore_file(&s, p);
    let _ = seawall_policy::Config::parse(&s, p);
    let _ = seawall_policy::VexDocument::parse(&s, p);
});
