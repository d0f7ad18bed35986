//! Acceptance over the shared model corpus (`../shared/data/models/manifest.csv`); skips when absent.

use std::path::{Path, PathBuf};

use seawall_core::Severity;

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/models"));
    p.join("manifest.csv").is_file().then_some(p)
}

/// Splits one CSV line (quoted fields with doubled quotes).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut q = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, q) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => q = !q,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[test]
fn manifest_verdicts() {
    let Some(root) = corpus() else {
        eprintln!("shared model corpus absent: skipped");
        return;
    };
    let manifest = fs_err::read_to_string(root.join("manifest.csv")).unwrap();
    let (mut mal, mut mal_ok, mut ben, mut ben_ok) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f = csv_fields(line);
        let (path, expected, class) = (&f[0], &f[2], &f[3]);
        let out = seawall_model::scan_path(&root.join(Path::new(path)));
        let max = out.max_severity();
        let high = max.is_some_and(|s| s >= Severity::High);
        let summary: Vec<String> = out
            .findings
            .iter()
            .map(|x| format!("{} {:?} {:?} {}", x.id, x.severity, x.callables, x.message))
            .collect();
        if expected == "malicious" {
            mal += 1;
            if high {
                mal_ok += 1;
            } else {
                failures.push(format!("MISSED {path} ({class}): {summary:?}"));
            }
            assert!(!out.models.is_empty(), "{path}: no model inventory entry");
        } else {
            ben += 1;
            if high {
                failures.push(format!("FALSE POSITIVE {path}: {summary:?}"));
            } else {
                ben_ok += 1;
            }
            if class == "torch_full_module_custom_class" {
                assert!(max <= Some(Severity::Medium));
            }
            assert!(!out.models.is_empty(), "{path}: no model inventory entry");
        }
    }
    eprintln!("malicious detected {mal_ok}/{mal}, benign clean {ben_ok}/{ben}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(mal > 100 && ben > 20);
}
