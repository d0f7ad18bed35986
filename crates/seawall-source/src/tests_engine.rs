//! Tests of the Docker Engine source against a mock engine on a unix socket.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use serde_json::value::RawValue;

use crate::digest::sha256_of;
use crate::savestream::{chain_ids, legacy_v1_id};
use crate::testutil::*;
use crate::{SourceError, SourceOptions, open};

struct MockEngine {
    _dir: tempfile::TempDir,
    host: String,
    saves: Arc<AtomicUsize>,
}

fn serve(inspect: Vec<u8>, history: Vec<u8>, save: Vec<u8>) -> MockEngine {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("docker.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    let saves = Arc::new(AtomicUsize::new(0));
    let counter = saves.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(50).flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let (status, body): (&str, &[u8]) = match path.as_str() {
                "/images/app:1/json" => ("200 OK", &inspect),
                "/images/app:1/history" => ("200 OK", &history),
                "/images/app:1/get" => {
                    counter.fetch_add(1, Ordering::SeqCst);
                    ("200 OK", &save)
                }
                _ => ("404 Not Found", br#"{"message":"No such image"}"#),
            };
            let mut s = stream;
            let _ =
                write!(s, "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = s.write_all(body);
        }
    });
    MockEngine { host: format!("unix://{}", sock.display()), _dir: dir, saves }
}

fn empty_layer() -> Vec<u8> {
    vec![0u8; 1024]
}

/// Layers: A, B, A again (stored as a symlink), empty, empty again.
fn engine_layers() -> Vec<Vec<u8>> {
    let a = layer(&[("etc/os-release", "ID=debian\n")]);
    let b = layer(&[("app/run.py", "print(1)\n")]);
    vec![a.clone(), b, a, empty_layer(), empty_layer()]
}

fn inspect_and_history(cfg: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let c: serde_json::Value = serde_json::from_slice(cfg).unwrap();
    let inspect = json!({
        "Id": sha256_of(cfg), "Architecture": "amd64", "Os": "linux",
        "Config": c["config"], "RootFS": {"Type": "layers", "Layers": c["rootfs"]["diff_ids"]},
    });
    let mut history: Vec<_> = c["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(
            |h| json!({"Id": "<missing>", "Created": 1_700_000_000, "CreatedBy": h["created_by"], "Size": 1}),
        )
        .collect();
    history.reverse();
    (serde_json::to_vec(&inspect).unwrap(), serde_json::to_vec(&history).unwrap())
}

/// A legacy `docker save` stream as Docker 20.10 writes it: v1 ids as Docker computes them (unless
/// `scramble_ids`), members sorted by name, duplicates as symlinks.
fn legacy_save(layers: &[Vec<u8>], scramble_ids: bool) -> (Vec<u8>, Vec<u8>) {
    let cfg = config(layers, "amd64");
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256_of(l)).collect();
    let chains = chain_ids(&diff_ids);
    let mut files = Files::default();
    let mut paths = Vec::new();
    let mut first: BTreeMap<String, String> = BTreeMap::new();
    let mut parent: Option<String> = None;
    for (i, l) in layers.iter().enumerate() {
        let mut fields: BTreeMap<String, Box<RawValue>> = BTreeMap::new();
        fields.insert("created".into(), RawValue::from_string("\"1970-01-01T00:00:00Z\"".into()).unwrap());
        fields.insert(
            "container_config".into(),
            RawValue::from_string(r#"{"Hostname":"","Env":null,"Cmd":null}"#.into()).unwrap(),
        );
        if let Some(p) = &parent {
            fields.insert("parent".into(), RawValue::from_string(format!("\"{p}\"")).unwrap());
        }
        let id = if scramble_ids {
            sha256_of(format!("random-{i}").as_bytes())[7..].to_string()
        } else {
            legacy_v1_id(&fields, false, &chains[i]).unwrap()
        };
        fields.insert("id".into(), RawValue::from_string(format!("\"{id}\"")).unwrap());
        fields.insert("os".into(), RawValue::from_string("\"linux\"".into()).unwrap());
        files.add(&format!("{id}/json"), serde_json::to_vec(&fields).unwrap());
        files.add(&format!("{id}/VERSION"), b"1.0".to_vec());
        let path = format!("{id}/layer.tar");
        match first.get(&diff_ids[i]) {
            Some(p) => {
                files.symlinks.insert(path.clone(), format!("../{p}"));
            }
            None => {
                files.add(&path, l.clone());
                first.insert(diff_ids[i].clone(), path.clone());
            }
        }
        paths.push(path);
        parent = Some(id);
    }
    let cfg_name = format!("{}.json", &sha256_of(&cfg)[7..]);
    files.add(&cfg_name, cfg.clone());
    files.add("manifest.json", serde_json::to_vec(&json!([{"Config": cfg_name, "Layers": paths}])).unwrap());
    files.add("repositories", b"{}".to_vec());
    (sorted_tar(&files), cfg)
}

