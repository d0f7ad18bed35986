//! OSV records (JSON and YAML) and range evaluation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    seawall_vulndb::fuzz_record(data);
    let _ = seawall_vulndb::parse_records("fuzz.json", data);
});
