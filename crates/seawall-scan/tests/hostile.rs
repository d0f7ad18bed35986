//! The hostile-image corpus of issue 11 (layer identity, the cache, archive formats): every image is
//! built here, byte by byte where needed, and every scan must end in a finding at the right severity
//! or in an explicit incomplete verdict that fails `--fail-on` — never in exit 0 with a clean report.
//! docs/security.md lists the cases.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

mod common;

use common::*;
use seawall_core::WarningKind;

// ---------------------------------------------------------------------------------------------
// Layer identity: digests computed on the bytes read, compared with what the image claims.

/// A docker-archive whose config claims the diff_id of another layer: the bytes read do not hash to
/// the claim. Reported as a digest mismatch (incomplete), and the facts of the bytes actually read
/// are still reported.
#[test]
fn claimed_diff_id_mismatch_without_cache_is_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let benign = tar_of(&[("app/readme.txt", b"hello")]);
    let evil = tar_of(&[("app/.env", &env_file())]);
    let path = dir.path().join("a.tar");
    docker_archive(&path, &[evil], Some(vec![sha(&benign)]));
    let r = scan(&format!("docker-archive:{}", path.display()), &opts(None));
    assert_eq!(gaps(&r), vec![WarningKind::LayerDigestMismatch], "{}", show(&r));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.message.contains("diff_id mismatch") && w.message.contains(&sha(&benign)))
    );
    assert!(has_secret(&r, "/app/.env"), "facts of the bytes read are reported");
    assert_eq!(exit_code(&r), 1);
}

/// The cache was keyed on the diff_id the config claims and a hit never opened the layer: an image
/// claiming a benign layer's diff_id for a malicious layer was served the benign facts.
#[test]
fn claimed_diff_id_does_not_serve_cached_facts() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let benign = tar_of(&[("app/readme.txt", b"hello")]);
    let good = dir.path().join("good.tar");
    docker_archive(&good, std::slice::from_ref(&benign), None);
    let r = scan(&format!("docker-archive:{}", good.display()), &opts(Some(&cache)));
    assert!(r.completeness.is_complete(), "{}", show(&r));
    assert!(!has_secret(&r, "/app/.env"));

    let evil = tar_of(&[("app/.env", &env_file())]);
    let bad = dir.path().join("bad.tar");
    docker_archive(&bad, &[evil], Some(vec![sha(&benign)]));
    let r = scan(&format!("docker-archive:{}", bad.display()), &opts(Some(&cache)));
    assert!(
        has_secret(&r, "/app/.env"),
        "the malicious layer was walked, not served from the cache: {}",
        show(&r)
    );
    assert_eq!(gaps(&r), vec![WarningKind::LayerDigestMismatch], "{}", show(&r));
    assert_eq!(exit_code(&r), 1);

    // The same with an OCI layout whose manifest names the benign blob digest for malicious bytes.
    let oci_cache = dir.path().join("cache2");
    let honest = OciLayer::gz(&benign);
    let good_oci = dir.path().join("good-oci");
    oci_layout(
        &good_oci,
        &[OciLayer {
            stored: honest.stored.clone(),
            digest: honest.digest.clone(),
            diff_id: honest.diff_id.clone(),
        }],
    );
    let r = scan(&format!("oci:{}:t", good_oci.display()), &opts(Some(&oci_cache)));
    assert!(r.completeness.is_complete(), "{}", show(&r));
    let bad_oci = dir.path().join("bad-oci");
    oci_layout(
        &bad_oci,
        &[OciLayer {
            stored: gzip(&tar_of(&[("app/.env", &env_file())])),
            digest: honest.digest,
            diff_id: honest.diff_id,
        }],
    );
    let r = scan(&format!("oci:{}:t", bad_oci.display()), &opts(Some(&oci_cache)));
    assert!(has_secret(&r, "/app/.env"), "{}", show(&r));
    assert!(r.warnings.iter().any(|w| w.message.contains("blob digest mismatch")), "{}", show(&r));
    assert_eq!(exit_code(&r), 1);
}

