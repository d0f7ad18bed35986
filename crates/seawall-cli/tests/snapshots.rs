//! Snapshots of what a user sees (insta): `seawall --help`, `seawall scan --help`, the table of a scan
//! of the bundled example project, and two errors (an unknown `--format`, a path that does not exist).
//!
//! The snapshots live in `tests/snapshots/` and are compared, never written, in CI: a difference fails
//! the test (review changes with `cargo insta review`, or `INSTA_UPDATE=always` and read the diff).
//! Filters scrub what changes between runs and machines: the seawall version, temporary directories,
//! the checkout path and durations.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root (the checkout), for `examples/`.
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Runs seawall with a private home, cache and database and a fixed terminal width, no colours.
fn seawall(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seawall"))
        .args(args)
        .env("HOME", home)
        .env("SEAWALL_CACHE_DIR", home.join("cache"))
        .env("SEAWALL_DB", home.join("db/osv.db"))
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .env_remove("DOCKER_HOST")
        .env_remove("SOURCE_DATE_EPOCH")
        .current_dir(home)
        .output()
        .unwrap()
}

/// Exit code, stdout and stderr in one text.
fn shown(out: &Output) -> String {
    format!(
        "exit code: {:?}\n----- stdout -----\n{}----- stderr -----\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Asserts a snapshot with the run-specific parts scrubbed.
macro_rules! snapshot {
    ($name:expr, $value:expr, $home:expr) => {{
        let home = $home.canonicalize().unwrap();
        let repo = repo();
        let filters = vec![
            (regex_lit(&home.display().to_string()), "[HOME]".to_string()),
            (regex_lit(&$home.display().to_string()), "[HOME]".to_string()),
            (regex_lit(&repo.display().to_string()), "[REPO]".to_string()),
            (format!(r"seawall {}", regex_lit(env!("CARGO_PKG_VERSION"))), "seawall [VERSION]".to_string()),
            (r"\b\d+(\.\d+)? ?(ms|s|µs)\b".to_string(), "[DURATION]".to_string()),
        ];
        let filters: Vec<(&str, &str)> = filters.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        insta::with_settings!({
            snapshot_path => "snapshots",
            prepend_module_to_snapshot => false,
            filters => filters,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    }};
}

/// `s` as a regular expression matching it literally.
fn regex_lit(s: &str) -> String {
    s.chars()
        .map(
            |c| {
                if c.is_ascii_alphanumeric() || c == '/' || c == '_' {
                    c.to_string()
                } else {
                    format!("\\{c}")
                }
            },
        )
        .collect()
}

#[test]
fn help() {
    let home = tempfile::tempdir().unwrap();
    let out = seawall(&["--help"], home.path());
    assert_eq!(out.status.code(), Some(0));
    snapshot!("help", shown(&out), home.path());
}

#[test]
fn scan_help() {
    let home = tempfile::tempdir().unwrap();
    let out = seawall(&["scan", "--help"], home.path());
    assert_eq!(out.status.code(), Some(0));
    snapshot!("scan_help", shown(&out), home.path());
}

#[test]
fn scan_fs_table_of_the_example_project() {
    let home = tempfile::tempdir().unwrap();
    let repo = repo();
    let project = repo.join("examples/ml-service");
    let osv = repo.join("examples/osv");
    let out = seawall(
        &[
            "scan",
            "fs",
            project.to_str().unwrap(),
            "--db-source",
            osv.to_str().unwrap(),
            "--format",
            "table",
            "--quiet",
        ],
        home.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    snapshot!("scan_fs_table", shown(&out), home.path());
}

#[test]
fn error_unknown_format() {
    let home = tempfile::tempdir().unwrap();
    let out = seawall(&["scan", "fs", ".", "--format", "xml"], home.path());
    assert_eq!(out.status.code(), Some(2));
    snapshot!("error_unknown_format", shown(&out), home.path());
}

#[test]
fn error_nonexistent_path() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("does-not-exist");
    let out = seawall(&["scan", "fs", missing.to_str().unwrap()], home.path());
    assert_eq!(out.status.code(), Some(2));
    snapshot!("error_nonexistent_path", shown(&out), home.path());
}
