//! Tests of the file-based sources against fixtures built in memory.

use std::io::Read;

use crate::digest::sha256_of;
use crate::testutil::*;
use crate::{ImageSource, SourceError, SourceOptions, open};

fn layers() -> Vec<Vec<u8>> {
    vec![
        layer(&[("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")]),
        layer(&[("app/main.py", "print('hi')\n")]),
        // Identical to layer 0: docker save stores it as a symlink.
        layer(&[("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")]),
    ]
}

fn read_all(src: &dyn ImageSource, i: u32) -> Result<Vec<u8>, std::io::Error> {
    let mut v = Vec::new();
    src.open_layer(i).unwrap().read_to_end(&mut v)?;
    Ok(v)
}

fn write_tar(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
    let p = dir.path().join(name);
    fs_err::write(&p, bytes).unwrap();
    p.display().to_string()
}

#[test]
fn legacy_docker_archive_reads_every_layer() {
    let ls = layers();
    let (files, cfg) = legacy_docker_archive(&ls);
    let dir = tempfile::tempdir().unwrap();
    let path = write_tar(&dir, "legacy.tar", &files.to_tar());
    for reference in [format!("docker-archive:{path}"), path.clone()] {
        let src = open(&reference, &SourceOptions::default()).unwrap();
        let meta = src.meta();
        assert_eq!(meta.name, reference);
        assert_eq!(meta.digest, None);
        assert_eq!(meta.config_digest, sha256_of(&cfg));
        assert_eq!(meta.config.user, "app");
        assert_eq!(meta.layers.len(), 3);
        assert!(src.random_access());
        for (i, l) in ls.iter().enumerate() {
            let i = u32::try_from(i).unwrap();
            assert_eq!(meta.layers[i as usize].diff_id, sha256_of(l));
            assert_eq!(meta.layers[i as usize].size, l.len() as u64);
            assert_eq!(&read_all(src.as_ref(), i).unwrap(), l);
        }
        assert!(matches!(src.open_layer(3), Err(SourceError::NoSuchLayer { index: 3, count: 3 })));
        let mut seen = Vec::new();
        src.stream_layers(&mut |d, r| {
            let mut n = Vec::new();
            r.read_to_end(&mut n).unwrap();
            seen.push((d.indexes.clone(), n.len()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![(vec![0], ls[0].len()), (vec![1], ls[1].len()), (vec![2], ls[2].len())]);
        // Layer 2 is stored as a symlink to layer 0's member: one blob.
        assert_eq!(src.blob_key(0), src.blob_key(2));
        assert_ne!(src.blob_key(0), src.blob_key(1));
    }
}

#[test]
fn layers_can_be_read_in_parallel() {
    let ls = layers();
    let (files, _) = legacy_docker_archive(&ls);
    let dir = tempfile::tempdir().unwrap();
    let path = write_tar(&dir, "legacy.tar", &files.to_tar());
    let src = open(&format!("docker-archive:{path}"), &SourceOptions::default()).unwrap();
    let src = src.as_ref();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..3u32).map(|i| s.spawn(move || read_all(src, i).unwrap())).collect();
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.join().unwrap(), ls[i]);
        }
    });
}

#[test]
fn docker_archive_layer_digest_mismatch_is_detected() {
    let ls = layers();
    let (mut files, _) = legacy_docker_archive(&ls);
    // Tamper with layer 1's content, keeping its size.
    let key =
        files.files.keys().find(|k| k.ends_with("layer.tar") && files.files[*k] == ls[1]).unwrap().clone();
    let mut bad = ls[1].clone();
    let pos = bad.windows(5).position(|w| w == b"print").unwrap();
    bad[pos] = b'P';
    files.add(&key, bad);
    let dir = tempfile::tempdir().unwrap();
    let path = write_tar(&dir, "bad.tar", &files.to_tar());
    let src = open(&format!("docker-archive:{path}"), &SourceOptions::default()).unwrap();
    assert_eq!(read_all(src.as_ref(), 0).unwrap(), ls[0]);
    // The source delivers the stored bytes and the claim they must meet; the consumer (the walker,
    // which hashes while it reads) detects the mismatch: see seawall-scan's hostile-image tests.
    let tampered = read_all(src.as_ref(), 1).unwrap();
    assert_ne!(tampered, ls[1]);
    assert_eq!(src.meta().layers[1].diff_id, sha256_of(&ls[1]));
    assert_ne!(sha256_of(&tampered), src.meta().layers[1].diff_id, "the claim does not verify");
}

