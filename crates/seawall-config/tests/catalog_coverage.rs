//! Every rule of the catalog fires on at least one insecure fixture (through the public API), and a
//! hardened twin of each fixture fires none of the rules the fixture is about.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use std::collections::BTreeSet;

use seawall_analyzer::{EntryKind, EntryMeta, Facts, FileAnalyzer};
use seawall_config::{ConfigOptions, RULES};
use seawall_core::{Finding, HealthCheck, HistoryEntry, ImageConfig, Location, OsInfo, Package};

const BAD_DOCKERFILE: &str = r#"ARG OPENAI_API_KEY=sk-123
FROM evil.example.com/base AS build
RUN curl -k https://x | sh && apt-get install -y --allow-unauthenticated curl && npm install -g x && apk add y
RUN apt-get update
RUN dnf install -y git
RUN echo 'root:root' | chpasswd
FROM python:3.8
ARG HF_TOKEN
ENV HF_API_TOKEN=hf_abc LD_PRELOAD=/x.so NVIDIA_VISIBLE_DEVICES=all OLLAMA_HOST=0.0.0.0 GRADIO_SHARE=true TS_ENABLE_MODEL_API=true
ADD app.py /app/
ADD https://example.com/m.bin /m/
COPY id_rsa /root/.ssh/
RUN sudo pip install torch && cat x | grep y
EXPOSE 22 99999
CMD jupyter lab --ip=0.0.0.0 --ServerApp.token= --allow-root && ray start --dashboard-host=0.0.0.0 && mlflow server --host 0.0.0.0 && tensorboard --bind_all
USER app
"#;

const BAD_DOCKERFILE_ROOT: &str = "FROM debian:12\nUSER 0:0\n";
const BAD_DOCKERFILE_NO_USER: &str = "FROM debian:12\n";

const BAD_COMPOSE: &str = r#"services:
  front:
    image: nginx
    ports: ["80:80"]
    networks: [pub]
  redis:
    image: redis:7
    networks: [pub]
  db:
    image: postgres:16
    ports: ["5432:5432"]
    environment: {POSTGRES_PASSWORD: pw}
  worker:
    image: x/worker:1
    privileged: true
    cap_add: [SYS_ADMIN]
    security_opt: ["seccomp=unconfined", "apparmor=unconfined"]
    network_mode: host
    pid: host
    ipc: host
    uts: host
    userns_mode: host
    user: "0"
    volumes: ["/var/run/docker.sock:/var/run/docker.sock", "/etc:/host/etc"]
    devices: ["/dev/nvidia0:/dev/nvidia0", "/dev/kmsg:/dev/kmsg"]
    healthcheck: {disable: true}
    deploy:
      resources:
        reservations:
          devices: [{driver: nvidia, count: all, capabilities: [gpu]}]
  llm:
    image: vllm/vllm-openai:v0.6.3
    command: --model mistralai/Mistral-7B-Instruct-v0.2
  helper:
    image: x/helper:1
    networks: [back]
  cache:
    image: bitnami/redis:7.2
    environment: [ALLOW_EMPTY_PASSWORD=yes, "REDIS_PASSWORD=${REDIS_PASSWORD:-redis}"]
    networks: [back]
networks:
  pub: {}
  back: {}
"#;

const BAD_K8S: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations: {container.apparmor.security.beta.kubernetes.io/c: unconfined}
spec:
  hostNetwork: true
  securityContext:
    runAsUser: 0
    seccompProfile: {type: Unconfined}
    sysctls: [{name: kernel.msgmax, value: "1"}]
    seLinuxOptions: {user: x}
    windowsOptions: {hostProcess: true}
  containers:
    - name: c
      image: x
      ports: [{containerPort: 80, hostPort: 80}]
      env: [{name: DB_PASSWORD, value: hunter2}]
      securityContext: {privileged: true, procMount: Unmasked, capabilities: {add: [SYS_ADMIN]}}
    - name: plain
      image: x:1
  volumes:
    - {name: g, hostPath: {path: /dev/nvidia0}}
    - {name: h, hostPath: {path: /var/log}}
    - {name: n, nfs: {server: s, path: /}}
---
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {type: NodePort, ports: [{port: 8888}]}
---
apiVersion: v1
kind: Secret
metadata: {name: s}
data: {k: dg==}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: n}
spec:
  podSelector: {matchLabels: {app: nothing}}
  policyTypes: [Ingress, Egress]
  ingress: [{}]
  egress: [{}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r}
rules:
  - {apiGroups: [""], resources: ["*"], verbs: [get]}
  - {apiGroups: [""], resources: [secrets], verbs: [list]}
  - {apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b}
roleRef: {kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: default}]
"#;

fn ids(f: &[Finding]) -> BTreeSet<String> {
    f.iter().map(|x| x.id.clone()).collect()
}

