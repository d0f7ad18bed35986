//! The fail-closed contract at the command line: an incomplete scan fails `--fail-on` with an
//! `INCOMPLETE:` line unless `--allow-incomplete`; a corrupt database is an error naming the file.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use std::path::Path;
use std::process::{Command, Output};

fn seawall(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seawall"))
        .args(args)
        .env("HOME", home)
        .env("SEAWALL_CACHE_DIR", home.join("cache"))
        .env("SEAWALL_DB", home.join("db/osv.db"))
        .env_remove("DOCKER_HOST")
        .output()
        .expect("run seawall")
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A pickle that ends before its STOP opcode: it cannot be proven safe.
fn truncated_pickle(dir: &Path) {
    fs_err::write(dir.join("model.pkl"), b"\x80\x02}q\x00(X\x01\x00\x00\x00a").unwrap();
}

#[test]
fn incomplete_scan_fails_the_gate_unless_allowed() {
    let home = tempfile::tempdir().unwrap();
    let proj = tempfile::tempdir().unwrap();
    truncated_pickle(proj.path());
    let p = proj.path().to_str().unwrap();

    let out = seawall(&["scan", "model", p, "--fail-on", "CRITICAL", "--format", "json"], home.path());
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("INCOMPLETE: "), "{}", show(&out));
    assert!(err.contains("unscannable model"), "{}", show(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["completeness"]["status"], "incomplete", "{report}");
    let model = report["scanners"].as_array().unwrap().iter().find(|s| s["name"] == "model").unwrap();
    assert_eq!(model["status"], "partial", "{model}");

    let allowed = seawall(
        &["scan", "model", p, "--fail-on", "CRITICAL", "--allow-incomplete", "--format", "json"],
        home.path(),
    );
    assert_eq!(allowed.status.code(), Some(0), "{}", show(&allowed));

    // Without a threshold nothing is gated, but the report still says so.
    let ungated = seawall(&["scan", "model", p], home.path());
    assert_eq!(ungated.status.code(), Some(0), "{}", show(&ungated));
    assert!(String::from_utf8_lossy(&ungated.stdout).contains("INCOMPLETE SCAN"), "{}", show(&ungated));
    assert!(String::from_utf8_lossy(&ungated.stderr).contains("INCOMPLETE: "), "{}", show(&ungated));
}

#[test]
fn complete_scan_exits_as_before() {
    let home = tempfile::tempdir().unwrap();
    let proj = tempfile::tempdir().unwrap();
    fs_err::write(proj.path().join("model.pkl"), b"\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s.").unwrap();
    let p = proj.path().to_str().unwrap();
    let out = seawall(&["scan", "model", p, "--fail-on", "LOW", "--format", "json"], home.path());
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["completeness"]["status"], "complete", "{report}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("INCOMPLETE"));
}

#[test]
fn corrupt_database_is_an_error_naming_the_file_and_the_fix() {
    let home = tempfile::tempdir().unwrap();
    let proj = tempfile::tempdir().unwrap();
    fs_err::write(proj.path().join("requirements.txt"), "flask==2.0.0\n").unwrap();
    let db = home.path().join("broken.db");
    for content in [&b""[..], &b"SQLite format 3\0 but then garbage"[..], &[0u8; 8192][..]] {
        fs_err::write(&db, content).unwrap();
        let out = seawall(
            &["scan", "fs", proj.path().to_str().unwrap(), "--offline", "--db", db.to_str().unwrap()],
            home.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(db.to_str().unwrap()), "{}", show(&out));
        assert!(err.contains("seawall db update"), "{}", show(&out));
    }
}