/// Like `Files::to_tar` but with files and symlinks interleaved in name order, as `archive.Tar` does.
fn sorted_tar(files: &Files) -> Vec<u8> {
    let mut names: Vec<(&String, bool)> =
        files.files.keys().map(|k| (k, false)).chain(files.symlinks.keys().map(|k| (k, true))).collect();
    names.sort();
    let mut b = tar::Builder::new(Vec::new());
    for (name, is_link) in names {
        let mut h = tar::Header::new_gnu();
        if is_link {
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, name, &files.symlinks[name]).unwrap();
        } else {
            let data = &files.files[name];
            h.set_size(data.len() as u64);
            b.append_data(&mut h, name, &data[..]).unwrap();
        }
    }
    b.into_inner().unwrap()
}

fn collect(src: &dyn crate::ImageSource) -> Result<BTreeMap<u32, Vec<u8>>, SourceError> {
    Ok(collect_deliveries(src)?.into_iter().map(|(i, (_, v))| (i, v)).collect())
}

/// Layer index → (blob digest its delivery claimed, bytes).
type Deliveries = BTreeMap<u32, (Option<String>, Vec<u8>)>;

/// Every layer's bytes and the blob digest its delivery claimed; each blob is delivered once.
fn collect_deliveries(src: &dyn crate::ImageSource) -> Result<Deliveries, SourceError> {
    let got = Mutex::new(BTreeMap::new());
    src.stream_layers(&mut |d, r| {
        let mut v = Vec::new();
        r.read_to_end(&mut v).map_err(|e| SourceError::Read { what: "test".into(), source: e })?;
        for &i in &d.indexes {
            let prev = got.lock().unwrap().insert(i, (d.blob_digest.clone(), v.clone()));
            assert!(prev.is_none(), "layer {i} delivered twice");
        }
        Ok(())
    })?;
    Ok(got.into_inner().unwrap())
}

fn opts(host: &str) -> SourceOptions {
    SourceOptions { docker_host: Some(host.to_string()), ..Default::default() }
}

fn check_all_layers(ls: &[Vec<u8>], got: &BTreeMap<u32, Vec<u8>>) {
    assert_eq!(got.len(), ls.len());
    for (i, l) in ls.iter().enumerate() {
        assert_eq!(&got[&u32::try_from(i).unwrap()], l, "layer {i}");
    }
}

#[test]
fn legacy_stream_maps_layers_by_v1_id_and_refines_meta() {
    let ls = engine_layers();
    let (save, cfg) = legacy_save(&ls, false);
    let (inspect, history) = inspect_and_history(&cfg);
    let mock = serve(inspect, history, save);
    let src = open("docker:app:1", &opts(&mock.host)).unwrap();
    assert!(!src.random_access());
    assert!(matches!(src.open_layer(0), Err(SourceError::Unsupported { .. })));
    let before = src.meta().clone();
    assert_eq!(before.config_digest, sha256_of(&cfg));
    assert_eq!(before.layers.len(), 5);
    assert!(before.layers.iter().all(|l| l.size == 0));
    assert_eq!(before.config.history.len(), 5);
    let got = collect(src.as_ref()).unwrap();
    check_all_layers(&ls, &got);
    // A, B and the symlinked A at most need a second pass; never more.
    assert!(mock.saves.load(Ordering::SeqCst) <= 2);
    let after = src.meta();
    assert_eq!(after.config, seawall_core::ImageConfig::from_json(&cfg).unwrap());
    let sizes: Vec<u64> = after.layers.iter().map(|l| l.size).collect();
    assert_eq!(sizes, ls.iter().map(|l| l.len() as u64).collect::<Vec<_>>());
}

#[test]
fn legacy_stream_without_duplicates_takes_one_pass() {
    let ls = vec![layer(&[("a", "1")]), layer(&[("b", "2")]), layer(&[("c", "3")]), layer(&[("d", "4")])];
    let (save, cfg) = legacy_save(&ls, false);
    let (inspect, history) = inspect_and_history(&cfg);
    let mock = serve(inspect, history, save);
    let src = open("docker:app:1", &opts(&mock.host)).unwrap();
    check_all_layers(&ls, &collect(src.as_ref()).unwrap());
    assert_eq!(mock.saves.load(Ordering::SeqCst), 1);
}

