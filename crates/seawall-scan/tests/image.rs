//! End-to-end through the library on an image built in the test (docker-archive layout): layers,
//! whiteouts, the squashed inventory, secrets in deleted files / build args / ENV, model files, config.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use std::path::Path;

use seawall_core::FindingKind;
use seawall_scan::{ScanOptions, Scanners, scan_image};

use seawall_testkit::sha256 as sha;

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    seawall_testkit::tar_with_modes(files, |p| if p.ends_with("/su") { 0o4755 } else { 0o644 })
}

/// Writes a docker-archive (legacy `docker save` layout) with the given layers and config.
fn docker_archive(path: &Path, layers: &[Vec<u8>], config: &serde_json::Value) {
    let mut cfg = config.clone();
    cfg["rootfs"] =
        serde_json::json!({"type": "layers", "diff_ids": layers.iter().map(|l| sha(l)).collect::<Vec<_>>()});
    let cfg_bytes = serde_json::to_vec(&cfg).unwrap();
    let cfg_name = format!("{}.json", &sha(&cfg_bytes)[7..]);
    let layer_names: Vec<String> = (0..layers.len()).map(|i| format!("l{i}/layer.tar")).collect();
    let manifest =
        serde_json::json!([{"Config": cfg_name, "RepoTags": ["test/app:1"], "Layers": layer_names}]);
    let mut files: Vec<(String, Vec<u8>)> =
        vec![("manifest.json".into(), serde_json::to_vec(&manifest).unwrap()), (cfg_name, cfg_bytes)];
    for (n, l) in layer_names.iter().zip(layers) {
        files.push((n.clone(), l.clone()));
    }
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    fs_err::write(path, tar_of(&refs)).unwrap();
}

fn token() -> String {
    // A correctly shaped, fake Hugging Face token (built here, not committed verbatim).
    format!("hf_{}", "QwErTyUiOpAsDfGhJkLzXcVbNmQwErTyUi")
}

#[test]
fn image_scan_finds_deleted_secrets_build_args_env_and_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let status = b"Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n\n\
Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n\n";
    let os = b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";
    let l0 = tar_of(&[("etc/os-release", os), ("var/lib/dpkg/status", status), ("usr/bin/su", b"\x7fELF")]);
    let secret_file = format!("HF_TOKEN={}\n", token());
    let l1 = tar_of(&[
        ("app/.env", secret_file.as_bytes()),
        ("app/requirements.txt", b"requests==2.28.1\n"),
        ("app/model.pkl", b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."),
    ]);
    let l2 = tar_of(&[("app/.wh..env", b"")]);
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {"User": "", "Env": ["PATH=/usr/bin", format!("OPENAI_API_KEY=sk-proj-{}T3BlbkFJ{}", "DhU4XgaOzyx7J3SdoVwgP4FmErxTM1cHho4PAAAN", "vkYfQv9NomBbjl2y4y5qtO2oSoJGr297EYx8ZXnd")],
                   "ExposedPorts": {"8888/tcp": {}}},
        "history": [
            {"created_by": "ADD rootfs.tar /"},
            {"created_by": format!("RUN |1 HF_TOKEN={} /bin/sh -c pip install -r requirements.txt", token())},
            {"created_by": "RUN /bin/sh -c rm /app/.env"}
        ]
    });
    let archive = dir.path().join("app.tar");
    docker_archive(&archive, &[l0, l1, l2], &config);

    let opts = ScanOptions {
        scanners: Scanners { vuln: false, ..Scanners::default() },
        no_cache: true,
        offline: true,
        ..Default::default()
    };
    let r = scan_image(&format!("docker-archive:{}", archive.display()), &opts).unwrap();

    // Target and layers.
    assert_eq!(r.target.layers.len(), 3);
    assert_eq!(r.target.os.as_ref().map(|o| o.id.as_str()), Some("debian"));
    // Inventory: OS packages with the release, the source package, the layer that introduced them.
    let ssl = r.packages.iter().find(|p| p.name == "libssl3").expect("libssl3");
    assert_eq!(ssl.ecosystem, "Debian:12");
    assert_eq!(ssl.source.as_ref().map(|s| s.name.as_str()), Some("openssl"));
    assert_eq!(ssl.locations[0].layer, Some(0));
    assert!(r.packages.iter().any(|p| p.name == "requests" && p.ecosystem == "PyPI"));

    let secrets: Vec<_> = r.findings.iter().filter(|f| f.kind == FindingKind::Secret).collect();
    // 1. written in layer 1, deleted in layer 2.
    let deleted = secrets.iter().find(|f| f.location.path == "/app/.env").expect("secret in deleted file");
    assert_eq!(deleted.location.layer, Some(1));
    assert_eq!(deleted.deleted_in_layer, Some(2));
    // 2. build arg recorded in history.
    assert!(secrets.iter().any(|f| f.location.path.starts_with("history[")), "{secrets:#?}");
    // 3. ENV in the image config.
    assert!(secrets.iter().any(|f| f.location.path == "config.env"), "{secrets:#?}");
    // Never the whole secret anywhere in the report.
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains(&token()));

    // The model file and config checks.
    assert!(r.findings.iter().any(|f| f.kind == FindingKind::Model && f.location.path == "/app/model.pkl"));
    assert!(r.findings.iter().any(|f| f.kind == FindingKind::Misconfiguration));
}

#[test]
fn same_image_gives_identical_reports_with_and_without_cache() {
    let dir = tempfile::tempdir().unwrap();
    let l0 = tar_of(&[
        ("etc/os-release", b"ID=alpine\nVERSION_ID=3.19.1\n"),
        ("lib/apk/db/installed", b"P:musl\nV:1.2.4-r2\no:musl\n\n"),
    ]);
    let archive = dir.path().join("a.tar");
    docker_archive(
        &archive,
        &[l0],
        &serde_json::json!({"architecture": "amd64", "os": "linux", "config": {}}),
    );
    let reference = format!("docker-archive:{}", archive.display());
    let cache = dir.path().join("cache");
    let opts = ScanOptions {
        scanners: Scanners { vuln: false, ..Scanners::default() },
        cache_dir: Some(cache.clone()),
        offline: true,
        ..Default::default()
    };
    let cold = scan_image(&reference, &opts).unwrap();
    assert!(fs_err::read_dir(cache.join("layers")).unwrap().count() >= 1, "cache filled");
    let warm = scan_image(&reference, &opts).unwrap();
    assert_eq!(serde_json::to_string(&cold).unwrap(), serde_json::to_string(&warm).unwrap());
    let musl = cold.packages.iter().find(|p| p.name == "musl").unwrap();
    assert_eq!(musl.ecosystem, "Alpine:v3.19");
}