/// An image claiming a genuine layer's diff_id for an empty layer must not poison the cache: the
/// genuine image scanned afterwards keeps its findings.
#[test]
fn cache_poisoning_by_empty_layer_claiming_genuine_diff_id() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let genuine = tar_of(&[("app/.env", &env_file())]);
    let empty = tar_of(&[]);
    let poison = dir.path().join("poison.tar");
    docker_archive(&poison, &[empty], Some(vec![sha(&genuine)]));
    let r = scan(&format!("docker-archive:{}", poison.display()), &opts(Some(&cache)));
    assert_eq!(gaps(&r), vec![WarningKind::LayerDigestMismatch], "{}", show(&r));
    assert_eq!(exit_code(&r), 1);

    let real = dir.path().join("real.tar");
    docker_archive(&real, &[genuine], None);
    let r = scan(&format!("docker-archive:{}", real.display()), &opts(Some(&cache)));
    assert!(has_secret(&r, "/app/.env"), "the genuine image keeps its findings: {}", show(&r));
    assert!(r.completeness.is_complete(), "{}", show(&r));
    assert_eq!(exit_code(&r), 1);
}

/// A cache entry edited on disk (its findings removed) is a miss: the layer is walked again.
#[test]
fn tampered_cache_entry_is_walked_again() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let path = dir.path().join("a.tar");
    docker_archive(&path, &[tar_of(&[("app/.env", &env_file())])], None);
    let reference = format!("docker-archive:{}", path.display());
    assert!(has_secret(&scan(&reference, &opts(Some(&cache))), "/app/.env"));
    let entries: Vec<_> =
        fs_err::read_dir(cache.join("layers")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(entries.len(), 1);
    let text = fs_err::read_to_string(&entries[0]).unwrap();
    let start = text.find("\"findings\":[").unwrap() + "\"findings\":[".len();
    let end = start + text[start..].find("],\"models\"").unwrap();
    fs_err::write(&entries[0], format!("{}{}", &text[..start], &text[end..])).unwrap();
    let r = scan(&reference, &opts(Some(&cache)));
    assert!(has_secret(&r, "/app/.env"), "a tampered entry is not served: {}", show(&r));
}

/// A warm cache gives the same report as a cold one, and a cached layer still proves its blob.
#[test]
fn cache_hit_is_served_only_for_the_proven_blob() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let layer = tar_of(&[("app/.env", &env_file()), ("etc/shadow", LOCKED_SHADOW)]);
    let path = dir.path().join("a.tar");
    docker_archive(&path, &[layer], None);
    let reference = format!("docker-archive:{}", path.display());
    let cold = scan(&reference, &opts(Some(&cache)));
    let warm = scan(&reference, &opts(Some(&cache)));
    assert_eq!(serde_json::to_string(&cold).unwrap(), serde_json::to_string(&warm).unwrap());
    assert!(warm.completeness.is_complete());
}

