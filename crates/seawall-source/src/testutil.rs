//! Fixture builders for tests: layer tars, configs, docker-save archives and OCI layouts, in memory.

use std::collections::BTreeMap;

use serde_json::json;

use crate::digest::sha256_of;

/// A small layer tar with the given files.
pub(crate) fn layer(files: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, content) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, content.as_bytes()).unwrap();
    }
    b.into_inner().unwrap()
}

/// An image config JSON whose diff_ids are the sha256 of `layers` (uncompressed).
pub(crate) fn config(layers: &[Vec<u8>], arch: &str) -> Vec<u8> {
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256_of(l)).collect();
    serde_json::to_vec(&json!({
        "architecture": arch, "os": "linux",
        "config": {"User": "app", "Env": ["PATH=/usr/bin"], "Cmd": ["python3"]},
        "history": diff_ids.iter().map(|d| json!({"created_by": format!("ADD {d}")})).collect::<Vec<_>>(),
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .unwrap()
}

/// Files of an archive or layout, name → bytes, plus symlinks name → target.
#[derive(Default)]
pub(crate) struct Files {
    pub(crate) files: BTreeMap<String, Vec<u8>>,
    pub(crate) symlinks: BTreeMap<String, String>,
}

impl Files {
    pub(crate) fn add(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.insert(name.to_string(), bytes);
    }

    /// Adds a blob and returns its digest.
    pub(crate) fn blob(&mut self, bytes: Vec<u8>) -> String {
        let d = sha256_of(&bytes);
        self.add(&format!("blobs/sha256/{}", &d[7..]), bytes);
        d
    }

    pub(crate) fn to_tar(&self) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in &self.files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, name, &data[..]).unwrap();
        }
        for (name, target) in &self.symlinks {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, name, target).unwrap();
        }
        b.into_inner().unwrap()
    }

    pub(crate) fn write_dir(&self, dir: &std::path::Path) {
        for (name, data) in &self.files {
            let p = dir.join(name);
            fs_err::create_dir_all(p.parent().unwrap()).unwrap();
            fs_err::write(p, data).unwrap();
        }
    }
}

/// The legacy `docker save` layout (Docker < 25): `<id>/layer.tar`, `<config hex>.json`, `manifest.json`.
/// The last layer duplicates the first and is stored as a symlink, as Docker does.
pub(crate) fn legacy_docker_archive(layers: &[Vec<u8>]) -> (Files, Vec<u8>) {
    let cfg = config(layers, "amd64");
    let cfg_name = format!("{}.json", &sha256_of(&cfg)[7..]);
    let mut f = Files::default();
    let mut paths = Vec::new();
    let mut first_path: BTreeMap<Vec<u8>, String> = BTreeMap::new();
    for (i, l) in layers.iter().enumerate() {
        let id = &sha256_of(format!("layer-id-{i}").as_bytes())[7..];
        let path = format!("{id}/layer.tar");
        f.add(&format!("{id}/VERSION"), b"1.0".to_vec());
        f.add(&format!("{id}/json"), format!("{{\"id\":\"{id}\"}}").into_bytes());
        if let Some(p) = first_path.get(l) {
            f.symlinks.insert(path.clone(), format!("../{p}"));
        } else {
            f.add(&path, l.clone());
            first_path.insert(l.clone(), path.clone());
        }
        paths.push(path);
    }
    f.add(
        "manifest.json",
        serde_json::to_vec(&json!([{"Config": cfg_name, "RepoTags": ["app:1"], "Layers": paths}])).unwrap(),
    );
    f.add(&cfg_name, cfg.clone());
    (f, cfg)
}

/// An OCI image layout with one image manifest per `(arch, layers)`; the index lists them with
/// platforms inside a nested index tagged `tag`, plus a second single-platform image tagged `other`.
pub(crate) struct Layout {
    pub(crate) files: Files,
    pub(crate) manifest_digests: BTreeMap<String, String>,
}

pub(crate) fn image_manifest(
    f: &mut Files,
    layers: &[Vec<u8>],
    arch: &str,
    docker_media: bool,
) -> (String, Vec<u8>) {
    let cfg = config(layers, arch);
    let cfg_len = cfg.len();
    let cfg_digest = f.blob(cfg);
    let (mt, cfg_mt, layer_mt) = if docker_media {
        (
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.container.image.v1+json",
            "application/vnd.docker.image.rootfs.diff.tar.gzip",
        )
    } else {
        (
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.config.v1+json",
            "application/vnd.oci.image.layer.v1.tar",
        )
    };
    let layer_descs: Vec<_> = layers
        .iter()
        .map(|l| json!({"mediaType": layer_mt, "digest": f.blob(l.clone()), "size": l.len()}))
        .collect();
    let m = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": mt,
        "config": {"mediaType": cfg_mt, "digest": cfg_digest, "size": cfg_len},
        "layers": layer_descs,
    }))
    .unwrap();
    let d = f.blob(m.clone());
    (d, m)
}

pub(crate) fn oci_layout(amd64: &[Vec<u8>], arm64: &[Vec<u8>], other: &[Vec<u8>]) -> Layout {
    let mut f = Files::default();
    let mut manifest_digests = BTreeMap::new();
    let (d_amd, m_amd) = image_manifest(&mut f, amd64, "amd64", false);
    let (d_arm, m_arm) = image_manifest(&mut f, arm64, "arm64", false);
    let (d_other, m_other) = image_manifest(&mut f, other, "amd64", true);
    manifest_digests.insert("amd64".to_string(), d_amd.clone());
    manifest_digests.insert("arm64".to_string(), d_arm.clone());
    manifest_digests.insert("other".to_string(), d_other.clone());
    let nested = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d_arm, "size": m_arm.len(),
             "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d_amd, "size": m_amd.len(),
             "platform": {"architecture": "amd64", "os": "linux"}},
        ]
    }))
    .unwrap();
    let nested_len = nested.len();
    let d_nested = f.blob(nested);
    f.add(
        "index.json",
        serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "manifests": [
                {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": d_nested, "size": nested_len,
                 "annotations": {"org.opencontainers.image.ref.name": "multi"}},
                {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "digest": d_other,
                 "size": m_other.len(), "annotations": {"org.opencontainers.image.ref.name": "other"}},
            ]
        }))
        .unwrap(),
    );
    f.add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    Layout { files: f, manifest_digests }
}

/// The Docker ≥ 25 `docker save` layout: an OCI layout plus `manifest.json`.
pub(crate) fn oci_style_docker_archive(layers: &[Vec<u8>]) -> (Files, String) {
    let mut f = Files::default();
    let (d, m) = image_manifest(&mut f, layers, "amd64", false);
    let manifest: serde_json::Value = serde_json::from_slice(&m).unwrap();
    let cfg = manifest["config"]["digest"].as_str().unwrap().to_string();
    let layer_paths: Vec<String> = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("blobs/sha256/{}", &l["digest"].as_str().unwrap()[7..]))
        .collect();
    f.add(
        "index.json",
        serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": m.len(),
              "annotations": {"io.containerd.image.name": "docker.io/library/app:1", "org.opencontainers.image.ref.name": "1"}}]}))
        .unwrap(),
    );
    f.add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    f.add(
        "manifest.json",
        serde_json::to_vec(&json!([{"Config": format!("blobs/sha256/{}", &cfg[7..]), "RepoTags": ["app:1"], "Layers": layer_paths}]))
            .unwrap(),
    );
    (f, d)
}