#[test]
fn docker_archive_hostile_manifests() {
    let ls = layers();
    let dir = tempfile::tempdir().unwrap();
    // Path traversal in Layers.
    let (mut files, cfg) = legacy_docker_archive(&ls);
    let cfg_name = format!("{}.json", &sha256_of(&cfg)[7..]);
    files.add(
        "manifest.json",
        serde_json::to_vec(
            &serde_json::json!([{"Config": cfg_name, "Layers": ["../../etc/passwd", "a", "b"]}]),
        )
        .unwrap(),
    );
    let path = write_tar(&dir, "trav.tar", &files.to_tar());
    let err = open(&format!("docker-archive:{path}"), &SourceOptions::default()).err().unwrap();
    assert!(
        matches!(err, SourceError::UnsafePath { ref member, .. } if member == "../../etc/passwd"),
        "{err}"
    );
    // Missing layer member.
    files.add(
        "manifest.json",
        serde_json::to_vec(&serde_json::json!([{"Config": cfg_name, "Layers": ["x/layer.tar", "y/layer.tar", "z/layer.tar"]}]))
            .unwrap(),
    );
    let path = write_tar(&dir, "missing.tar", &files.to_tar());
    let err = open(&format!("docker-archive:{path}"), &SourceOptions::default()).err().unwrap();
    assert!(matches!(err, SourceError::Missing { ref member, .. } if member == "x/layer.tar"), "{err}");
    assert!(err.to_string().contains("missing.tar"), "{err}");
    // Layer count disagrees with the config.
    files.add(
        "manifest.json",
        serde_json::to_vec(&serde_json::json!([{"Config": cfg_name, "Layers": []}])).unwrap(),
    );
    let path = write_tar(&dir, "count.tar", &files.to_tar());
    let err = open(&format!("docker-archive:{path}"), &SourceOptions::default()).err().unwrap();
    assert!(err.to_string().contains("diff_ids"), "{err}");
    // Garbage manifest.json.
    files.add("manifest.json", b"{not json".to_vec());
    let path = write_tar(&dir, "garbage.tar", &files.to_tar());
    let err = open(&format!("docker-archive:{path}"), &SourceOptions::default()).err().unwrap();
    assert!(matches!(err, SourceError::Json { .. }), "{err}");
    // Not a tar at all.
    let path = write_tar(&dir, "plain.tar", b"hello");
    assert!(open(&path, &SourceOptions::default()).is_err());
    // Missing file.
    let err = open("docker-archive:/nonexistent/x.tar", &SourceOptions::default()).err().unwrap();
    assert!(err.to_string().contains("/nonexistent/x.tar"), "{err}");
}

#[test]
fn oci_style_docker_archive_uses_the_oci_index() {
    let ls = layers();
    let (files, manifest_digest) = oci_style_docker_archive(&ls);
    let dir = tempfile::tempdir().unwrap();
    let path = write_tar(&dir, "docker25.tar", &files.to_tar());
    let src = open(&path, &SourceOptions::default()).unwrap();
    let meta = src.meta();
    assert_eq!(meta.digest.as_deref(), Some(manifest_digest.as_str()));
    assert_eq!(meta.layers.len(), 3);
    assert_eq!(meta.layers[1].digest.as_deref(), Some(sha256_of(&ls[1]).as_str()));
    assert_eq!(meta.layers[1].media_type, "application/vnd.oci.image.layer.v1.tar");
    assert_eq!(read_all(src.as_ref(), 2).unwrap(), ls[2]);
}

type Layers = Vec<Vec<u8>>;