fn all_bad_findings() -> Vec<Finding> {
    let opts = ConfigOptions {
        allowed_registries: vec!["docker.io".into()],
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let l = Location::file("x");
    let mut out = Vec::new();
    out.extend(seawall_config::check_dockerfile(&l, BAD_DOCKERFILE, &opts).0);
    out.extend(seawall_config::check_dockerfile(&l, BAD_DOCKERFILE_ROOT, &opts).0);
    out.extend(seawall_config::check_dockerfile(&l, BAD_DOCKERFILE_NO_USER, &opts).0);
    out.extend(seawall_config::check_compose(&l, BAD_COMPOSE).0);
    out.extend(seawall_config::check_k8s(&l, BAD_K8S).0);
    out.extend(seawall_config::daemon::check_daemon_json(&l, r#"{"hosts":["tcp://0.0.0.0:2375"],"insecure-registries":["r:5000"],"seccomp-profile":"unconfined"}"#).0);
    out.extend(seawall_config::daemon::check_file_perms(&l, 1000, 0, 0o666));
    out.extend(seawall_config::daemon::check_nvidia_runtime_config(&l, "").0);
    let cfg = ImageConfig {
        exposed_ports: vec!["8888/tcp".into()],
        volumes: vec!["/sys".into()],
        history: vec![HistoryEntry { created_by: "ADD app.py /app # buildkit".into(), ..Default::default() }],
        ..Default::default()
    };
    out.extend(seawall_config::image::check_image_config(&cfg));
    out.extend(seawall_config::image::check_os(
        &OsInfo { id: "debian".into(), version_id: "9".into(), ..Default::default() },
        "2026-01-01",
    ));
    out.extend(seawall_config::image::check_shadow(&l, "a::1:::::\n"));
    let mut facts = Facts::default();
    seawall_analyzer::ImageAnalyzer::analyze(
        &seawall_config::image_analyzer(),
        &seawall_analyzer::ImageView {
            target: &seawall_core::Target::new(seawall_core::TargetKind::Image, "x"),
            config: None,
            os: None,
            files: &[
                seawall_analyzer::CapturedFile {
                    location: Location::file("/etc/passwd"),
                    content: "a:x:0:0::/:/bin/sh\nb:x:0:0::/:/bin/sh\n".into(),
                },
                seawall_analyzer::CapturedFile {
                    location: Location::file("/etc/group"),
                    content: "a:x:1:\nb:x:1:\n".into(),
                },
            ],
            packages: &[Package::new(
                "libnvidia-container1",
                "1.16.0-1",
                "Debian:12",
                Location::file("/var/lib/dpkg/status"),
            )],
        },
        &mut facts,
    )
    .unwrap();
    out.extend(facts.findings);
    let a = seawall_config::file_analyzer();
    let mut facts = Facts::default();
    let mut su = EntryMeta::file("/usr/bin/su", 1, Some(0));
    su.mode = 0o104755;
    a.analyze(&su, &mut &b""[..], &mut facts).unwrap();
    let mut dir = EntryMeta::file("/root/.aws", 0, Some(1));
    dir.kind = EntryKind::Dir;
    a.analyze(&dir, &mut &b""[..], &mut facts).unwrap();
    out.extend(facts.findings);
    out
}

#[test]
fn every_rule_fires_somewhere() {
    let got = ids(&all_bad_findings());
    let missing: Vec<&str> = RULES.iter().map(|r| r.id).filter(|id| !got.contains(*id)).collect();
    assert!(missing.is_empty(), "rules without a positive fixture: {missing:?}");
}

#[test]
fn hardened_twins_are_clean() {
    let opts = ConfigOptions {
        allowed_registries: vec!["docker.io".into()],
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let l = Location::file("x");
    let df = "FROM python:3.12-slim@sha256:0000\nRUN apt-get update && apt-get install -y --no-install-recommends curl=8.0 && rm -rf /var/lib/apt/lists/*\nHEALTHCHECK CMD [\"true\"]\nUSER 10001\nCMD [\"python\", \"app.py\"]\n";
    assert!(seawall_config::check_dockerfile(&l, df, &opts).0.is_empty());
    let dj = r#"{"icc":false,"userns-remap":"default","live-restore":true,"no-new-privileges":true,"log-driver":"syslog","userland-proxy":false,"ip":"127.0.0.1"}"#;
    assert!(seawall_config::daemon::check_daemon_json(&l, dj).0.is_empty());
    assert!(seawall_config::daemon::check_file_perms(&l, 0, 0, 0o644).is_empty());
    assert!(
        seawall_config::daemon::check_nvidia_runtime_config(
            &l,
            "accept-nvidia-visible-devices-envvar-when-unprivileged = false\n"
        )
        .0
        .is_empty()
    );
    let cfg = ImageConfig {
        user: "10001".into(),
        healthcheck: Some(HealthCheck { test: vec!["CMD".into(), "true".into()] }),
        ..Default::default()
    };
    assert!(seawall_config::image::check_image_config(&cfg).is_empty());
    assert!(seawall_config::image::check_shadow(&l, "root:*:1:::::\n").is_empty());
}
