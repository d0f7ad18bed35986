//! Property tests: every parser and the archive openers never panic on arbitrary input.

use proptest::prelude::*;

use crate::testutil::Files;
use crate::{ImageRef, SourceOptions, open, parse_docker_manifest_bytes, parse_manifest_bytes};

/// JSON-looking strings that reach deeper into the parsers than random bytes.
fn jsonish() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,300}",
        r#"\{"schemaVersion":[0-9],"(manifests|layers|config)":\[\{"digest":"sha256:[0-9a-f]{0,64}","size":[0-9]{1,3},"mediaType":"[a-z/.+]{0,40}"\}\]\}"#,
        r#"\[\{"Config":"[a-z0-9./]{0,20}","Layers":\["[a-z0-9./]{0,20}"\]\}\]"#,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn manifest_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512), s in jsonish()) {
        let _ = parse_manifest_bytes(&bytes);
        let _ = parse_manifest_bytes(s.as_bytes());
    }

    #[test]
    fn docker_manifest_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512), s in jsonish()) {
        let _ = parse_docker_manifest_bytes(&bytes);
        let _ = parse_docker_manifest_bytes(s.as_bytes());
    }

    #[test]
    fn reference_parser_never_panics(s in ".{0,120}") {
        let _ = ImageRef::parse(&format!("/nonexistent-seawall/{s}"));
        if !std::path::Path::new(&s).exists() {
            let _ = ImageRef::parse(&s);
        }
    }

    #[test]
    fn engine_legacy_json_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256), s in jsonish()) {
        let chains = vec![format!("sha256:{}", "a".repeat(64))];
        let _ = crate::savestream::legacy_index_for_fuzz(&bytes, &chains);
        let _ = crate::savestream::legacy_index_for_fuzz(s.as_bytes(), &chains);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Archives with arbitrary `manifest.json` / `index.json` / config members open with an error or
    /// succeed, never panic.
    #[test]
    fn archives_with_arbitrary_documents_never_panic(manifest in jsonish(), index in jsonish(), cfg in jsonish()) {
        let dir = tempfile::tempdir().unwrap();
        let mut f = Files::default();
        f.add("manifest.json", manifest.into_bytes());
        f.add("index.json", index.into_bytes());
        f.add("oci-layout", b"{}".to_vec());
        f.add("cfg.json", cfg.into_bytes());
        let path = dir.path().join("x.tar");
        fs_err::write(&path, f.to_tar()).unwrap();
        let p = path.display().to_string();
        for r in [format!("docker-archive:{p}"), format!("oci-archive:{p}"), p.clone()] {
            if let Ok(src) = open(&r, &SourceOptions::default()) {
                for l in &src.meta().layers {
                    let _ = src.open_layer(l.index);
                }
            }
        }
        f.write_dir(dir.path());
        let _ = open(&format!("oci:{}", dir.path().display()), &SourceOptions::default());
    }
}

#[test]
fn oversized_index_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = vec![b' '; usize::try_from(crate::manifest::MAX_MANIFEST_SIZE).unwrap() + 10];
    fs_err::write(dir.path().join("index.json"), big).unwrap();
    let err = open(&format!("oci:{}", dir.path().display()), &SourceOptions::default()).err().unwrap();
    assert!(matches!(err, crate::SourceError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("index.json"), "{err}");
}
