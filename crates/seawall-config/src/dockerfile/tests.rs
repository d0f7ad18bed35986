use super::*;

fn run(src: &str) -> Vec<Finding> {
    let opts = ConfigOptions { today: Some("2026-01-01".into()), ..Default::default() };
    let (f, w) = check_dockerfile(&Location::file("Dockerfile"), src, &opts);
    assert!(w.is_empty(), "{w:?}");
    f
}

fn ids(src: &str) -> Vec<String> {
    run(src).into_iter().filter(|f| f.suppression.is_none()).map(|f| f.id).collect()
}

fn has(src: &str, id: &str) -> bool {
    ids(src).iter().any(|i| i == id)
}

/// A hardened Dockerfile: the baseline that must trigger nothing.
const GOOD: &str = r#"# syntax=docker/dockerfile:1
FROM python:3.12-slim-bookworm@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update && apt-get install -y --no-install-recommends gcc=4:12.2.0-3 \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.lock /tmp/
RUN pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock
RUN curl -fsSL https://example.com/x.tgz | tar xz

FROM python:3.12-slim-bookworm@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
COPY --from=build /usr/local /usr/local
COPY app/ /app/
ENV HF_HOME=/models HF_TOKEN_FILE=/run/secrets/hf_token
ARG MODEL_NAME
EXPOSE 8080
HEALTHCHECK --interval=30s CMD ["curl", "-fsS", "http://127.0.0.1:8080/health"]
USER 10001:10001
CMD ["python", "-m", "app", "--host", "0.0.0.0"]
"#;

#[test]
fn hardened_dockerfile_is_clean() {
    assert_eq!(ids(GOOD), Vec::<String>::new());
}

#[test]
fn user_rules() {
    let f = run("FROM debian:12@sha256:aa\nUSER app\nUSER 0:0\n");
    let root = f.iter().find(|f| f.id == "SW-DF-001").unwrap();
    assert_eq!((root.location.line, root.location.column), (Some(3), Some(1)));
    assert_eq!(root.practice, 4);
    assert!(has("FROM debian:12@sha256:aa\nUSER root\n", "SW-DF-001"));
    assert!(!has("FROM debian:12@sha256:aa\nUSER 1000\n", "SW-DF-001"));
    let f = run("FROM debian:12@sha256:aa\nRUN true\n");
    let no_user = f.iter().find(|f| f.id == "SW-DF-002").unwrap();
    assert_eq!(no_user.location.line, None, "file-level finding");
    assert!(!has("FROM debian:12@sha256:aa\nUSER 1000\n", "SW-DF-002"));
    assert!(has("FROM debian:12@sha256:aa\nUSER app\n", "SW-DF-003"));
    assert!(!has("FROM debian:12@sha256:aa\nUSER 1000:1000\n", "SW-DF-003"));
    // inherited through FROM stage
    assert!(!has("FROM debian:12@sha256:aa AS base\nUSER 1000\nFROM base\nRUN true\n", "SW-DF-002"));
    // only the final stage matters
    assert!(!has(
        "FROM debian:12@sha256:aa AS b\nUSER root\nFROM debian:12@sha256:aa\nUSER 1000\n",
        "SW-DF-001"
    ));
}

#[test]
fn sudo() {
    assert!(has("FROM a:1\nRUN sudo apt-get update\n", "SW-DF-004"));
    assert!(has("FROM a:1\nRUN apt-get install -y sudo=1.9\n", "SW-DF-004"));
    assert!(!has("FROM a:1\nRUN echo sudo\n", "SW-DF-004"));
}

