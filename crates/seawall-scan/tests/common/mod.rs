//! Builders for the hostile-image corpus: layer tars written byte by byte where a runtime and a
//! naive reader disagree, and images around them (docker-archive legacy and gzip-compressed, OCI
//! layouts) whose manifests and configs may lie about the layers.
#![allow(dead_code, reason = "shared by several test binaries, each of which uses a part")]
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use std::path::Path;

use seawall_core::{FindingKind, Report, Severity, WarningKind};
use seawall_scan::{ScanOptions, Scanners};

pub(crate) use seawall_testkit::{gzip, sha256 as sha, tar_of};

/// A correctly shaped, fake Hugging Face token (built here, not committed verbatim).
pub(crate) fn token() -> String {
    format!("hf_{}", "QwErTyUiOpAsDfGhJkLzXcVbNmQwErTyUi")
}

/// A `.env` file holding the token.
pub(crate) fn env_file() -> Vec<u8> {
    format!("HF_TOKEN={}\n", token()).into_bytes()
}

/// `/etc/shadow` with an account without password (SW-IMG-003, HIGH).
pub(crate) const EMPTY_PASSWORD_SHADOW: &[u8] = b"root::19000:0:99999:7:::\n";
/// A harmless `/etc/shadow`.
pub(crate) const LOCKED_SHADOW: &[u8] = b"root:*:19000:0:99999:7:::\n";

/// One raw 512-byte tar header block with a name written verbatim (no validation) and a valid checksum.
pub(crate) fn raw_header(name: &[u8], typeflag: u8, size: u64, link: &[u8]) -> [u8; 512] {
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::new(typeflag));
    {
        let old = h.as_old_mut();
        old.name = [0; 100];
        old.name[..name.len()].copy_from_slice(name);
        old.linkname[..link.len()].copy_from_slice(link);
    }
    h.set_cksum();
    let mut b = [0u8; 512];
    b.copy_from_slice(h.as_bytes());
    b
}

/// A member's data padded to whole blocks.
pub(crate) fn padded(data: &[u8]) -> Vec<u8> {
    let mut v = data.to_vec();
    v.resize(v.len().next_multiple_of(512), 0);
    v
}

/// Two zero blocks.
pub(crate) const END: [u8; 1024] = [0; 1024];

/// The logical content of a sparse `.env`: the token line in a fragment far from the start.
pub(crate) fn sparse_env() -> (Vec<u8>, Vec<(u64, u64)>) {
    let line = env_file();
    let mut content = vec![0u8; 64 * 1024];
    content[..8].copy_from_slice(b"# config");
    let at = 40_000;
    content[at..at + line.len()].copy_from_slice(&line);
    (content, vec![(0, 8), (at as u64, line.len() as u64)])
}

/// The logical content of a sparse `/etc/shadow`: a harmless first line, a hole, then an account
/// without password (what an analyzer sees only if the hole is expanded and the fragment read).
pub(crate) fn sparse_shadow() -> (Vec<u8>, Vec<(u64, u64)>) {
    let mut content = LOCKED_SHADOW.to_vec();
    let at = 40_960;
    content.resize(at, 0);
    content.push(b'\n');
    content.extend_from_slice(EMPTY_PASSWORD_SHADOW);
    let tail = (content.len() - at) as u64;
    (content, vec![(0, LOCKED_SHADOW.len() as u64), (at as u64, tail)])
}

fn stored(content: &[u8], map: &[(u64, u64)]) -> Vec<u8> {
    map.iter().flat_map(|&(o, l)| content[o as usize..(o + l) as usize].to_vec()).collect()
}

