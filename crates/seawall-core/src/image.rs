use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// A container healthcheck (`Config.Healthcheck`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HealthCheck {
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]` (disabled).
    #[serde(default)]
    pub test: Vec<String>,
}

/// One entry of the image history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HistoryEntry {
    /// The command that created this step (`RUN |2 HF_TOKEN=… /bin/sh -c …` for BuildKit build args).
    #[serde(default)]
    pub created_by: String,
    /// True when the step produced no filesystem layer (ENV, LABEL, …).
    #[serde(default)]
    pub empty_layer: bool,
    /// RFC 3339 creation time, as recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Comment, as recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The runtime configuration and history of an image, from its config blob.
///
/// Hand-written rather than `oci_spec::image::ImageConfiguration` because Docker's config carries fields
/// the OCI type lacks (`Healthcheck`, `OnBuild`), and the analyzers need exactly this flat view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImageConfig {
    /// `amd64`, `arm64`, …
    #[serde(default)]
    pub architecture: String,
    /// `linux`, …
    #[serde(default)]
    pub os: String,
    /// `User`: empty means root.
    #[serde(default)]
    pub user: String,
    /// `Env` as `KEY=value` strings, in order.
    #[serde(default)]
    pub env: Vec<String>,
    /// `Entrypoint`.
    #[serde(default)]
    pub entrypoint: Vec<String>,
    /// `Cmd`.
    #[serde(default)]
    pub cmd: Vec<String>,
    /// `WorkingDir`.
    #[serde(default)]
    pub working_dir: String,
    /// `ExposedPorts` keys such as `8888/tcp`, sorted.
    #[serde(default)]
    pub exposed_ports: Vec<String>,
    /// `Volumes` keys, sorted.
    #[serde(default)]
    pub volumes: Vec<String>,
    /// `Labels`.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `Healthcheck`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthCheck>,
    /// `StopSignal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    /// `history`, oldest first.
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
    /// `rootfs.diff_ids`, bottom layer first.
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

// Raw mirror of the OCI / Docker config JSON (PascalCase keys inside `config`).
#[derive(Deserialize, Default)]
struct RawConfigFile {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    config: Option<RawRuntime>,
    #[serde(default)]
    history: Vec<RawHistory>,
    #[serde(default)]
    rootfs: Option<RawRootfs>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct RawRuntime {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    env: Option<Vec<String>>,
    #[serde(default)]
    entrypoint: Option<Vec<String>>,
    #[serde(default)]
    cmd: Option<Vec<String>>,
    #[serde(default)]
    working_dir: Option<String>,
    #[serde(default)]
    exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    volumes: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    healthcheck: Option<RawHealth>,
    #[serde(default)]
    stop_signal: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct RawHealth {
    #[serde(default)]
    test: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
struct RawHistory {
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    empty_layer: Option<bool>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Deserialize, Default)]
struct RawRootfs {
    #[serde(default)]
    diff_ids: Vec<String>,
}

impl ImageConfig {
    /// Parses an OCI or Docker image config blob.
    pub fn from_json(bytes: &[u8]) -> Result<Self, CoreError> {
        let raw: RawConfigFile = serde_json::from_slice(bytes)?;
        let rt = raw.config.unwrap_or_default();
        Ok(ImageConfig {
            architecture: raw.architecture,
            os: raw.os,
            user: rt.user.unwrap_or_default(),
            env: rt.env.unwrap_or_default(),
            entrypoint: rt.entrypoint.unwrap_or_default(),
            cmd: rt.cmd.unwrap_or_default(),
            working_dir: rt.working_dir.unwrap_or_default(),
            exposed_ports: rt.exposed_ports.unwrap_or_default().into_keys().collect(),
            volumes: rt.volumes.unwrap_or_default().into_keys().collect(),
            labels: rt.labels.unwrap_or_default(),
            healthcheck: rt.healthcheck.map(|h| HealthCheck { test: h.test.unwrap_or_default() }),
            stop_signal: rt.stop_signal,
            history: raw
                .history
                .into_iter()
                .map(|h| HistoryEntry {
                    created_by: h.created_by.unwrap_or_default(),
                    empty_layer: h.empty_layer.unwrap_or(false),
                    created: h.created,
                    comment: h.comment,
                })
                .collect(),
            diff_ids: raw.rootfs.map(|r| r.diff_ids).unwrap_or_default(),
        })
    }

    /// The value of an environment variable, if set.
    pub fn env_var(&self, key: &str) -> Option<&str> {
        self.env.iter().rev().find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
            (k == key).then_some(v)
        })
    }

    /// Index of the history entry that created the layer with the given 0-based index (skipping
    /// `empty_layer` entries), if the history is complete enough to tell.
    pub fn history_index_for_layer(&self, layer: usize) -> Option<usize> {
        self.history.iter().enumerate().filter(|(_, h)| !h.empty_layer).nth(layer).map(|(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_config() {
        let json = br#"{"architecture":"amd64","os":"linux",
          "config":{"User":"1000","Env":["PATH=/usr/bin","HF_TOKEN=x"],"ExposedPorts":{"8888/tcp":{}},
                    "Healthcheck":{"Test":["CMD","true"]},"Labels":null},
          "history":[{"created_by":"ADD file"},{"created_by":"ENV A=b","empty_layer":true},{"created_by":"RUN x"}],
          "rootfs":{"type":"layers","diff_ids":["sha256:a","sha256:b"]}}"#;
        let c = ImageConfig::from_json(json).unwrap_or_default();
        assert_eq!(c.user, "1000");
        assert_eq!(c.env_var("HF_TOKEN"), Some("x"));
        assert_eq!(c.exposed_ports, vec!["8888/tcp".to_string()]);
        assert_eq!(c.history_index_for_layer(1), Some(2));
        assert_eq!(c.diff_ids.len(), 2);
        assert!(c.healthcheck.is_some());
    }

    #[test]
    fn rejects_garbage() {
        assert!(ImageConfig::from_json(b"not json").is_err());
    }
}