#[test]
fn from_rules() {
    assert!(has("FROM ubuntu\n", "SW-DF-005"));
    assert!(has("FROM ubuntu:latest\n", "SW-DF-005"));
    assert!(!has("FROM ubuntu:24.04\n", "SW-DF-005"));
    assert!(!has("FROM ubuntu@sha256:abc\n", "SW-DF-005"));
    assert!(has("FROM ubuntu:24.04\n", "SW-DF-006"));
    assert!(!has("FROM ubuntu:24.04@sha256:abc\n", "SW-DF-006"));
    assert!(!has("FROM scratch\n", "SW-DF-005"));
    // build-arg substitution
    assert!(has("ARG BASE=ubuntu:latest\nFROM ${BASE}\n", "SW-DF-005"));
    assert!(!has("ARG BASE\nFROM ${BASE}\n", "SW-DF-005"));
    // allowed registries
    let opts = ConfigOptions {
        allowed_registries: vec!["registry.example.com".into()],
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let (f, _) = check_dockerfile(
        &Location::file("Dockerfile"),
        "FROM evil.io/x:1\nFROM registry.example.com/x:1\n",
        &opts,
    );
    let reg: Vec<_> = f.iter().filter(|f| f.id == "SW-DF-007").collect();
    assert_eq!(reg.len(), 1);
    assert_eq!(reg[0].location.line, Some(1));
    assert!(!has("FROM evil.io/x:1\n", "SW-DF-007"), "no list configured, rule off");
}

#[test]
fn add_rules() {
    assert!(has("FROM a:1\nADD app.py /app/\n", "SW-DF-008"));
    assert!(!has("FROM a:1\nADD rootfs.tar.gz /\n", "SW-DF-008"));
    assert!(!has("FROM a:1\nCOPY app.py /app/\n", "SW-DF-008"));
    assert!(has("FROM a:1\nADD https://example.com/m.onnx /m/\n", "SW-DF-009"));
    assert!(!has("FROM a:1\nADD --checksum=sha256:abc https://example.com/m.onnx /m/\n", "SW-DF-009"));
}

#[test]
fn curl_pipe_sh() {
    let f = run("FROM a:1\nRUN apt-get update && \\\n    curl -fsSL https://x/install.sh | bash\n");
    let c = f.iter().find(|f| f.id == "SW-DF-010").unwrap();
    assert_eq!((c.location.line, c.location.column), (Some(3), Some(5)));
    assert!(has("FROM a:1\nRUN wget -qO- https://x | sh -s --\n", "SW-DF-010"));
    assert!(has("FROM a:1\nRUN sh -c \"$(curl -fsSL https://x)\"\n", "SW-DF-010"));
    assert!(has("FROM a:1\nRUN bash <(curl -s https://x)\n", "SW-DF-010"));
    assert!(!has(
        "FROM a:1\nRUN curl -fsSLo /tmp/i.sh https://x && sha256sum -c s && sh /tmp/i.sh\n",
        "SW-DF-010"
    ));
}

#[test]
fn tls_disabled() {
    for src in [
        "RUN curl -k https://x -o y",
        "RUN curl -fsSLk https://x -o y",
        "RUN wget --no-check-certificate https://x",
        "RUN pip install --trusted-host pypi.org torch==2.1.0",
        "RUN git -c http.sslVerify=false clone https://x",
        "RUN npm config set strict-ssl false",
        "ENV PYTHONHTTPSVERIFY=0",
        "ENV GIT_SSL_NO_VERIFY=1",
        "ENV NODE_TLS_REJECT_UNAUTHORIZED=0",
        "ENV PIP_TRUSTED_HOST=pypi.org",
        "RUN PYTHONHTTPSVERIFY=0 python x.py",
    ] {
        assert!(has(&format!("FROM a:1\n{src}\n"), "SW-DF-011"), "{src}");
    }
    for src in [
        "RUN curl -fsSL https://x -o y",
        "ENV GIT_SSL_NO_VERIFY=false",
        "ENV NODE_TLS_REJECT_UNAUTHORIZED=1",
        "RUN curl --keepalive-time 3 https://x",
    ] {
        assert!(!has(&format!("FROM a:1\n{src}\n"), "SW-DF-011"), "{src}");
    }
}

#[test]
fn signature_bypass() {
    for src in [
        "RUN apt-get install -y --allow-unauthenticated x=1",
        "RUN apk add --allow-untrusted x=1",
        "RUN yum install --nogpgcheck -y x",
        "RUN rpm -i --nosignature x.rpm",
    ] {
        assert!(has(&format!("FROM a:1\n{src}\n"), "SW-DF-012"), "{src}");
    }
    assert!(!has("FROM a:1\nRUN yum install -y x\n", "SW-DF-012"));
}

#[test]
fn pins() {
    assert!(has(
        "FROM a:1\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
        "SW-DF-013"
    ));
    assert!(!has(
        "FROM a:1\nRUN apt-get update && apt-get install -y curl=8.0 && rm -rf /var/lib/apt/lists/*\n",
        "SW-DF-013"
    ));
    assert!(has("FROM a:1\nRUN pip install --no-cache-dir torch transformers==4.40.0\n", "SW-DF-014"));
    assert!(!has("FROM a:1\nRUN pip install --no-cache-dir torch==2.3.0 -r req.txt ./pkg\n", "SW-DF-014"));
    assert!(has("FROM a:1\nRUN python3 -m pip install --no-cache-dir numpy\n", "SW-DF-014"));
    assert!(has("FROM a:1\nRUN npm install -g open-webui\n", "SW-DF-015"));
    assert!(!has("FROM a:1\nRUN npm install -g @scope/x@1.2.3 y@2\n", "SW-DF-015"));
    assert!(!has("FROM a:1\nRUN npm ci\n", "SW-DF-015"));
    assert!(has("FROM a:1\nRUN apk add --no-cache curl\n", "SW-DF-016"));
    assert!(!has("FROM a:1\nRUN apk add --no-cache curl=8.5.0-r0\n", "SW-DF-016"));
}

#[test]
fn apt_update_and_caches() {
    assert!(has("FROM a:1\nRUN apt-get update\nRUN apt-get install -y x=1\n", "SW-DF-017"));
    assert!(!has("FROM a:1\nRUN apt-get update && apt-get install -y x=1\n", "SW-DF-017"));
    assert!(has("FROM a:1\nRUN apt-get update && apt-get install -y x=1\n", "SW-DF-023"));
    assert!(!has(
        "FROM a:1\nRUN apt-get update && apt-get install -y x=1 && rm -rf /var/lib/apt/lists/*\n",
        "SW-DF-023"
    ));
    assert!(!has(
        "FROM a:1\nRUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y x=1\n",
        "SW-DF-023"
    ));
    assert!(has("FROM a:1\nRUN pip install x==1\n", "SW-DF-024"));
    assert!(has("FROM a:1\nRUN apt-get install -y x=1\n", "SW-DF-031"));
    assert!(!has("FROM a:1\nRUN apt-get install -y --no-install-recommends x=1\n", "SW-DF-031"));
    assert!(!has("FROM a:1\nRUN pip install --no-cache-dir x==1\n", "SW-DF-024"));
    assert!(!has("FROM a:1\nENV PIP_NO_CACHE_DIR=1\nRUN pip install x==1\n", "SW-DF-024"));
}

#[test]
fn secrets() {
    let f = run("FROM a:1\nENV A=1 HF_TOKEN=hf_abcdefghijklmnop\n");
    let s = f.iter().find(|f| f.id == "SW-DF-018").unwrap();
    assert_eq!((s.location.line, s.location.column), (Some(2), Some(9)));
    assert!(has("FROM a:1\nARG WANDB_API_KEY=abc123\n", "SW-DF-018"));
    assert!(has("ARG OPENAI_API_KEY=sk-123\nFROM a:1\n", "SW-DF-018"));
    assert!(has("FROM a:1\nENV DB_PASSWORD changeme\n", "SW-DF-018"));
    assert!(!has("FROM a:1\nARG HF_TOKEN\nENV HF_TOKEN=${HF_TOKEN}\n", "SW-DF-018"));
    assert!(has("FROM a:1\nCOPY .env /app/.env\n", "SW-DF-019"));
    assert!(has("FROM a:1\nCOPY kaggle.json /root/.kaggle/\n", "SW-DF-019"));
    assert!(has("FROM a:1\nADD id_rsa /root/.ssh/\n", "SW-DF-019"));
    assert!(!has("FROM a:1\nCOPY .env.example /app/\n", "SW-DF-019"));
}

#[test]
fn expose() {
    assert!(has("FROM a:1\nEXPOSE 22\n", "SW-DF-020"));
    assert!(!has("FROM a:1\nEXPOSE 2222\n", "SW-DF-020"));
    assert!(has("FROM a:1\nEXPOSE 70000/tcp\n", "SW-DF-021"));
    assert!(!has("FROM a:1\nEXPOSE 8000-8002/tcp $PORT\n", "SW-DF-021"));
}

#[test]
fn healthcheck_and_shell_form() {
    assert!(has("FROM a:1\nUSER 1\n", "SW-DF-022"));
    assert!(has("FROM a:1\nHEALTHCHECK NONE\n", "SW-DF-022"));
    assert!(!has("FROM a:1\nHEALTHCHECK CMD true\n", "SW-DF-022"));
    assert!(has("FROM a:1\nCMD python serve.py\n", "SW-DF-025"));
    assert!(has("FROM a:1\nENTRYPOINT /start.sh\n", "SW-DF-025"));
    assert!(!has("FROM a:1\nCMD [\"python\", \"serve.py\"]\n", "SW-DF-025"));
    assert!(!has("FROM a:1 AS b\nCMD python x\nFROM a:1\nCMD [\"x\"]\n", "SW-DF-025"));
}

#[test]
fn pipefail() {
    assert!(has("FROM a:1\nRUN cat x | grep y\n", "SW-DF-026"));
    assert!(!has("FROM a:1\nRUN set -o pipefail && cat x | grep y\n", "SW-DF-026"));
    assert!(!has(
        "FROM a:1\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN cat x | grep y\n",
        "SW-DF-026"
    ));
    assert!(!has("FROM a:1\nRUN cat x || true\n", "SW-DF-026"));
}

#[test]
fn env_rules() {
    assert!(has("FROM a:1\nENV LD_PRELOAD=/usr/lib/libjemalloc.so\n", "SW-DF-027"));
    assert!(!has("FROM a:1\nENV LD_LIBRARY_PATH=/usr/local/cuda/lib64\n", "SW-DF-027"));
    assert!(has("FROM a:1\nENV NVIDIA_VISIBLE_DEVICES=all\n", "SW-DF-028"));
    assert!(has("FROM a:1\nENV NVIDIA_DRIVER_CAPABILITIES all\n", "SW-DF-028"));
    assert!(!has("FROM a:1\nENV NVIDIA_DRIVER_CAPABILITIES=compute,utility\n", "SW-DF-028"));
}

#[test]
fn eol_bases() {
    let f = run("FROM nvidia/cuda:11.3.1-cudnn8-runtime-ubuntu20.04\n");
    let eol: Vec<_> = f.iter().filter(|f| f.id == "SW-DF-029").collect();
    assert_eq!(eol.len(), 2, "{eol:?}");
    assert!(has("FROM python:3.8-slim\n", "SW-DF-029"));
    assert!(has("FROM debian:buster-slim\n", "SW-DF-029"));
    assert!(!has("FROM python:3.12-slim-bookworm\n", "SW-DF-029"));
    assert!(!has("FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04\n", "SW-DF-029"));
}

#[test]
fn ml_exposure_in_dockerfile() {
    let src = "FROM a:1\nENV OLLAMA_HOST=0.0.0.0\nCMD [\"jupyter\", \"lab\", \"--ip=0.0.0.0\", \"--ServerApp.token=\", \"--allow-root\"]\n";
    let i = ids(src);
    for id in ["SW-ML-001", "SW-ML-002", "SW-ML-005"] {
        assert!(i.iter().any(|x| x == id), "{id} in {i:?}");
    }
    assert!(has("FROM a:1\nCMD ray start --head --dashboard-host=0.0.0.0 --block\n", "SW-ML-003"));
    assert!(has(
        "FROM a:1\nENTRYPOINT [\"sh\", \"-c\", \"mlflow server --host 0.0.0.0 --port 5000\"]\n",
        "SW-ML-004"
    ));
    assert!(has("FROM a:1\nCMD [\"tensorboard\", \"--logdir\", \"/runs\", \"--bind_all\"]\n", "SW-ML-006"));
    assert!(has("FROM a:1\nCMD [\"torchserve\", \"--start\", \"--disable-token-auth\"]\n", "SW-ML-007"));
    assert!(has("FROM a:1\nENV GRADIO_SHARE=True\n", "SW-ML-008"));
    assert!(!has("FROM a:1\nENV OLLAMA_HOST=127.0.0.1:11434\nCMD [\"ollama\", \"serve\"]\n", "SW-ML-005"));
}

#[test]
fn heredoc_run_is_checked() {
    let src = "FROM a:1\nRUN <<EOF\nset -e\ncurl -fsSL https://x/get.sh | sh\nEOF\n";
    let f = run(src);
    let c = f.iter().find(|f| f.id == "SW-DF-010").expect("heredoc body checked");
    assert_eq!(c.location.line, Some(4));
}

#[test]
fn parse_error_is_a_warning() {
    let (f, w) = check_dockerfile(&Location::file("Dockerfile"), "FROM\n", &ConfigOptions::default());
    assert!(f.is_empty());
    assert_eq!(w.len(), 1);
}

#[test]
fn secret_build_args() {
    assert!(has("FROM a:1\nARG HF_TOKEN\n", "SW-DF-030"));
    assert!(has("ARG HUGGING_FACE_HUB_TOKEN\nFROM a:1\n", "SW-DF-030"));
    assert!(!has("FROM a:1\nARG MODEL_NAME\n", "SW-DF-030"));
    assert!(!has("FROM a:1\nARG HF_TOKEN=abc\n", "SW-DF-030"), "with a value it is SW-DF-018");
}

#[test]
fn passwords_in_run() {
    assert!(has("FROM a:1\nRUN echo 'root:root' | chpasswd\n", "SW-DF-032"));
    assert!(has("FROM a:1\nRUN useradd -m -p $(openssl passwd -1 pw) bob\n", "SW-DF-032"));
    assert!(!has("FROM a:1\nRUN passwd -l root && useradd -m bob\n", "SW-DF-032"));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn never_panics(s in "(FROM|RUN|ENV|ARG|USER|COPY|ADD|CMD|EXPOSE|HEALTHCHECK|SHELL|<<|EOF|\\\\|\\n| |\"|'|=|\\||&|\\$|\\{|\\}|[a-z0-9:./-]){0,80}") {
            let _ = check_dockerfile(&Location::file("Dockerfile"), &s, &ConfigOptions::default());
        }
        #[test]
        fn never_panics_bytes(b in proptest::collection::vec(any::<u8>(), 0..300)) {
            let s = String::from_utf8_lossy(&b);
            let _ = check_dockerfile(&Location::file("Dockerfile"), &s, &ConfigOptions::default());
        }
    }
}

