//! The command-line contract: exit codes, errors naming what is wrong, deterministic JSON, every format.
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

/// A small insecure project built in the test: a Dockerfile running as root and a pickle that calls
/// `os.system`.
fn project(dir: &Path) {
    fs_err::write(
        dir.join("Dockerfile"),
        "FROM python:3.12\nRUN pip install flask\nCMD [\"python\", \"app.py\"]\n",
    )
    .unwrap();
    fs_err::write(
        dir.join("model.pkl"),
        b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.",
    )
    .unwrap();
}

#[test]
fn exit_codes_follow_fail_on() {
    let home = tempfile::tempdir().unwrap();
    let proj = tempfile::tempdir().unwrap();
    project(proj.path());
    let p = proj.path().to_str().unwrap();
    let hit = seawall(
        &["scan", "fs", p, "--offline", "--quiet", "--fail-on", "HIGH", "--format", "json"],
        home.path(),
    );
    assert_eq!(hit.status.code(), Some(1), "{}", String::from_utf8_lossy(&hit.stderr));
    let ok =
        seawall(&["scan", "config", p, "--quiet", "--fail-on", "CRITICAL", "--format", "json"], home.path());
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let nofail = seawall(&["scan", "fs", p, "--offline", "--quiet", "--format", "json"], home.path());
    assert_eq!(nofail.status.code(), Some(0));
}

#[test]
fn errors_name_the_input_and_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let missing = seawall(&["scan", "fs", "/definitely/not/here"], home.path());
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("/definitely/not/here"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.tar");
    fs_err::write(&bad, b"this is not a tar archive at all").unwrap();
    let out = seawall(&["scan", "image", bad.to_str().unwrap()], home.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.tar"), "{err}");

    let fmt = seawall(&["scan", "fs", dir.path().to_str().unwrap(), "--format", "yaml"], home.path());
    assert_eq!(fmt.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&fmt.stderr).contains("yaml"));

    let sev = seawall(&["scan", "fs", dir.path().to_str().unwrap(), "--fail-on", "URGENT"], home.path());
    assert_eq!(sev.status.code(), Some(2));
}

#[test]
fn json_is_deterministic_and_offline_skips_vuln_visibly() {
    let home = tempfile::tempdir().unwrap();
    let proj = tempfile::tempdir().unwrap();
    project(proj.path());
    let p = proj.path().to_str().unwrap();
    let a = seawall(&["scan", "fs", p, "--offline", "--quiet", "--format", "json"], home.path());
    let b = seawall(&["scan", "fs", p, "--offline", "--quiet", "--format", "json"], home.path());
    assert_eq!(a.stdout, b.stdout);
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let vuln = v["scanners"].as_array().unwrap().iter().find(|s| s["name"] == "vuln").unwrap();
    assert_eq!(vuln["status"], "skipped");
    assert!(vuln["message"].as_str().unwrap().contains("--offline"));
    let kinds: Vec<&str> =
        v["findings"].as_array().unwrap().iter().filter_map(|f| f["kind"].as_str()).collect();
    assert!(kinds.contains(&"model") && kinds.contains(&"misconfiguration"), "{kinds:?}");
}

#[test]
fn every_format_renders() {
    let home = tempfile::tempdir().unwrap();
    let proj = tempfile::tempdir().unwrap();
    project(proj.path());
    let out = tempfile::tempdir().unwrap();
    let p = proj.path().to_str().unwrap();
    for fmt in ["table", "json", "cyclonedx", "spdx", "sarif", "html", "markdown"] {
        let file = out.path().join(format!("r.{fmt}"));
        let o = seawall(
            &["scan", "fs", p, "--offline", "--quiet", "--format", fmt, "--output", file.to_str().unwrap()],
            home.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{fmt}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(fs_err::metadata(&file).map(|m| m.len() > 0).unwrap_or(false), "{fmt} wrote nothing");
    }
    // FORMAT=FILE extras in one run.
    let sarif = out.path().join("extra.sarif");
    let o = seawall(
        &[
            "scan",
            "fs",
            p,
            "--offline",
            "--quiet",
            "--format",
            "json",
            "--output",
            &format!("sarif={}", sarif.display()),
        ],
        home.path(),
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(sarif.exists());
}

#[test]
fn rules_and_explain() {
    let home = tempfile::tempdir().unwrap();
    let list = seawall(&["rules", "--format", "json"], home.path());
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert!(v.as_array().unwrap().len() > 100);
    let e = seawall(&["explain", "SW-CTR-001"], home.path());
    assert!(String::from_utf8_lossy(&e.stdout).contains("How to fix"));
    let missing = seawall(&["explain", "SW-NOPE-999"], home.path());
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn allowed_registries_from_flag_and_seawall_toml() {
    let home = tempfile::tempdir().unwrap();
    let proj = tempfile::tempdir().unwrap();
    fs_err::write(proj.path().join("Dockerfile"), "FROM python:3.12\nUSER 10001\nCMD [\"python\"]\n")
        .unwrap();
    let p = proj.path().to_str().unwrap();
    let ids = |o: &Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
    };
    let none = seawall(&["scan", "config", p, "--quiet", "--format", "json"], home.path());
    assert!(!ids(&none).contains(&"SW-DF-007".to_string()), "no allowed list, no SW-DF-007");
    let flag = seawall(
        &["scan", "config", p, "--quiet", "--format", "json", "--allowed-registry", "registry.example.com"],
        home.path(),
    );
    assert!(ids(&flag).contains(&"SW-DF-007".to_string()), "{:?}", ids(&flag));
    fs_err::write(proj.path().join("seawall.toml"), "[registries]\nallowed = [\"registry.example.com\"]\n")
        .unwrap();
    let toml = seawall(&["scan", "config", p, "--quiet", "--format", "json"], home.path());
    assert!(ids(&toml).contains(&"SW-DF-007".to_string()), "{}", String::from_utf8_lossy(&toml.stderr));
}