#[test]
fn legacy_stream_with_unknown_ids_needs_a_second_pass() {
    let ls = engine_layers();
    let (save, cfg) = legacy_save(&ls, true);
    let (inspect, history) = inspect_and_history(&cfg);
    let mock = serve(inspect, history, save);
    let src = open("docker:app:1", &opts(&mock.host)).unwrap();
    let got = collect(src.as_ref()).unwrap();
    check_all_layers(&ls, &got);
    assert_eq!(mock.saves.load(Ordering::SeqCst), 2);
}

#[test]
fn oci_style_stream_maps_blobs_by_diff_id() {
    let ls = vec![layer(&[("a", "1")]), layer(&[("b", "2")])];
    let (files, _) = oci_style_docker_archive(&ls);
    let cfg_path = files.files.keys().find(|k| {
        k.starts_with("blobs/")
            && serde_json::from_slice::<serde_json::Value>(&files.files[*k])
                .is_ok_and(|v| v.get("rootfs").is_some())
    });
    let cfg = files.files[cfg_path.unwrap()].clone();
    let (inspect, history) = inspect_and_history(&cfg);
    let mock = serve(inspect, history, files.to_tar());
    let src = open("docker:app:1", &opts(&mock.host)).unwrap();
    let got = collect(src.as_ref()).unwrap();
    check_all_layers(&ls, &got);
    assert_eq!(mock.saves.load(Ordering::SeqCst), 1);
    assert_eq!(src.meta().config, seawall_core::ImageConfig::from_json(&cfg).unwrap());
}

#[test]
fn oci_style_stream_with_compressed_blobs_maps_through_manifest_json() {
    // Blobs stored "compressed" (any bytes other than the diff_id's): only manifest.json, which comes
    // after the blobs, maps them to layers, so a second pass is needed; each blob is verified against
    // its own name.
    let ls = vec![layer(&[("a", "1")]), layer(&[("b", "2")])];
    let cfg = config(&ls, "amd64");
    let mut f = Files::default();
    let cfg_digest = f.blob(cfg.clone());
    let stored: Vec<Vec<u8>> = ls.iter().map(|l| [b"gz".as_slice(), l].concat()).collect();
    let paths: Vec<String> =
        stored.iter().map(|b| format!("blobs/sha256/{}", &f.blob(b.clone())[7..])).collect();
    f.add(
        "manifest.json",
        serde_json::to_vec(
            &json!([{"Config": format!("blobs/sha256/{}", &cfg_digest[7..]), "Layers": paths}]),
        )
        .unwrap(),
    );
    let (inspect, history) = inspect_and_history(&cfg);
    let mock = serve(inspect, history, f.to_tar());
    let src = open("docker:app:1", &opts(&mock.host)).unwrap();
    check_all_layers(&stored, &collect(src.as_ref()).unwrap());
    assert_eq!(mock.saves.load(Ordering::SeqCst), 2);
}

/// The stream delivers the corrupt bytes as they are; they do not meet the layer's claim (the
/// consumer, hashing while it walks, reports the mismatch).
#[test]
fn corrupt_layer_in_stream_does_not_meet_its_claim() {
    let ls = engine_layers();
    let (save, cfg) = legacy_save(&ls, false);
    let (inspect, history) = inspect_and_history(&cfg);
    // Flip a byte inside layer B's content ("print(1)").
    let mut save = save;
    let pos = save.windows(8).position(|w| w == b"print(1)").unwrap();
    save[pos] = b'P';
    let mock = serve(inspect, history, save);
    let src = open("docker:app:1", &opts(&mock.host)).unwrap();
    let got = collect_deliveries(src.as_ref()).unwrap();
    let diff_ids = &src.meta().config.diff_ids;
    let bad: Vec<u32> = got
        .iter()
        .filter(|(i, (claim, bytes))| {
            let expected = claim.clone().unwrap_or_else(|| diff_ids[**i as usize].clone());
            crate::digest::sha256_of(bytes) != expected
        })
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(bad, vec![1], "exactly the corrupted layer fails its claim");
}

#[test]
fn engine_errors_name_the_image_and_endpoint() {
    let mock = serve(b"{}".to_vec(), b"[]".to_vec(), Vec::new());
    let err = open("docker:nope:1", &opts(&mock.host)).err().unwrap();
    assert!(matches!(err, SourceError::Missing { ref member, .. } if member == "image nope:1"), "{err}");
    let err = open("docker:app:1", &opts("unix:///nonexistent/docker.sock")).err().unwrap();
    assert!(matches!(err, SourceError::Docker { .. }), "{err}");
    assert!(err.to_string().contains("/nonexistent/docker.sock"), "{err}");
    let err = open("docker:app:1", &opts("ssh://host")).err().unwrap();
    assert!(err.to_string().contains("unsupported DOCKER_HOST"), "{err}");
    let err = open("docker:../../x", &opts(&mock.host)).err().unwrap();
    assert!(matches!(err, SourceError::InvalidReference { .. }), "{err}");
}
