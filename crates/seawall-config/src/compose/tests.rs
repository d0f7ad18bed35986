use super::*;

fn run(src: &str) -> Vec<Finding> {
    let (f, w) = check_compose(&Location::file("docker-compose.yml"), src);
    assert!(w.is_empty(), "{w:?}");
    f
}

fn count(f: &[Finding], id: &str) -> usize {
    f.iter().filter(|x| x.id == id).count()
}

const BAD: &str = r#"services:
  mlflow:
    image: ghcr.io/mlflow/mlflow:latest
    command: mlflow server --host 0.0.0.0 --backend-store-uri postgresql://mlflow@db/mlflow
    ports:
      - "5000:5000"
    environment:
      AWS_SECRET_ACCESS_KEY: minio-secret-123
      MLFLOW_S3_ENDPOINT_URL: http://minio:9000
  db:
    image: postgres:16
    environment:
      - POSTGRES_PASSWORD=mlflow
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
  ollama:
    image: ollama/ollama
    privileged: true
    environment:
      OLLAMA_HOST: 0.0.0.0
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              count: all
              capabilities: [gpu]
    networks: [front]
  ui:
    image: ghcr.io/open-webui/open-webui:v0.5.0
    ports:
      - "127.0.0.1:3000:8080"
    networks: [front]
networks:
  front: {}
"#;

const GOOD: &str = r#"services:
  proxy:
    image: nginx:1.27@sha256:aaaa
    ports: ["8443:8443"]
    networks: [frontend]
    user: "101"
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    pids_limit: 100
    deploy: {resources: {limits: {cpus: "1", memory: 256m}}}
  api:
    image: example/api:1.2@sha256:bbbb
    networks: [frontend, backend]
    user: "10001:10001"
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    pids_limit: 100
    secrets: [db_password]
    environment:
      DB_PASSWORD_FILE: /run/secrets/db_password
      HF_TOKEN: ${HF_TOKEN}
    deploy:
      resources:
        limits: {cpus: "2", memory: 4g}
        reservations:
          devices:
            - driver: nvidia
              device_ids: ["0"]
              capabilities: [gpu]
  db:
    image: postgres:16.4@sha256:cccc
    networks: [backend]
    user: "999"
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    pids_limit: 100
    mem_limit: 2g
    cpus: 1
    volumes: ["pgdata:/var/lib/postgresql/data"]
networks:
  frontend: {}
  backend:
    internal: true
volumes:
  pgdata: {}
secrets:
  db_password:
    file: ./db_password.txt
"#;

#[test]
fn hardened_compose_only_has_the_proxy_port() {
    let f = run(GOOD);
    let ids: Vec<&str> = f.iter().map(|x| x.id.as_str()).collect();
    // The proxy is meant to be public; nothing else may fire.
    assert_eq!(ids, vec!["SW-CTR-018"], "{f:#?}");
}

#[test]
fn insecure_compose() {
    let f = run(BAD);
    for id in [
        "SW-CTR-001",
        "SW-CTR-003",
        "SW-CTR-006",
        "SW-CTR-012",
        "SW-CTR-014",
        "SW-CTR-015",
        "SW-CTR-016",
        "SW-CTR-017",
        "SW-CTR-020",
        "SW-CTR-021",
        "SW-CTR-022",
        "SW-CTR-023",
        "SW-CTR-024",
        "SW-COMPOSE-001",
        "SW-COMPOSE-002",
        "SW-COMPOSE-004",
        "SW-ML-004",
        "SW-ML-005",
    ] {
        assert!(count(&f, id) > 0, "{id} missing");
    }
    // secrets: two literals (AWS secret, POSTGRES_PASSWORD list form) with their lines
    let s: Vec<_> = f.iter().filter(|x| x.id == "SW-COMPOSE-001").collect();
    assert_eq!(s.len(), 2);
    assert_eq!(s.iter().map(|x| x.location.line).collect::<Vec<_>>(), vec![Some(8), Some(13)]);
    // privileged points at its value
    let p = f.iter().find(|x| x.id == "SW-CTR-001").unwrap();
    assert_eq!((p.location.line, p.location.column), (Some(18), Some(17)));
    // mlflow published on 0.0.0.0 is a data-plane exposure; ui on 127.0.0.1 is not public
    let pubd: Vec<_> = f.iter().filter(|x| x.id == "SW-COMPOSE-004").collect();
    assert_eq!(pubd.len(), 1);
    assert_eq!(pubd[0].location.line, Some(6));
    // ... and SW-CTR-018 does not restate it for the same port
    assert_eq!(count(&f, "SW-CTR-018"), 0, "folded into SW-COMPOSE-004");
    assert!(f.iter().all(|x| x.practice >= 1 && x.practice <= 10));
}

#[test]
fn shares_network_with_front() {
    let src = "services:\n  web:\n    image: a:1\n    ports: ['80:80']\n    networks: [n]\n  cache:\n    image: redis:7\n    networks: [n]\nnetworks:\n  n: {}\n";
    let f = run(src);
    assert_eq!(count(&f, "SW-COMPOSE-005"), 1);
    assert_eq!(count(&f, "SW-COMPOSE-003"), 0, "network has a public member");
    let src2 = "services:\n  web:\n    image: a:1\n    networks: [n]\n  cache:\n    image: redis:7\n    networks: [n]\nnetworks:\n  n: {internal: true}\n";
    let f = run(src2);
    assert_eq!(count(&f, "SW-COMPOSE-005"), 0);
    assert_eq!(count(&f, "SW-COMPOSE-003"), 0);
}