#[test]
fn messages_do_not_carry_url_credentials() {
    let f = run(
        "FROM a:1\nADD https://user:s3cr3t@example.com/m.bin /m/\nCMD python serve.py --db postgresql://u:pw@db/x\n",
    );
    for x in &f {
        assert!(!x.message.contains("s3cr3t") && !x.message.contains(":pw@"), "{}", x.message);
        assert!(x.details.values().all(|v| !v.contains("s3cr3t")));
    }
}

#[test]
fn shell_after_keywords_is_checked() {
    let f = run(
        "FROM x:1\nRUN if [ -n \"$X\" ]; then curl -fsSL https://x.sh | bash; fi\nRUN for u in a b; do wget --no-check-certificate https://e/$u; done\nUSER 1\n",
    );
    let at = |id: &str| f.iter().filter(|x| x.id == id).map(|x| x.location.line).collect::<Vec<_>>();
    assert_eq!(at("SW-DF-010"), vec![Some(2)], "curl | bash after `then`");
    assert_eq!(at("SW-DF-011"), vec![Some(3)], "wget --no-check-certificate after `do`");
}

#[test]
fn comment_lines_inside_run_continuations_do_not_hide_packages() {
    let f = run(
        "FROM x:1\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n    # build tools\n    curl \\\n    # more\n    git && rm -rf /var/lib/apt/lists/*\nUSER 1\n",
    );
    let pin = f.iter().find(|x| x.id == "SW-DF-013").unwrap();
    assert!(pin.message.contains("curl git"), "{}", pin.message);
}

