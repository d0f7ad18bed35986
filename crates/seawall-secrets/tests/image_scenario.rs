//! The acceptance scenario of issue 4: a token written in layer 2 and deleted in layer 3, another passed
//! as a build argument, another in `ENV` — all three found, with layers. (Applying the layer-3 whiteout
//! and setting `deleted_in_layer` is the walker's job; the analyzer must report the layer-2 file with its
//! layer so that the walker can do so.)

use seawall_analyzer::{EntryMeta, Facts, FileAnalyzer, ImageAnalyzer, ImageView, Interest};
use seawall_core::{HistoryEntry, ImageConfig, Target, TargetKind};
use seawall_secrets::{ImageConfigSecretsAnalyzer, SecretsAnalyzer};

fn hf(tail: &str) -> String {
    format!("hf_{tail}")
}

#[test]
fn three_tokens_three_places() {
    let in_file = hf("QmVtWcLdXyPaZrKsNbUjHgFeDiCoBqLxTp");
    let build_arg = hf("ZtLpQwErTyUiOpAsDfGhJkLzXcVbNmQwEr");
    let in_env = hf("MnBvCxZlKjHgFdSaPoIuYtReWqAsDfGhJk");

    // Layer 2 writes /root/.cache/huggingface/token; layer 3 deletes it (whiteout handled by the walker).
    let a = SecretsAnalyzer::new();
    let meta = EntryMeta::file("/root/.cache/huggingface/token", in_file.len() as u64, Some(2));
    assert_eq!(a.required(&meta), Interest::Yes);
    let mut facts = Facts::default();
    a.analyze(&meta, &mut in_file.as_bytes(), &mut facts).unwrap();

    let cfg = ImageConfig {
        env: vec!["PATH=/usr/bin".into(), format!("HF_TOKEN={in_env}")],
        history: vec![
            HistoryEntry { created_by: "ADD rootfs.tar.xz /".into(), ..Default::default() },
            HistoryEntry {
                created_by: format!("ENV HF_TOKEN={in_env}"),
                empty_layer: true,
                ..Default::default()
            },
            HistoryEntry { created_by: "ARG HF_BUILD_TOKEN".into(), empty_layer: true, ..Default::default() },
            HistoryEntry {
                created_by: format!(
                    "RUN |1 HF_BUILD_TOKEN={build_arg} /bin/sh -c huggingface-cli download org/m"
                ),
                ..Default::default()
            },
            HistoryEntry {
                created_by: "RUN /bin/sh -c rm /root/.cache/huggingface/token".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let target = Target::new(TargetKind::Image, "example/app:1");
    let view = ImageView { target: &target, config: Some(&cfg), os: None, files: &[], packages: &[] };
    ImageConfigSecretsAnalyzer.analyze(&view, &mut facts).unwrap();

    let got: Vec<(&str, &str, Option<u32>)> =
        facts.findings.iter().map(|f| (f.location.path.as_str(), f.id.as_str(), f.location.layer)).collect();
    assert_eq!(
        got,
        vec![
            ("/root/.cache/huggingface/token", "SW-SEC-001", Some(2)),
            ("config.env", "SW-SEC-001", None),
            ("history[3]", "SW-SEC-001", Some(1)),
        ]
    );
    // Redacted everywhere, distinct fingerprints.
    for f in &facts.findings {
        let dbg = format!("{f:?}");
        for s in [&in_file, &build_arg, &in_env] {
            assert!(!dbg.contains(s.as_str()));
        }
    }
    let mut fps: Vec<_> = facts.findings.iter().map(|f| f.fingerprint.clone()).collect();
    fps.dedup();
    assert_eq!(fps.len(), 3);
}
