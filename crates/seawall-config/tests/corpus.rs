//! Scans the AI/ML configuration corpus in `tests/corpus/` (repo root) and pins the important
//! findings per file, plus negatives where the corpus does the right thing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus");

fn scan() -> BTreeSet<(String, String)> {
    let (findings, warnings) = seawall_config::scan_config_path(Path::new(CORPUS));
    assert!(warnings.is_empty(), "every corpus file parses: {warnings:?}");
    for f in &findings {
        assert!((1..=10).contains(&f.practice));
        assert!(seawall_config::rule(&f.id).is_some(), "{} not in catalog", f.id);
        assert!(!f.fingerprint.is_empty());
        let absent_thing = matches!(
            f.id.as_str(),
            "SW-DF-002" | "SW-DF-022" | "SW-K8S-021" | "SW-K8S-022" | "SW-COMPOSE-003"
        );
        assert!(absent_thing || f.location.line.is_some(), "{} in {} has no line", f.id, f.location.path);
    }
    findings.into_iter().map(|f| (f.location.path, f.id)).collect()
}

#[test]
fn corpus_findings() {
    let got = scan();
    let expect: &[(&str, &[&str])] = &[
        (
            "cuda-training/Dockerfile",
            &[
                "SW-DF-002",
                "SW-DF-004",
                "SW-DF-010",
                "SW-DF-017",
                "SW-DF-018",
                "SW-DF-019",
                "SW-DF-025",
                "SW-DF-028",
                "SW-DF-029",
            ],
        ),
        (
            "cuda-training/docker-compose.yml",
            &["SW-COMPOSE-001", "SW-COMPOSE-004", "SW-CTR-009", "SW-CTR-021", "SW-CTR-024", "SW-ML-006"],
        ),
        ("cuda-training/k8s.yaml", &["SW-K8S-003", "SW-K8S-005", "SW-K8S-026", "SW-K8S-029", "SW-K8S-020"]),
        ("jupyter/Dockerfile", &["SW-DF-020", "SW-DF-029", "SW-DF-032", "SW-ML-001", "SW-ML-002"]),
        (
            "jupyter/docker-compose.yml",
            &["SW-COMPOSE-001", "SW-COMPOSE-004", "SW-CTR-012", "SW-CTR-018", "SW-CTR-021"],
        ),
        ("jupyter/k8s.yaml", &["SW-K8S-025", "SW-K8S-031", "SW-ML-001"]),
        ("ray-cluster/Dockerfile", &["SW-DF-003", "SW-DF-004", "SW-ML-003"]),
        (
            "ray-cluster/docker-compose.yml",
            &["SW-COMPOSE-004", "SW-COMPOSE-005", "SW-CTR-001", "SW-CTR-023", "SW-ML-003"],
        ),
        ("ray-cluster/k8s.yaml", &["SW-K8S-023", "SW-K8S-024", "SW-K8S-025", "SW-ML-003"]),
        ("mlflow/Dockerfile", &["SW-DF-018", "SW-DF-029", "SW-ML-004"]),
        ("mlflow/docker-compose.yml", &["SW-COMPOSE-001", "SW-COMPOSE-004", "SW-COMPOSE-002"]),
        ("mlflow/k8s.yaml", &["SW-K8S-025", "SW-K8S-026", "SW-K8S-027", "SW-ML-004"]),
        ("ollama-webui/Dockerfile", &["SW-DF-005", "SW-ML-005"]),
        ("ollama-webui/docker-compose.yml", &["SW-COMPOSE-001", "SW-COMPOSE-004", "SW-CTR-024", "SW-ML-005"]),
        ("ollama-webui/k8s.yaml", &["SW-K8S-025", "SW-ML-005"]),
        ("torchserve/Dockerfile", &["SW-DF-001", "SW-DF-009", "SW-ML-007"]),
        ("torchserve/config.properties", &["SW-ML-007"]),
        ("torchserve/docker-compose.yml", &["SW-COMPOSE-004", "SW-ML-007"]),
        ("torchserve/k8s.yaml", &["SW-K8S-025", "SW-ML-007"]),
        ("triton/docker-compose.yml", &["SW-COMPOSE-004", "SW-CTR-018"]),
        ("triton/k8s.yaml", &["SW-K8S-022", "SW-K8S-025", "SW-K8S-026"]),
        ("vllm/Dockerfile", &["SW-DF-002", "SW-DF-014"]),
        ("vllm/docker-compose.yml", &["SW-COMPOSE-001", "SW-CTR-009", "SW-CTR-024", "SW-ML-009"]),
        ("vllm/k8s.yaml", &["SW-K8S-020", "SW-K8S-030"]),
    ];
    for (file, ids) in expect {
        for id in *ids {
            assert!(got.contains(&((*file).to_string(), (*id).to_string())), "{file}: expected {id}");
        }
    }
    let not_expected: &[(&str, &str)] = &[
        ("triton/Dockerfile", "SW-DF-022"),                    // has a HEALTHCHECK
        ("triton/Dockerfile", "SW-DF-024"),                    // pip --no-cache-dir
        ("triton/Dockerfile", "SW-DF-014"),                    // pinned
        ("triton/k8s.yaml", "SW-K8S-021"),                     // default-deny ingress present
        ("triton/k8s.yaml", "SW-K8S-024"),                     // egress limited to 443
        ("triton/k8s.yaml", "SW-K8S-014"),                     // runAsNonRoot at pod level
        ("triton/docker-compose.yml", "SW-CTR-024"),           // one GPU by id
        ("vllm/k8s.yaml", "SW-K8S-026"),                       // secrets via secretKeyRef
        ("vllm/k8s.yaml", "SW-K8S-012"),                       // emptyDir is allowed
        ("ray-cluster/Dockerfile", "SW-DF-001"),               // ends with USER ray
        ("mlflow/Dockerfile", "SW-DF-013"),                    // no apt-get
        ("ollama-webui/docker-compose.yml", "SW-COMPOSE-005"), // ollama itself is public
    ];
    for (file, id) in not_expected {
        assert!(!got.contains(&((*file).to_string(), (*id).to_string())), "{file}: unexpected {id}");
    }
    let files: BTreeSet<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(files.len(), 25, "every corpus file yields findings: {files:?}");
}

#[test]
fn corpus_graphs_render() {
    for project in
        ["cuda-training", "jupyter", "ray-cluster", "mlflow", "torchserve", "triton", "ollama-webui", "vllm"]
    {
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
}
