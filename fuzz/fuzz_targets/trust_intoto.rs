//! in-toto statements and SLSA v0.2/v1 provenance extraction and policy checks.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(st) = seawall_trust::intoto::parse_statement(data) {
        let _ = st.sha256_subjects();
        if let Some(p) = seawall_trust::intoto::provenance(&st) {
            let policy = seawall_trust::intoto::ProvenancePolicy {
                required: true,
                builders: vec!["https://github.com/*".into()],
                source_repositories: vec!["https://github.com/acme/*".into()],
                build_types: vec!["x".into()],
            };
            let _ = policy.check(&p);
        }
    }
});
