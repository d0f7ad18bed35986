//! The osv-scalibr version-comparison fixtures: a checked-in subset (always) and the full set in
//! `../shared/data/versions/` (when present).

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use seawall_version::compare;

/// (fixture file, ecosystems it is run against)
const FILES: &[(&str, &[&str])] = &[
    ("semver-versions.txt", &["npm", "crates.io", "Go", "Hex"]),
    ("pypi-versions.txt", &["PyPI"]),
    ("pypi-versions-generated.txt", &["PyPI"]),
    ("debian-versions.txt", &["Debian", "Ubuntu:22.04"]),
    ("debian-versions-generated.txt", &["Debian"]),
    ("alpine-versions.txt", &["Alpine", "Alpine:v3.19"]),
    ("alpine-versions-generated.txt", &["Alpine"]),
    ("maven-versions.txt", &["Maven"]),
    ("maven-versions-generated.txt", &["Maven"]),
    ("redhat-versions.txt", &["Red Hat"]),
];

fn shared_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/versions"))
}

fn local_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata"))
}

/// Runs one fixture file with the upstream line rules; returns (checked lines, failures).
fn run_file(path: &Path, ecosystem: &str) -> (usize, Vec<String>) {
    let text = match fs_err::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return (0, vec![format!("cannot read {}: {e}", path.display())]),
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with("# ") || line.starts_with("// ") {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        let [a, op, b] = parts.as_slice() else {
            failures.push(format!("{}:{}: malformed line {line:?}", path.display(), n + 1));
            continue;
        };
        let expected = match *op {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            _ => {
                failures.push(format!("{}:{}: bad operator {line:?}", path.display(), n + 1));
                continue;
            }
        };
        checked += 1;
        let fwd = compare(ecosystem, a, b);
        let rev = compare(ecosystem, b, a);
        if fwd != Some(expected) || rev != Some(expected.reverse()) {
            failures.push(format!(
                "{}:{} [{ecosystem}] {line}: got {fwd:?} / reverse {rev:?}",
                path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
                n + 1
            ));
        }
    }
    (checked, failures)
}

fn run_dir(dir: &Path, required: bool) -> usize {
    let mut total = 0;
    let mut failures = Vec::new();
    for (file, ecosystems) in FILES {
        let path = dir.join(file);
        if !path.exists() {
            assert!(!required, "missing checked-in fixture {}", path.display());
            continue;
        }
        for eco in *ecosystems {
            let (n, f) = run_file(&path, eco);
            total += n;
            failures.extend(f);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} fixture comparisons failed:\n{}",
        failures.len(),
        failures.iter().take(60).cloned().collect::<Vec<_>>().join("\n")
    );
    total
}

#[test]
fn checked_in_fixtures_pass() {
    let n = run_dir(&local_dir(), true);
    assert!(n > 300, "only {n} checked-in comparisons");
}

#[test]
fn shared_fixtures_pass() {
    let dir = shared_dir();
    if !dir.is_dir() {
        eprintln!("skipping: {} not present", dir.display());
        return;
    }
    let n = run_dir(&dir, false);
    assert!(n >= 57_812, "only {n} shared comparisons ran");
    eprintln!("{n} shared fixture comparisons passed");
}