/// A PAX GNU sparse entry, format `0.0`, `0.1` or `1.0` — the records GNU tar
/// (`--format=posix --sparse-version=…`) and Python's `tarfile` `pax_headers` write — whose header name
/// is a decoy when the records name the file (`GNU.sparse.name`).
pub(crate) fn pax_sparse_layer(version: &str, name: &str, content: &[u8], map: &[(u64, u64)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let size = content.len().to_string();
    let pairs: Vec<String> = map.iter().flat_map(|(o, l)| [o.to_string(), l.to_string()]).collect();
    let mut data = stored(content, map);
    let mut records: Vec<(String, String)> = Vec::new();
    let header_name = match version {
        "0.0" => {
            records.push(("GNU.sparse.size".into(), size));
            records.push(("GNU.sparse.numblocks".into(), map.len().to_string()));
            for (o, l) in map {
                records.push(("GNU.sparse.offset".into(), o.to_string()));
                records.push(("GNU.sparse.numbytes".into(), l.to_string()));
            }
            name.to_string()
        }
        "0.1" => {
            records.push(("GNU.sparse.major".into(), "0".into()));
            records.push(("GNU.sparse.minor".into(), "1".into()));
            records.push(("GNU.sparse.name".into(), name.into()));
            records.push(("GNU.sparse.size".into(), size));
            records.push(("GNU.sparse.numblocks".into(), map.len().to_string()));
            records.push(("GNU.sparse.map".into(), pairs.join(",")));
            "GNUSparseFile.0/decoy.txt".to_string()
        }
        _ => {
            records.push(("GNU.sparse.major".into(), "1".into()));
            records.push(("GNU.sparse.minor".into(), "0".into()));
            records.push(("GNU.sparse.name".into(), name.into()));
            records.push(("GNU.sparse.realsize".into(), size));
            let mut m = format!("{}\n{}\n", map.len(), pairs.join("\n")).into_bytes();
            m.resize(m.len().next_multiple_of(512), 0);
            m.extend_from_slice(&data);
            data = m;
            "GNUSparseFile.0/decoy.txt".to_string()
        }
    };
    b.append_pax_extensions(records.iter().map(|(k, v)| (k.as_str(), v.as_bytes()))).unwrap();
    let mut h = tar::Header::new_ustar();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    b.append_data(&mut h, header_name, &data[..]).unwrap();
    b.into_inner().unwrap()
}

/// An old-GNU sparse entry (type `S`, as `tar --sparse --format=gnu` writes).
pub(crate) fn gnu_sparse_layer(name: &str, content: &[u8], map: &[(u64, u64)]) -> Vec<u8> {
    assert!(map.len() <= 4);
    let data = stored(content, map);
    let mut h = tar::Header::new_gnu();
    h.set_path(name).unwrap();
    h.set_mode(0o644);
    h.set_size(data.len() as u64);
    h.set_entry_type(tar::EntryType::GNUSparse);
    let octal = |field: &mut [u8], v: u64| {
        let s = format!("{v:0width$o}", width = field.len() - 1);
        field[..s.len()].copy_from_slice(s.as_bytes());
        field[s.len()] = 0;
    };
    {
        let g = h.as_gnu_mut().unwrap();
        octal(&mut g.realsize, content.len() as u64);
        for (i, &(o, l)) in map.iter().enumerate() {
            octal(&mut g.sparse[i].offset, o);
            octal(&mut g.sparse[i].numbytes, l);
        }
    }
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    out.extend_from_slice(&padded(&data));
    out.extend_from_slice(&END);
    out
}

/// Writes a legacy docker-archive (`<dir>/layer.tar`, `manifest.json`, `<config>.json`). `diff_ids`
/// are what the config claims (pass `None` for the true digests of the stored layers).
pub(crate) fn docker_archive(path: &Path, layers: &[Vec<u8>], diff_ids: Option<Vec<String>>) {
    let claims = diff_ids.unwrap_or_else(|| layers.iter().map(|l| sha(l)).collect());
    let cfg = serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {"User": "1000"},
        "rootfs": {"type": "layers", "diff_ids": claims},
        "history": layers.iter().map(|_| serde_json::json!({"created_by": "test"})).collect::<Vec<_>>(),
    });
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

