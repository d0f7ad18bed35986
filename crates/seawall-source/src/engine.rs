//! The local Docker Engine (`docker:NAME[:TAG]`), over its HTTP API on the unix socket or `DOCKER_HOST`.
//!
//! HTTP goes through the same blocking `reqwest` client as the registry source (it speaks HTTP/1.1 over
//! a unix socket), so the `docker save` body is a plain synchronous `Read` streamed straight into the
//! walker: no async runtime bridge, no temporary files. (`bollard` would add a tokio runtime and a
//! stream-to-`Read` adapter for the one streamed endpoint we need.)
//!
//! Metadata comes from `GET /images/{name}/json` and `/history` before any layer is read; the layers
//! come from `GET /images/{name}/get` streams, read by [`crate::savestream`] (which explains how
//! layers are matched to indexes in an unordered stream). Once the stream has been read,
//! [`crate::ImageSource::meta`] answers from the exact config blob seen in it.

use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use serde::Deserialize;

use crate::manifest::MAX_CONFIG_SIZE;
use crate::savestream::{SaveStreamImage, StreamOpener};
use crate::{ImageMeta, LayerDesc, SourceError, SourceOptions};

/// Default Docker Engine socket.
pub(crate) const DEFAULT_SOCKET: &str = "/var/run/docker.sock";
/// The media type reported for engine layers (always uncompressed tars).
const LAYER_MEDIA_TYPE: &str = "application/vnd.docker.image.rootfs.diff.tar";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Inspect {
    id: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    config: Option<serde_json::Value>,
    #[serde(default, rename = "RootFS")]
    root_fs: Option<InspectRootFs>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InspectRootFs {
    #[serde(default)]
    layers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HistoryItem {
    #[serde(default)]
    created: i64,
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    size: i64,
}

/// Where to reach the engine.
#[derive(Debug, Clone)]
struct Endpoint {
    display: String,
    base: String,
    client: Client,
}

fn docker_err(endpoint: &str, reason: impl std::fmt::Display) -> SourceError {
    SourceError::Docker { endpoint: endpoint.to_string(), reason: reason.to_string() }
}

impl Endpoint {
    fn new(opts: &SourceOptions) -> Result<Endpoint, SourceError> {
        let host = opts
            .docker_host
            .clone()
            .or_else(|| opts.env.docker_host().filter(|h| !h.is_empty()).map(str::to_string))
            .unwrap_or_else(|| format!("unix://{DEFAULT_SOCKET}"));
        let builder = Client::builder().timeout(None::<Duration>).connect_timeout(Duration::from_secs(30));
        if let Some(path) = host.strip_prefix("unix://") {
            #[cfg(unix)]
            {
                let client = builder
                    .unix_socket(std::path::PathBuf::from(path))
                    .build()
                    .map_err(|e| docker_err(&host, e))?;
                return Ok(Endpoint { display: host.clone(), base: "http://localhost".to_string(), client });
            }
            #[cfg(not(unix))]
            return Err(docker_err(&host, format!("unix sockets are not supported here ({path})")));
        }
        if let Some(addr) = host.strip_prefix("tcp://").or_else(|| host.strip_prefix("http://")) {
            let client = builder.build().map_err(|e| docker_err(&host, e))?;
            return Ok(Endpoint {
                display: host.clone(),
                base: format!("http://{}", addr.trim_end_matches('/')),
                client,
            });
        }
        Err(docker_err(&host, "unsupported DOCKER_HOST (use unix:///path or tcp://host:port)"))
    }

    fn get(&self, path: &str, name: &str) -> Result<Response, SourceError> {
        let url = format!("{}{path}", self.base);
        let resp = self
            .client
            .get(&url)
            .send()
            .map_err(|e| docker_err(&self.display, format!("GET {path}: {}", crate::error::chain(&e))))?;
        match resp.status() {
            s if s.is_success() => Ok(resp),
            StatusCode::NOT_FOUND => Err(SourceError::Missing {
                container: format!("docker engine ({})", self.display),
                member: format!("image {name}"),
            }),
            s => {
                let mut body = String::new();
                let _ = resp.take(4096).read_to_string(&mut body);
                Err(docker_err(&self.display, format!("GET {path}: {s}: {}", body.trim())))
            }
        }
    }

    fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str, name: &str) -> Result<T, SourceError> {
        let resp = self.get(path, name)?;
        let mut buf = Vec::new();
        resp.take(MAX_CONFIG_SIZE + 1)
            .read_to_end(&mut buf)
            .map_err(|e| SourceError::Read { what: format!("docker engine {path}"), source: e })?;
        if buf.len() as u64 > MAX_CONFIG_SIZE {
            return Err(SourceError::TooLarge {
                what: format!("docker engine {path}"),
                limit: MAX_CONFIG_SIZE,
            });
        }
        serde_json::from_slice(&buf)
            .map_err(|e| SourceError::Json { what: format!("docker engine {path}"), source: e })
    }
}

fn validate_name(name: &str) -> Result<(), SourceError> {
    let ok = !name.is_empty()
        && name.len() <= 512
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-:/@".contains(&b))
        && !name.split('/').any(|c| c == ".." || c == ".");
    if ok {
        Ok(())
    } else {
        Err(SourceError::InvalidReference {
            reference: format!("docker:{name}"),
            reason: "not a Docker image name or ID".to_string(),
        })
    }
}

/// Reconstructs `history` with `empty_layer` flags from the engine's history API (newest first).
fn reconstruct_history(items: &[HistoryItem], layer_count: usize) -> Vec<serde_json::Value> {
    let oldest_first: Vec<&HistoryItem> = items.iter().rev().collect();
    let sized = oldest_first.iter().filter(|h| h.size > 0).count();
    let mut extra = layer_count.saturating_sub(sized);
    let metadata_only = |cmd: &str| {
        let c = cmd.trim_start();
        let c = c.strip_prefix("/bin/sh -c #(nop) ").map(str::trim_start).unwrap_or(c);
        [
            "ENV",
            "LABEL",
            "CMD",
            "ENTRYPOINT",
            "EXPOSE",
            "USER",
            "ARG",
            "VOLUME",
            "STOPSIGNAL",
            "HEALTHCHECK",
            "SHELL",
            "ONBUILD",
            "MAINTAINER",
        ]
        .iter()
        .any(|k| c.starts_with(k))
            || cmd.contains("#(nop)") && !cmd.contains("ADD ") && !cmd.contains("COPY ")
    };
    // Empty diffs that are real layers: prefer non-metadata steps, oldest first.
    let mut is_layer: Vec<bool> = oldest_first.iter().map(|h| h.size > 0).collect();
    for (i, h) in oldest_first.iter().enumerate() {
        if extra == 0 {
            break;
        }
        if !is_layer[i] && !metadata_only(&h.created_by) {
            is_layer[i] = true;
            extra -= 1;
        }
    }
    oldest_first
        .iter()
        .zip(is_layer)
        .map(|(h, layer)| {
            let created = jiff::Timestamp::from_second(h.created).map(|t| t.to_string()).unwrap_or_default();
            let mut v = serde_json::json!({"created": created, "created_by": h.created_by});
            if !h.comment.is_empty() {
                v["comment"] = serde_json::Value::String(h.comment.clone());
            }
            if !layer {
                v["empty_layer"] = serde_json::Value::Bool(true);
            }
            v
        })
        .collect()
}

/// Opens `docker:NAME[:TAG]` (or an image ID).
pub(crate) fn open_engine(
    name: &str,
    image: &str,
    opts: &SourceOptions,
) -> Result<SaveStreamImage, SourceError> {
    validate_name(image)?;
    let endpoint = Endpoint::new(opts)?;
    let inspect: Inspect = endpoint.get_json(&format!("/images/{image}/json"), image)?;
    let history: Vec<HistoryItem> = endpoint.get_json(&format!("/images/{image}/history"), image)?;
    let diff_ids = inspect.root_fs.map(|r| r.layers).unwrap_or_default();
    if diff_ids.is_empty() {
        return Err(docker_err(&endpoint.display, format!("image {image} has no layers")));
    }
    let mut config_json = serde_json::json!({
        "architecture": inspect.architecture,
        "os": inspect.os,
        "config": inspect.config.unwrap_or(serde_json::Value::Null),
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": reconstruct_history(&history, diff_ids.len()),
    });
    if let Some(v) = inspect.variant {
        config_json["variant"] = serde_json::Value::String(v);
    }
    let bytes = serde_json::to_vec(&config_json)
        .map_err(|e| SourceError::Json { what: format!("docker engine image {image}"), source: e })?;
    let config = seawall_core::ImageConfig::from_json(&bytes)
        .map_err(|e| SourceError::Config { what: format!("docker engine image {image}"), source: e })?;
    let layers = diff_ids
        .iter()
        .enumerate()
        .map(|(i, d)| LayerDesc {
            index: u32::try_from(i).unwrap_or(u32::MAX),
            diff_id: d.clone(),
            digest: None,
            size: 0,
            media_type: LAYER_MEDIA_TYPE.to_string(),
        })
        .collect();
    let initial =
        ImageMeta { name: name.to_string(), digest: None, config_digest: inspect.id, config, layers };
    Ok(SaveStreamImage {
        opener: Box::new(EngineStream { endpoint, image: image.to_string() }),
        label: format!("docker engine image {image}"),
        initial,
        exact: OnceLock::new(),
        seed_layers: HashMap::new(),
        seed_links: HashMap::new(),
    })
}

/// `GET /images/{name}/get`, once per pass.
struct EngineStream {
    endpoint: Endpoint,
    image: String,
}

impl StreamOpener for EngineStream {
    fn open_stream(&self) -> Result<Box<dyn Read + Send>, SourceError> {
        let resp = self.endpoint.get(&format!("/images/{}/get", self.image), &self.image)?;
        Ok(Box::new(resp))
    }
}
