//! Benign real checkpoints generated with scikit-learn / joblib / numpy (`testdata/generate.py`):
//! every file is recognised as a model and none has any finding.

use seawall_core::ModelVerdict;
use std::path::Path;

#[test]
fn benign_fixtures_have_no_findings() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/benign"));
    let out = seawall_model::scan_path(dir);
    let files = fs_err::read_dir(dir).unwrap().count();
    assert!(files >= 50, "fixtures missing: {files}");
    // one entry per file: the file itself, or the decompressed stream of a compressed file
    let top_level: Vec<_> = out
        .models
        .iter()
        .filter(|m| m.location.member.as_deref().is_none_or(|x| x.starts_with('(')))
        .collect();
    assert!(top_level.len() >= files, "{} models for {files} files", top_level.len());
    let msgs: Vec<String> =
        out.findings.iter().map(|f| format!("{} {} {}", f.location.path, f.id, f.message)).collect();
    assert!(out.findings.is_empty(), "{msgs:#?}");
    assert!(out.models.iter().all(|m| m.verdict == ModelVerdict::Safe));
    assert!(out.models.iter().any(|m| m.format == "joblib"));
}