#[test]
fn oci_style_docker_archive_with_several_images_uses_manifest_json() {
    let ls = layers();
    let (mut files, _) = oci_style_docker_archive(&ls);
    let mut index: serde_json::Value = serde_json::from_slice(&files.files["index.json"]).unwrap();
    let first = index["manifests"][0].clone();
    index["manifests"].as_array_mut().unwrap().push(first);
    files.add("index.json", serde_json::to_vec(&index).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = write_tar(&dir, "two.tar", &files.to_tar());
    let src = open(&format!("docker-archive:{path}"), &SourceOptions::default()).unwrap();
    assert_eq!(src.meta().digest, None);
    assert_eq!(src.meta().layers[0].digest.as_deref(), Some(sha256_of(&ls[0]).as_str()));
    assert_eq!(read_all(src.as_ref(), 1).unwrap(), ls[1]);
}

fn layout() -> (Layout, Layers, Layers, Layers) {
    let amd = vec![layer(&[("amd", "x86")]), layer(&[("app", "1")])];
    let arm = vec![layer(&[("arm", "aarch64")])];
    let other = vec![layer(&[("other", "o")])];
    (oci_layout(&amd, &arm, &other), amd, arm, other)
}

#[test]
fn oci_layout_dir_tags_nested_index_and_platforms() {
    let (lay, amd, arm, other) = layout();
    let dir = tempfile::tempdir().unwrap();
    lay.files.write_dir(dir.path());
    let d = dir.path().display();
    let mut opts = SourceOptions::default();
    let src = open(&format!("oci:{d}:multi"), &opts).unwrap();
    assert_eq!(src.meta().digest.as_ref(), lay.manifest_digests.get("amd64"));
    assert_eq!(src.meta().config.architecture, "amd64");
    assert_eq!(read_all(src.as_ref(), 1).unwrap(), amd[1]);
    opts.platform = Some("linux/arm64/v8".into());
    let src = open(&format!("oci:{d}:multi"), &opts).unwrap();
    assert_eq!(src.meta().digest.as_ref(), lay.manifest_digests.get("arm64"));
    assert_eq!(read_all(src.as_ref(), 0).unwrap(), arm[0]);
    opts.platform = Some("linux/s390x".into());
    let err = open(&format!("oci:{d}:multi"), &opts).err().unwrap();
    assert!(matches!(err, SourceError::NoMatchingManifest { .. }), "{err}");
    assert!(err.to_string().contains("linux/arm64/v8") && err.to_string().contains("linux/amd64"), "{err}");
    opts.platform = None;
    let src = open(&format!("oci:{d}:other"), &opts).unwrap();
    assert_eq!(src.meta().digest.as_ref(), lay.manifest_digests.get("other"));
    assert_eq!(src.meta().layers[0].media_type, "application/vnd.docker.image.rootfs.diff.tar.gzip");
    assert_eq!(read_all(src.as_ref(), 0).unwrap(), other[0]);
    let err = open(&format!("oci:{d}:nope"), &opts).err().unwrap();
    assert!(err.to_string().contains("multi, other"), "{err}");
    // Without a tag the two images are ambiguous.
    let err = open(&format!("oci:{d}"), &opts).err().unwrap();
    assert!(err.to_string().contains(":TAG"), "{err}");
}

#[test]
fn oci_archive_matches_the_directory() {
    let (lay, amd, _, _) = layout();
    let dir = tempfile::tempdir().unwrap();
    let path = write_tar(&dir, "oci.tar", &lay.files.to_tar());
    let src = open(&format!("oci-archive:{path}:multi"), &SourceOptions::default()).unwrap();
    assert_eq!(src.meta().digest.as_ref(), lay.manifest_digests.get("amd64"));
    assert_eq!(read_all(src.as_ref(), 0).unwrap(), amd[0]);
    // A bare .tar without manifest.json is an oci-archive; this one needs a tag.
    let err = open(&path, &SourceOptions::default()).err().unwrap();
    assert!(matches!(err, SourceError::NoMatchingManifest { .. }), "{err}");
}

#[test]
fn oci_layout_missing_and_corrupt_blobs() {
    let (mut lay, _, _, other) = layout();
    let dir = tempfile::tempdir().unwrap();
    let blob = format!("blobs/sha256/{}", &sha256_of(&other[0])[7..]);
    lay.files.files.remove(&blob);
    lay.files.write_dir(dir.path());
    let err = open(&format!("oci:{}:other", dir.path().display()), &SourceOptions::default()).err().unwrap();
    assert!(matches!(err, SourceError::Missing { ref member, .. } if *member == blob), "{err}");
    // A corrupted config blob is caught by its digest.
    let (lay, _, _, _) = layout();
    let dir = tempfile::tempdir().unwrap();
    lay.files.write_dir(dir.path());
    let m: serde_json::Value = serde_json::from_slice(
        &fs_err::read(dir.path().join(format!("blobs/sha256/{}", &lay.manifest_digests["other"][7..])))
            .unwrap(),
    )
    .unwrap();
    let cfg = m["config"]["digest"].as_str().unwrap();
    fs_err::write(dir.path().join(format!("blobs/sha256/{}", &cfg[7..])), b"{}").unwrap();
    let err = open(&format!("oci:{}:other", dir.path().display()), &SourceOptions::default()).err().unwrap();
    assert!(matches!(err, SourceError::DigestMismatch { .. }), "{err}");
    // No index.json.
    let empty = tempfile::tempdir().unwrap();
    let err = open(&format!("oci:{}", empty.path().display()), &SourceOptions::default()).err().unwrap();
    assert!(matches!(err, SourceError::Missing { ref member, .. } if member == "index.json"), "{err}");
}

#[cfg(unix)]
#[test]
fn oci_layout_symlink_out_of_the_layout_is_refused() {
    let (lay, _, _, _) = layout();
    let dir = tempfile::tempdir().unwrap();
    lay.files.write_dir(dir.path());
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret");
    fs_err::write(&secret, b"{}").unwrap();
    let index = dir.path().join("index.json");
    let real = fs_err::read(&index).unwrap();
    fs_err::remove_file(&index).unwrap();
    fs_err::os::unix::fs::symlink(&secret, &index).unwrap();
    let err = open(&format!("oci:{}:other", dir.path().display()), &SourceOptions::default()).err().unwrap();
    assert!(matches!(err, SourceError::UnsafePath { ref member, .. } if member == "index.json"), "{err}");
    // A symlink that stays inside the layout is fine.
    fs_err::remove_file(&index).unwrap();
    fs_err::write(dir.path().join("index-real.json"), real).unwrap();
    fs_err::os::unix::fs::symlink("index-real.json", &index).unwrap();
    assert!(open(&format!("oci:{}:other", dir.path().display()), &SourceOptions::default()).is_ok());
}

#[test]
fn compressed_docker_archives_stream_every_layer() {
    use std::io::Write;
    let ls = layers();
    let (files, cfg) = legacy_docker_archive(&ls);
    let tar = files.to_tar();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::encode_all(&tar[..], 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (file, bytes) in [("app.tar.gz", gz), ("app.tar.zst", zst)] {
        let path = write_tar(&dir, file, &bytes);
        for reference in [format!("docker-archive:{path}"), path.clone()] {
            let src = open(&reference, &SourceOptions::default()).unwrap();
            assert!(!src.random_access());
            let meta = src.meta().clone();
            assert_eq!(meta.config_digest, sha256_of(&cfg));
            let sizes: Vec<u64> = meta.layers.iter().map(|l| l.size).collect();
            assert_eq!(sizes, ls.iter().map(|l| l.len() as u64).collect::<Vec<_>>());
            let mut got = std::collections::BTreeMap::new();
            src.stream_layers(&mut |d, r| {
                let mut v = Vec::new();
                r.read_to_end(&mut v).unwrap();
                for &i in &d.indexes {
                    assert!(got.insert(i, v.clone()).is_none(), "layer {i} twice");
                }
                Ok(())
            })
            .unwrap();
            assert_eq!(got.len(), 3, "{reference}");
            for (i, l) in ls.iter().enumerate() {
                assert_eq!(&got[&u32::try_from(i).unwrap()], l, "{reference} layer {i}");
            }
            assert_eq!(src.meta(), &meta);
        }
    }
    // A truncated compressed archive is an error naming the file, not a panic.
    let path = write_tar(&dir, "cut.tar.gz", &{
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar).unwrap();
        let v = gz.finish().unwrap();
        v[..v.len() / 2].to_vec()
    });
    let err = open(&format!("docker-archive:{path}"), &SourceOptions::default()).err().unwrap();
    assert!(err.to_string().contains("cut.tar.gz"), "{err}");
    // Compressed oci-archives are refused with a hint.
    let err =
        open(&format!("oci-archive:{}", dir.path().join("app.tar.gz").display()), &SourceOptions::default())
            .err()
            .unwrap();
    assert!(matches!(err, SourceError::Unsupported { .. }), "{err}");
}

#[test]
fn docker_archive_with_several_images_needs_a_tag() {
    let ls = layers();
    let (mut files, _) = legacy_docker_archive(&ls);
    let first: serde_json::Value = serde_json::from_slice(&files.files["manifest.json"]).unwrap();
    let cfg2 = config(&ls, "arm64");
    let cfg2_name = format!("{}.json", &sha256_of(&cfg2)[7..]);
    files.add(&cfg2_name, cfg2);
    let mut second = first[0].clone();
    second["Config"] = serde_json::Value::String(cfg2_name);
    second["RepoTags"] = serde_json::json!(["reg.example/app:2"]);
    files.add("manifest.json", serde_json::to_vec(&serde_json::json!([first[0], second])).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = write_tar(&dir, "two.tar", &files.to_tar());
    let err = open(&format!("docker-archive:{path}"), &SourceOptions::default()).err().unwrap();
    assert!(matches!(err, SourceError::NoMatchingManifest { .. }), "{err}");
    assert!(err.to_string().contains("app:1, reg.example/app:2"), "{err}");
    for (tag, arch) in [("app:1", "amd64"), ("1", "amd64"), ("reg.example/app:2", "arm64"), ("2", "arm64")] {
        let src = open(&format!("docker-archive:{path}:{tag}"), &SourceOptions::default()).unwrap();
        assert_eq!(src.meta().config.architecture, arch, "{tag}");
        assert_eq!(read_all(src.as_ref(), 1).unwrap(), ls[1]);
    }
    let err = open(&format!("docker-archive:{path}:3"), &SourceOptions::default()).err().unwrap();
    assert!(err.to_string().contains("tag \"3\""), "{err}");
}