/// Without any cache, OCI layouts and docker-archives never checked the diff_id: a layer that does
/// not match its claims, in each kind of source.
#[test]
fn layer_digest_mismatch_in_every_local_source() {
    let dir = tempfile::tempdir().unwrap();
    let genuine = tar_of(&[("app/readme.txt", b"hello")]);
    let tampered = tar_of(&[("app/readme.txt", b"HELLO")]);
    // OCI: blob digest and diff_id both claimed for other bytes.
    let oci = dir.path().join("oci");
    oci_layout(
        &oci,
        &[OciLayer { stored: gzip(&tampered), digest: sha(&gzip(&genuine)), diff_id: sha(&genuine) }],
    );
    // OCI: an honest blob digest (an attacker re-hashed the blob) but the config's diff_id is a lie.
    let oci2 = dir.path().join("oci2");
    let stored = gzip(&tampered);
    oci_layout(&oci2, &[OciLayer { digest: sha(&stored), stored, diff_id: sha(&genuine) }]);
    // docker-archive, plain and gzip-compressed (streamed like `docker save | gzip`).
    let plain = dir.path().join("a.tar");
    docker_archive(&plain, std::slice::from_ref(&tampered), Some(vec![sha(&genuine)]));
    let gz = dir.path().join("a.tar.gz");
    fs_err::write(&gz, gzip(&fs_err::read(&plain).unwrap())).unwrap();
    for reference in [
        format!("oci:{}:t", oci.display()),
        format!("oci:{}:t", oci2.display()),
        format!("docker-archive:{}", plain.display()),
        format!("docker-archive:{}", gz.display()),
    ] {
        let r = scan(&reference, &opts(None));
        assert_eq!(gaps(&r), vec![WarningKind::LayerDigestMismatch], "{reference}: {}", show(&r));
        assert_eq!(exit_code(&r), 1, "{reference}");
    }
}

/// A streamed source (gzip-compressed docker-archive) with a warm cache and a layer whose bytes no
/// longer match: the stream cannot be re-read, so the layer is reported as not analysed.
#[test]
fn streamed_layer_failing_its_cache_proof_is_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let genuine = tar_of(&[("app/readme.txt", b"hello")]);
    let a = dir.path().join("a.tar");
    docker_archive(&a, std::slice::from_ref(&genuine), None);
    let gz = dir.path().join("a.tar.gz");
    fs_err::write(&gz, gzip(&fs_err::read(&a).unwrap())).unwrap();
    assert!(
        scan(&format!("docker-archive:{}", gz.display()), &opts(Some(&cache))).completeness.is_complete()
    );
    let b = dir.path().join("b.tar");
    docker_archive(&b, &[tar_of(&[("app/.env", &env_file())])], Some(vec![sha(&genuine)]));
    let gz = dir.path().join("b.tar.gz");
    fs_err::write(&gz, gzip(&fs_err::read(&b).unwrap())).unwrap();
    let r = scan(&format!("docker-archive:{}", gz.display()), &opts(Some(&cache)));
    assert_eq!(gaps(&r), vec![WarningKind::LayerDigestMismatch], "{}", show(&r));
    assert_eq!(exit_code(&r), 1);
}

// ---------------------------------------------------------------------------------------------
// Compression integrity and budgets.

/// A gzip layer whose CRC32 trailer is wrong, with digests an attacker made consistent (the
/// manifest names the corrupt blob, the config the intact tar): only the CRC check catches it.
#[test]
fn gzip_crc_mismatch_is_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let tar = tar_of(&[("app/readme.txt", b"hello")]);
    let mut stored = gzip(&tar);
    let crc = stored.len() - 8;
    stored[crc] ^= 0x55;
    let oci = dir.path().join("oci");
    oci_layout(&oci, &[OciLayer { digest: sha(&stored), stored, diff_id: sha(&tar) }]);
    let r = scan(&format!("oci:{}:t", oci.display()), &opts(None));
    assert_eq!(gaps(&r), vec![WarningKind::LayerUnreadable], "{}", show(&r));
    assert_eq!(exit_code(&r), 1);
}

/// A truncated gzip layer (claims made consistent with the truncated bytes) is unreadable, and the
/// facts read before the cut are kept.
#[test]
fn truncated_layer_is_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = vec![b'x'; 200_000];
    big[..4].copy_from_slice(b"junk");
    let tar = tar_of(&[("app/.env", &env_file()), ("opt/big.bin", &big)]);
    let full = gzip(&tar);
    let stored = full[..full.len() / 2].to_vec();
    let oci = dir.path().join("oci");
    oci_layout(&oci, &[OciLayer { digest: sha(&stored), stored, diff_id: sha(&tar) }]);
    let r = scan(&format!("oci:{}:t", oci.display()), &opts(None));
    assert!(gaps(&r).contains(&WarningKind::LayerUnreadable), "{}", show(&r));
    assert!(has_secret(&r, "/app/.env"));
    assert_eq!(exit_code(&r), 1);
}