#[test]
fn loopback_published_network_need_not_be_internal() {
    let src = "services:\n  api:\n    image: a:1\n    ports: ['127.0.0.1:8080:8080']\n    networks: [front]\nnetworks:\n  front: {}\n";
    assert_eq!(count(&run(src), "SW-COMPOSE-003"), 0);
    let src = "services:\n  worker:\n    image: a:1\n    networks: [jobs]\nnetworks:\n  jobs: {}\n";
    assert_eq!(count(&run(src), "SW-COMPOSE-003"), 1);
}

#[test]
fn ports_parse() {
    let p = parse_port("127.0.0.1:8080:80/tcp");
    assert_eq!(p[0].host_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!((p[0].host_port, p[0].container_port), (Some(8080), 80));
    let p = parse_port("[::1]:80:80");
    assert_eq!(p[0].host_ip.as_deref(), Some("::1"));
    let p = parse_port("8000-8002:8000-8002");
    assert_eq!((p[0].host_port, p[0].container_port, p[0].host_ip.clone()), (Some(8000), 8000, None));
    let p = parse_port("9000");
    assert_eq!((p[0].host_port, p[0].container_port), (None, 9000));
    assert!(parse_port("garbage").is_empty());
}

#[test]
fn graph_renderers() {
    let g = compose_graph(BAD, &Location::file("c.yml")).unwrap();
    assert_eq!(g.services.len(), 4);
    assert!(g.networks.iter().any(|n| n.name == "default"));
    let dot = g.to_dot();
    assert!(dot.starts_with("digraph compose {"));
    assert!(dot.contains("host -> svc_mlflow [label=\"0.0.0.0:5000→5000\", color=red];"), "{dot}");
    assert!(dot.contains("svc_ui -> net_front [dir=none];"));
    let mm = g.to_mermaid();
    assert!(mm.starts_with("flowchart LR"));
    assert!(mm.contains("svc_db --- net_default"));
    assert!(mm.contains("class svc_db,svc_mlflow,svc_ollama sensitive"), "{mm}");
    assert_eq!(g.render("mermaid".parse().unwrap()), mm);
    assert!("png".parse::<GraphFormat>().is_err());
    let svg = g.to_svg();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<rect").count(), 1 + 4 + 2);
}

#[test]
fn garbage_is_a_warning() {
    let (f, w) = check_compose(&Location::file("c.yml"), "services: [");
    assert!(f.is_empty());
    assert_eq!(w.len(), 1);
}

mod props {
    use super::*;
    use proptest::prelude::*;
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn never_panics(s in "(services|ports|networks|image|environment|volumes|deploy|:|-|\\n|  |\\[|\\]|\\{|\\}|&a|\\*a|<<|'|\"|[a-z0-9./]){0,80}") {
            let _ = check_compose(&Location::file("c.yml"), &s);
        }
    }
}

#[test]
fn port_and_env_forms() {
    let src = "services:\n  a:\n    image: redis:7\n    ports:\n      - 6379:6379\n      - 9000\n      - target: 80\n        published: 8080\n        host_ip: 127.0.0.1\n    environment:\n      - PASSTHROUGH\n      - API_TOKEN\n      - REDIS_PASSWORD=\n";
    let g = compose_graph(src, &Location::file("c.yml")).unwrap();
    let ports: Vec<(Option<u32>, u32, bool)> =
        g.services[0].ports.iter().map(|(p, _)| (p.host_port, p.container_port, p.is_public())).collect();
    assert_eq!(ports, vec![(Some(6379), 6379, true), (None, 9000, true), (Some(8080), 80, false)]);
    let f = run(src);
    assert_eq!(count(&f, "SW-COMPOSE-001"), 0, "names without values are pass-through");
}

#[test]
fn vllm_api_key() {
    let svc = |extra: &str| {
        format!("services:\n  llm:\n    image: vllm/vllm-openai:v0.6.3\n    command: --model m{extra}\n")
    };
    assert_eq!(count(&run(&svc("")), "SW-ML-009"), 1);
    assert_eq!(count(&run(&svc(" --api-key ${VLLM_API_KEY}")), "SW-ML-009"), 0);
    let with_env = "services:\n  llm:\n    image: vllm/vllm-openai:v0.6.3\n    environment: [VLLM_API_KEY]\n";
    assert_eq!(count(&run(with_env), "SW-ML-009"), 0);
    assert_eq!(count(&run("services:\n  web:\n    image: nginx:1\n"), "SW-ML-009"), 0);
}

/// Regression (issue 12 precision sample): a project's only service on the default network shares
/// that per-project network with nobody, so SW-COMPOSE-002 (flat network) does not apply; two
/// services on it still fire, once each.
#[test]
fn single_service_on_default_network_is_not_a_flat_network() {
    assert_eq!(count(&run("services:\n  llm:\n    image: vllm/vllm-openai:v0.6.3\n"), "SW-COMPOSE-002"), 0);
    let two = "services:\n  ui:\n    image: a:1\n  db:\n    image: postgres:16\n";
    assert_eq!(count(&run(two), "SW-COMPOSE-002"), 2);
}
