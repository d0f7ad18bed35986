//! Secrets in image metadata: `Env`, labels, entrypoint/cmd and history `created_by` (where BuildKit
//! records build arguments: `RUN |2 HF_TOKEN=… /bin/sh -c …`).

use std::collections::BTreeSet;

use seawall_core::{Finding, ImageConfig, Location};

use crate::generic::Syntax;
use crate::plain::scan_plain;
use crate::scan::scan_assignment;

/// Scans an image configuration. Paths: `config.env` (line = 1-based index in `Env`),
/// `config.labels` (`details["key"]` = label), `config.entrypoint`, `config.cmd`, and `history[N]`
/// (layer = the layer that step created, for non-empty steps). A secret found in `Env` is not
/// reported again for the `ENV` history step that set it.
pub fn scan_image_config(config: &ImageConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen_env: BTreeSet<(String, String)> = BTreeSet::new();
    for (i, kv) in config.env.iter().enumerate() {
        let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
        let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if let Some(f) = scan_assignment(k, v, Location::file("config.env").with_line(line)) {
            seen_env.insert((f.id.clone(), f.redacted.clone().unwrap_or_default()));
            out.push(f);
        }
    }
    for (k, v) in &config.labels {
        if let Some(f) = scan_assignment(k, v, Location::file("config.labels")) {
            out.push(f);
        }
    }
    for (path, parts) in [("config.entrypoint", &config.entrypoint), ("config.cmd", &config.cmd)] {
        if !parts.is_empty() {
            out.extend(scan_plain(path, None, parts.join(" ").as_bytes(), Syntax::Config));
        }
    }
    let mut layer = 0u32;
    for (n, h) in config.history.iter().enumerate() {
        let this_layer = (!h.empty_layer).then_some(layer);
        if !h.empty_layer {
            layer = layer.saturating_add(1);
        }
        let path = format!("history[{n}]");
        let text = h.created_by.as_str();
        let is_env_step = text.contains("ENV ") && h.empty_layer;
        for mut f in scan_plain(&path, this_layer, text.as_bytes(), Syntax::Config) {
            if is_env_step && seen_env.contains(&(f.id.clone(), f.redacted.clone().unwrap_or_default())) {
                continue;
            }
            f.location.column = None;
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_core::HistoryEntry;

    fn hf() -> String {
        format!("hf_{}", "QmVtWcLdXyPaZrKsNbUjHgFeDiCoBqLxTp")
    }

    #[test]
    fn env_labels_history() {
        let weak = "Zq3v8LmT2pRx9WkBq8Zt";
        let cfg = ImageConfig {
            env: vec![
                "PATH=/usr/local/bin:/usr/bin".into(),
                "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D".into(),
                "PYTHON_SHA256=3126f59592c9b0d798584755f2bf7b081fa1ca35ce7a6fea980108d752a05bb1".into(),
                format!("HF_TOKEN={weak}"),
            ],
            labels: [("org.example.token".to_string(), hf())].into_iter().collect(),
            history: vec![
                HistoryEntry { created_by: "ADD rootfs.tar /".into(), ..Default::default() },
                HistoryEntry {
                    created_by: format!("ENV HF_TOKEN={weak}"),
                    empty_layer: true,
                    ..Default::default()
                },
                HistoryEntry {
                    created_by: format!("RUN |1 OPENAI_KEY={} /bin/sh -c pip install x", openai()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let f = scan_image_config(&cfg);
        let got: Vec<(&str, &str, Option<u32>)> =
            f.iter().map(|f| (f.location.path.as_str(), f.id.as_str(), f.location.layer)).collect();
        assert_eq!(
            got,
            vec![
                ("config.env", "SW-SEC-035", None),
                ("config.labels", "SW-SEC-001", None),
                ("history[2]", "SW-SEC-002", Some(1)),
            ]
        );
        assert_eq!(f[0].location.line, Some(4));
        assert_eq!(f[0].details.get("key").map(String::as_str), Some("HF_TOKEN"));
        assert_eq!(f[2].details.get("key").map(String::as_str), None);
        for x in &f {
            assert!(!format!("{x:?}").contains(weak));
            assert!(!format!("{x:?}").contains(&hf()));
        }
    }

    fn openai() -> String {
        format!("sk-proj-{}T3BlbkFJ{}", "Zq3v8LmT2pRx9WkBq8Zt2LmX9vKp3RwY", "q8Zt2LmX9vKp3RwY7nBcTf4Hj6Lp2Nm")
    }
}