#[test]
fn heredoc_after_a_command_does_not_fail_the_file() {
    let f = run(
        "FROM x:1\nRUN cat <<EOF >> /etc/app.conf\nkey=value\nEOF\nRUN bash <<'SH'\ncurl -k https://x.example/i.sh -o /tmp/i\nSH\nUSER 1\n",
    );
    let tls = f.iter().find(|x| x.id == "SW-DF-011").unwrap();
    assert_eq!(tls.location.line, Some(6), "body of a shell heredoc is checked at its line");
}

#[test]
fn rpm_pins_and_cache() {
    assert!(has("FROM x:1\nRUN dnf install -y git python3\nUSER 1\n", "SW-DF-033"));
    assert!(has("FROM x:1\nRUN yum install -y git\nUSER 1\n", "SW-DF-034"));
    assert!(!has(
        "FROM x:1\nRUN microdnf install -y git-2.43.0-1.el9 && microdnf clean all\nUSER 1\n",
        "SW-DF-033"
    ));
    assert!(!has("FROM x:1\nRUN dnf install -y git-2.43.0 && dnf clean all\nUSER 1\n", "SW-DF-034"));
}

#[test]
fn ignore_comments_are_honoured() {
    let src = "FROM x:1\n# hadolint ignore=DL3008\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n# seawall ignore=SW-DF-026\nRUN a | b\nUSER 1\n";
    assert!(!has(src, "SW-DF-013"));
    assert!(!has(src, "SW-DF-026"));
    let s = run(src).into_iter().find(|f| f.id == "SW-DF-013").unwrap().suppression.unwrap();
    assert_eq!(s.by, seawall_core::SuppressedBy::Inline);
    assert_eq!(s.source.as_deref(), Some("Dockerfile:2"), "points at the comment");
    assert!(has("FROM x:1\nRUN apt-get install -y curl\nUSER 1\n", "SW-DF-013"));
}

#[test]
fn scratch_artifacts_and_nonroot_bases_do_not_run_as_root() {
    let artifact = "FROM golang:1.22 AS build\nRUN go build -o /out/app .\nUSER 1\nFROM scratch\nCOPY --from=build /out/app /app\n";
    assert!(!has(artifact, "SW-DF-002"));
    assert!(!has(artifact, "SW-DF-022"));
    let runs = "FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n";
    assert!(has(runs, "SW-DF-002"), "a scratch image that runs a program still needs USER");
    assert!(!has(
        "FROM gcr.io/distroless/python3-debian12:nonroot\nCOPY app /app\nHEALTHCHECK NONE\n",
        "SW-DF-002"
    ));
}

#[test]
fn large_dockerfiles_are_parsed() {
    let mut src = String::from("FROM ubuntu:22.04\n");
    while src.len() < 5 * 1024 * 1024 {
        src.push_str("RUN echo 0123456789012345678901234567890123456789012345678901234567890123456789\n");
    }
    src.push_str("USER 0\n");
    let f = run(&src);
    assert!(f.iter().any(|x| x.id == "SW-DF-001"), "a 5 MiB Dockerfile is checked to its end");
}