/// The scan's budget of inflated bytes: hitting it makes the scan incomplete, not silently shorter.
#[test]
fn inflated_bytes_budget_exceeded_is_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let tar = tar_of(&[("opt/a.bin", &vec![0u8; 300_000]), ("app/.env", &env_file())]);
    let oci = dir.path().join("oci");
    oci_layout(&oci, &[OciLayer::gz(&tar)]);
    let mut o = opts(None);
    o.max_scan_bytes = Some(100_000);
    let r = scan(&format!("oci:{}:t", oci.display()), &o);
    assert_eq!(gaps(&r), vec![WarningKind::BudgetExceeded], "{}", show(&r));
    assert_eq!(exit_code(&r), 1);
}

/// A manifest listing one blob many times (an amplification of work): the blob is read and walked
/// once. With a budget that fits one walk, a scan that walked it per reference would run out.
#[test]
fn blob_referenced_by_several_layers_is_walked_once() {
    let dir = tempfile::tempdir().unwrap();
    let tar = tar_of(&[("opt/a.bin", &vec![7u8; 200_000]), ("app/.env", &env_file())]);
    let layer = OciLayer::gz(&tar);
    let many: Vec<OciLayer> = (0..8)
        .map(|_| OciLayer {
            stored: layer.stored.clone(),
            digest: layer.digest.clone(),
            diff_id: layer.diff_id.clone(),
        })
        .collect();
    let oci = dir.path().join("oci");
    oci_layout(&oci, &many);
    let mut o = opts(None);
    o.max_scan_bytes = Some(tar.len() as u64 * 3 / 2);
    let r = scan(&format!("oci:{}:t", oci.display()), &o);
    assert!(r.completeness.is_complete(), "{}", show(&r));
    assert_eq!(r.target.layers.len(), 8);
    assert!(r.target.layers.iter().all(|l| l.size == tar.len() as u64));
    assert!(has_secret(&r, "/app/.env"));
}

// ---------------------------------------------------------------------------------------------
// Archive formats the runtime applies.

fn scan_layer(layer: Vec<u8>) -> seawall_core::Report {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.tar");
    docker_archive(&path, &[layer], None);
    scan(&format!("docker-archive:{}", path.display()), &opts(None))
}

fn pax_sparse_case(version: &str) {
    let (content, map) = sparse_shadow();
    let r = scan_layer(pax_sparse_layer(version, "etc/shadow", &content, &map));
    assert!(has_empty_password(&r), "PAX sparse {version}: {}", show(&r));
    assert!(r.completeness.is_complete(), "{}", show(&r));
    assert_eq!(exit_code(&r), 1);
}

#[test]
fn pax_sparse_0_0_content_is_scanned() {
    pax_sparse_case("0.0");
}

#[test]
fn pax_sparse_0_1_content_is_scanned() {
    pax_sparse_case("0.1");
}

#[test]
fn pax_sparse_1_0_content_is_scanned() {
    pax_sparse_case("1.0");
}

#[test]
fn gnu_sparse_content_is_scanned() {
    let (content, map) = sparse_shadow();
    let r = scan_layer(gnu_sparse_layer("etc/shadow", &content, &map));
    assert!(has_empty_password(&r), "{}", show(&r));
    assert_eq!(exit_code(&r), 1);
}