/// One layer of an OCI layout: the bytes stored in the blob file, the digest the manifest names (the
/// blob file is named after it), and the diff_id the config claims.
pub(crate) struct OciLayer {
    pub(crate) stored: Vec<u8>,
    pub(crate) digest: String,
    pub(crate) diff_id: String,
}

impl OciLayer {
    /// An honest gzip layer of `tar`.
    pub(crate) fn gz(tar: &[u8]) -> OciLayer {
        let stored = gzip(tar);
        OciLayer { digest: sha(&stored), diff_id: sha(tar), stored }
    }
}

/// Writes an OCI image layout with one image tagged `t`.
pub(crate) fn oci_layout(dir: &Path, layers: &[OciLayer]) {
    let blobs = dir.join("blobs/sha256");
    fs_err::create_dir_all(&blobs).unwrap();
    let put = |digest: &str, bytes: &[u8]| fs_err::write(blobs.join(&digest[7..]), bytes).unwrap();
    let cfg = serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {"User": "1000"},
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>()},
        "history": layers.iter().map(|_| serde_json::json!({"created_by": "test"})).collect::<Vec<_>>(),
    });
    let cfg_bytes = serde_json::to_vec(&cfg).unwrap();
    put(&sha(&cfg_bytes), &cfg_bytes);
    for l in layers {
        put(&l.digest, &l.stored);
    }
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(&cfg_bytes), "size": cfg_bytes.len()},
        "layers": layers.iter().map(|l| serde_json::json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": l.digest, "size": l.stored.len()
        })).collect::<Vec<_>>(),
    });
    let m = serde_json::to_vec(&manifest).unwrap();
    put(&sha(&m), &m);
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(&m), "size": m.len(),
                       "annotations": {"org.opencontainers.image.ref.name": "t"}}],
    });
    fs_err::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    fs_err::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

/// Scan options of the corpus: everything but vulnerability matching, offline, cache as given.
pub(crate) fn opts(cache: Option<&Path>) -> ScanOptions {
    ScanOptions {
        scanners: Scanners { vuln: false, ..Scanners::default() },
        no_cache: cache.is_none(),
        cache_dir: cache.map(Path::to_path_buf),
        offline: true,
        ..Default::default()
    }
}

/// Scans a reference; a scan that cannot even start is a test failure.
pub(crate) fn scan(reference: &str, opts: &ScanOptions) -> Report {
    seawall_scan::scan_image(reference, opts).unwrap_or_else(|e| panic!("scan of {reference} failed: {e}"))
}

/// What `seawall scan … --fail-on HIGH` would exit with (1: findings or incomplete, 0: clean).
pub(crate) fn exit_code(r: &Report) -> i32 {
    seawall_policy::gate(r, &seawall_policy::FailOn::all(Severity::High)).code()
}

/// The kinds of the warnings that make the scan incomplete.
pub(crate) fn gaps(r: &Report) -> Vec<WarningKind> {
    let mut v: Vec<WarningKind> = r.warnings.iter().filter(|w| w.is_incomplete()).map(|w| w.kind).collect();
    v.sort();
    v.dedup();
    v
}

/// True when the report has a secret finding at `path` (any layer), at HIGH or above.
pub(crate) fn has_secret(r: &Report, path: &str) -> bool {
    r.findings
        .iter()
        .any(|f| f.kind == FindingKind::Secret && f.location.path == path && f.severity >= Severity::High)
}

/// True when the report flags an account with an empty password (SW-IMG-003, HIGH).
pub(crate) fn has_empty_password(r: &Report) -> bool {
    r.findings.iter().any(|f| f.id == "SW-IMG-003" && f.severity >= Severity::High)
}

/// Every warning, rendered (for assertion messages).
pub(crate) fn show(r: &Report) -> String {
    r.warnings.iter().map(|w| format!("{:?}: {}", w.kind, w.render())).collect::<Vec<_>>().join("\n")
}
