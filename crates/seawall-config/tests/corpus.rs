//! Scans the AI/ML configuration corpus in `tests/corpus/` (repo root) with the same code as
//! `seawall scan config` and compares *every* finding with `tests/corpus/EXPECTED` (one line per
//! finding: `path:line RULE`, `path:- RULE` for file-level findings), so a new false positive, a
//! lost finding or a moved line all fail. Also: every corpus file is read, or named in a warning
//! with the reason (0 files silently skipped).
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use std::collections::BTreeMap;
use std::path::Path;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus");

fn key(f: &seawall_core::Finding) -> String {
    let line = f.location.line.map_or_else(|| "-".to_string(), |l| l.to_string());
    format!("{}:{line} {}", f.location.path, f.id)
}

fn counts<I: IntoIterator<Item = String>>(it: I) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for k in it {
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

fn scan() -> seawall_config::ConfigScan {
    let opts = seawall_config::ConfigOptions { today: Some("2026-12-01".into()), ..Default::default() };
    seawall_config::scan_config_tree(Path::new(CORPUS), &opts)
}

#[test]
fn corpus_findings_match_expected_exactly() {
    let r = scan();
    for f in &r.findings {
        assert!((1..=10).contains(&f.practice));
        assert!(seawall_config::rule(&f.id).is_some(), "{} not in catalog", f.id);
        assert!(!f.fingerprint.is_empty());
    }
    let got = counts(r.findings.iter().map(key));
    // `# hadolint ignore=DL3008` in dockerfiles/Dockerfile-dev suppresses SW-DF-013 inline
    let sup: Vec<String> = r.suppressed.iter().map(key).collect();
    assert_eq!(sup, vec!["dockerfiles/Dockerfile-dev:3 SW-DF-013".to_string()]);
    let text = fs_err::read_to_string(Path::new(CORPUS).join("EXPECTED")).unwrap();
    let want = counts(
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string),
    );
    let mut diff = Vec::new();
    for k in got.keys().chain(want.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (g, w) = (got.get(k).copied().unwrap_or(0), want.get(k).copied().unwrap_or(0));
        if g != w {
            diff.push(format!("{k}: got {g}, expected {w}"));
        }
    }
    assert!(diff.is_empty(), "corpus findings differ from tests/corpus/EXPECTED:\n{}", diff.join("\n"));
}

#[test]
fn fingerprints_are_unique_per_finding() {
    let r = scan();
    let fps = counts(r.findings.iter().map(|f| f.fingerprint.clone()));
    let dup: Vec<_> = fps.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dup.is_empty(), "{dup:?}");
}

#[test]
fn every_corpus_file_is_read_or_reported() {
    let r = scan();
    let warned: Vec<String> =
        r.warnings.iter().filter_map(|w| w.location.as_ref().map(|l| l.path.clone())).collect();
    let mut missing = Vec::new();
    for e in walk(Path::new(CORPUS)) {
        let rel = e.strip_prefix(CORPUS).unwrap().to_string_lossy().trim_start_matches('/').to_string();
        if rel == "README.md" || rel == "EXPECTED" {
            continue;
        }
        if !r.files.contains(&rel) && !warned.contains(&rel) {
            missing.push(rel);
        }
    }
    assert!(missing.is_empty(), "silently skipped: {missing:?}\nread: {:?}", r.files);
    // the only warning: the Helm chart cannot be rendered without helm on PATH
    let incomplete: Vec<_> = r.warnings.iter().filter(|w| w.is_incomplete()).collect();
    assert_eq!(incomplete.len(), 1, "{incomplete:?}");
    assert!(incomplete[0].message.contains("Helm chart mlflow not fully analysed"), "{incomplete:?}");
    // and a notice says what was read
    let summary = r.warnings.iter().find(|w| !w.is_incomplete()).unwrap();
    assert!(summary.message.starts_with("configuration read: 13 Dockerfile(s), 12 compose file(s), 13 Kubernetes manifest file(s), 3 kustomization(s), 1 Helm chart(s), 1 other"), "{}", summary.message);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs_err::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn corpus_graphs_render() {
    for project in [
        "cuda-training",
        "jupyter",
        "ray-cluster",
        "mlflow",
        "torchserve",
        "triton",
        "ollama-webui",
        "vllm",
        "compose-rag",
    ] {
        let g = seawall_config::compose_graph_path(&Path::new(CORPUS).join(project)).unwrap();
        assert!(!g.services.is_empty(), "{project}");
        assert!(g.to_dot().contains("host"));
        assert!(g.to_mermaid().starts_with("flowchart LR"));
        assert!(g.to_svg().contains("</svg>"));
    }
    let g = seawall_config::compose_graph_path(&Path::new(CORPUS).join("mlflow")).unwrap();
    let names: Vec<&str> = g.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["minio", "mlflow", "postgres"]);
    assert!(g.services.iter().all(|s| s.role.is_sensitive() && s.internet_facing()));
    // include + extends + override + .env + network_mode: service:X
    let g = seawall_config::compose_graph_path(&Path::new(CORPUS).join("compose-rag")).unwrap();
    let names: Vec<&str> = g.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["api", "cache", "db", "mc", "ollama", "qdrant", "webui"]);
    let api = g.services.iter().find(|s| s.name == "api").unwrap();
    assert_eq!(api.networks, vec!["back", "front"], "api joins webui's network namespace");
    let webui = g.services.iter().find(|s| s.name == "webui").unwrap();
    assert_eq!(webui.ports[0].0.host_port, Some(8081), ".env WEBUI_PORT");
    let ollama = g.services.iter().find(|s| s.name == "ollama").unwrap();
    assert_eq!(ollama.ports.len(), 1, "compose.override.yaml merged");
    let qdrant = g.services.iter().find(|s| s.name == "qdrant").unwrap();
    assert_eq!(qdrant.ports[0].0.host_port_label(), "$QDRANT_PORT", "unresolved, never ephemeral");
    // several projects under one root: an error naming them, never a silent pick
    assert!(seawall_config::compose_graph_path(Path::new(CORPUS)).is_err());
    let all = seawall_config::compose_graphs_path(Path::new(CORPUS), &[]).unwrap();
    assert_eq!(all.len(), 9);
}