/// Sparse files written by GNU tar itself (`--sparse`, old GNU and PAX 0.0/0.1/1.0 formats).
#[test]
fn gnu_tar_sparse_archives_are_scanned() {
    let have_tar = std::process::Command::new("tar")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("GNU tar"));
    assert!(have_tar, "GNU tar is needed (Debian: package tar, Essential)");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs_err::create_dir_all(root.join("etc")).unwrap();
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = fs_err::File::create(root.join("etc/shadow")).unwrap();
        f.write_all(LOCKED_SHADOW).unwrap();
        f.seek(SeekFrom::Start(1 << 20)).unwrap();
        f.write_all(b"\n").unwrap();
        f.write_all(EMPTY_PASSWORD_SHADOW).unwrap();
    }
    for args in [
        &["--format=gnu"][..],
        &["--format=posix", "--sparse-version=0.0"],
        &["--format=posix", "--sparse-version=0.1"],
        &["--format=posix", "--sparse-version=1.0"],
    ] {
        let out = dir.path().join("layer.tar");
        let st = std::process::Command::new("tar")
            .arg("--sparse")
            .args(args)
            .arg("-cf")
            .arg(&out)
            .arg("-C")
            .arg(&root)
            .arg("etc/shadow")
            .status()
            .unwrap();
        assert!(st.success(), "{args:?}");
        let layer = fs_err::read(&out).unwrap();
        let is_sparse = if args[0] == "--format=gnu" {
            layer[156] == b'S'
        } else {
            layer.windows(10).any(|w| w == b"GNU.sparse")
        };
        assert!(is_sparse, "GNU tar {args:?} wrote a sparse entry");
        let r = scan_layer(layer);
        assert!(has_empty_password(&r), "{args:?}: {}", show(&r));
        assert!(r.completeness.is_complete(), "{args:?}: {}", show(&r));
    }
}

/// `e -> /etc` then `e/shadow` in one layer: the applier writes `/etc/shadow`.
#[test]
fn write_through_symlinked_dir_lands_in_image_root() {
    let mut layer = Vec::new();
    layer.extend_from_slice(&raw_header(b"etc/", b'5', 0, b""));
    layer.extend_from_slice(&raw_header(b"e", b'2', 0, b"/etc"));
    layer.extend_from_slice(&raw_header(b"e/shadow", b'0', EMPTY_PASSWORD_SHADOW.len() as u64, b""));
    layer.extend_from_slice(&padded(EMPTY_PASSWORD_SHADOW));
    layer.extend_from_slice(&END);
    let r = scan_layer(layer);
    assert!(has_empty_password(&r), "{}", show(&r));
    assert_eq!(exit_code(&r), 1);
}

/// A relative symlink climbing above the root is clamped inside it, as `fs.RootPath` does.
#[test]
fn write_through_relative_symlink_is_clamped_to_image_root() {
    let mut layer = Vec::new();
    layer.extend_from_slice(&raw_header(b"x/up", b'2', 0, b"../../../../etc"));
    layer.extend_from_slice(&raw_header(b"x/up/shadow", b'0', EMPTY_PASSWORD_SHADOW.len() as u64, b""));
    layer.extend_from_slice(&padded(EMPTY_PASSWORD_SHADOW));
    layer.extend_from_slice(&END);
    let r = scan_layer(layer);
    assert!(has_empty_password(&r), "{}", show(&r));
}

/// `../../app/.env`: containerd clamps the name at the root and creates `/app/.env`.
#[test]
fn traversal_name_is_scanned_at_the_clamped_path() {
    let env = env_file();
    let mut layer = Vec::new();
    layer.extend_from_slice(&raw_header(b"../../app/.env", b'0', env.len() as u64, b""));
    layer.extend_from_slice(&padded(&env));
    layer.extend_from_slice(&END);
    let r = scan_layer(layer);
    assert!(has_secret(&r, "/app/.env"), "{}", show(&r));
    assert!(r.warnings.iter().any(|w| w.kind == WarningKind::Notice && w.message.contains("climbs above")));
}

/// `/etc/shadow` (absolute name): both runtimes apply it under the root.
#[test]
fn absolute_name_is_scanned_under_the_root() {
    let mut layer = Vec::new();
    layer.extend_from_slice(&raw_header(b"/etc/shadow", b'0', EMPTY_PASSWORD_SHADOW.len() as u64, b""));
    layer.extend_from_slice(&padded(EMPTY_PASSWORD_SHADOW));
    layer.extend_from_slice(&END);
    assert!(has_empty_password(&scan_layer(layer)));
}

/// A symlink whose size field claims data: Go's reader (the runtimes') gives header-only entries no
/// data, so the "data" is the next header — an entry a reader skipping the size would never see.
#[test]
fn header_only_entry_with_size_hides_no_entry() {
    let mut layer = Vec::new();
    layer.extend_from_slice(&raw_header(b"link", b'2', 512, b"target"));
    layer.extend_from_slice(&raw_header(b"etc/shadow", b'0', EMPTY_PASSWORD_SHADOW.len() as u64, b""));
    layer.extend_from_slice(&padded(EMPTY_PASSWORD_SHADOW));
    layer.extend_from_slice(&END);
    let r = scan_layer(layer);
    assert!(has_empty_password(&r), "{}", show(&r));
}

/// The same name twice in one layer: the applier keeps the last entry.
#[test]
fn duplicate_entry_in_a_layer_last_one_wins() {
    let r = scan_layer(tar_of(&[("etc/shadow", LOCKED_SHADOW), ("etc/shadow", EMPTY_PASSWORD_SHADOW)]));
    assert!(has_empty_password(&r), "{}", show(&r));
    let r = scan_layer(tar_of(&[("etc/shadow", EMPTY_PASSWORD_SHADOW), ("etc/shadow", LOCKED_SHADOW)]));
    assert!(!has_empty_password(&r), "the first copy is replaced: {}", show(&r));
}

/// A GNU long name with a NUL inside: Go cuts the name there (`etc/shadow`).
#[test]
fn long_name_with_nul_is_cut_like_go() {
    let mut name = b"etc/shadow\0".to_vec();
    name.extend_from_slice(&[b'x'; 120]);
    let mut layer = Vec::new();
    layer.extend_from_slice(&raw_header(b"././@LongLink", b'L', name.len() as u64, b""));
    layer.extend_from_slice(&padded(&name));
    layer.extend_from_slice(&raw_header(b"decoy", b'0', EMPTY_PASSWORD_SHADOW.len() as u64, b""));
    layer.extend_from_slice(&padded(EMPTY_PASSWORD_SHADOW));
    layer.extend_from_slice(&END);
    assert!(has_empty_password(&scan_layer(layer)));
}

/// Malformed archives a runtime refuses to apply are never "clean": a zero block followed by more
/// entries, an oversized PAX record, an invalid sparse map, a bad header checksum.
#[test]
fn malformed_tar_structures_are_incomplete() {
    let env = env_file();
    let mut zero_then_more = raw_header(b"a", b'0', 0, b"").to_vec();
    zero_then_more.extend_from_slice(&[0u8; 512]);
    zero_then_more.extend_from_slice(&raw_header(b"app/.env", b'0', env.len() as u64, b""));
    zero_then_more.extend_from_slice(&padded(&env));
    zero_then_more.extend_from_slice(&END);

    let mut big_pax = raw_header(b"././@PaxHeader", b'x', 2 << 20, b"").to_vec();
    big_pax.extend_from_slice(&vec![b'9'; 2 << 20]);
    big_pax.extend_from_slice(&END);

    let (content, _) = sparse_env();
    let overlapping = pax_sparse_layer("0.1", "app/.env", &content, &[(0, 100), (50, 10)]);

    let mut bad_sum = tar_of(&[("app/.env", &env)]);
    bad_sum[148] = b'7';

    for (name, layer) in [
        ("zero block then entries", zero_then_more),
        ("2 MiB PAX record", big_pax),
        ("overlapping sparse map", overlapping),
        ("bad checksum", bad_sum),
    ] {
        let r = scan_layer(layer);
        assert_eq!(gaps(&r), vec![WarningKind::LayerUnreadable], "{name}: {}", show(&r));
        assert_eq!(exit_code(&r), 1, "{name}");
    }
}
