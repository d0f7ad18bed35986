use super::*;

fn run(src: &str) -> Vec<Finding> {
    let (f, w) = check_k8s(&Location::file("k8s.yaml"), src);
    assert!(w.is_empty(), "{w:?}");
    f
}

fn ids(f: &[Finding]) -> Vec<&str> {
    let mut v: Vec<&str> = f.iter().map(|x| x.id.as_str()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

const GOOD: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: triton, namespace: ml}
spec:
  template:
    metadata:
      labels: {app: triton}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: triton
          image: nvcr.io/nvidia/tritonserver:24.08-py3@sha256:abcd
          env:
            - name: HF_TOKEN
              valueFrom: {secretKeyRef: {name: hf, key: token}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsUser: 1000
            capabilities: {drop: [ALL]}
          resources:
            limits: {cpu: "4", memory: 16Gi, nvidia.com/gpu: 1}
          readinessProbe:
            httpGet: {path: /v2/health/ready, port: 8000}
      volumes:
        - name: models
          persistentVolumeClaim: {claimName: models}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: ml}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: triton, namespace: ml}
spec:
  podSelector: {matchLabels: {app: triton}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: gateway}}}]
      ports: [{port: 8000}]
  egress:
    - to:
        - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}
      ports: [{port: 443}]
---
apiVersion: v1
kind: Service
metadata: {name: triton, namespace: ml}
spec:
  type: ClusterIP
  ports: [{port: 8001}]
"#;

#[test]
fn hardened_manifest_is_clean() {
    let f = run(GOOD);
    assert!(f.is_empty(), "{f:#?}");
}

const BAD: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: ray-head}
spec:
  template:
    metadata:
      labels: {app: ray}
      annotations:
        container.apparmor.security.beta.kubernetes.io/ray: unconfined
    spec:
      hostNetwork: true
      hostPID: true
      securityContext:
        runAsUser: 0
        seccompProfile: {type: Unconfined}
        sysctls: [{name: kernel.msgmax, value: "65536"}]
        seLinuxOptions: {user: system_u}
        windowsOptions: {hostProcess: true}
      containers:
        - name: ray
          image: rayproject/ray:latest
          args: ["ray", "start", "--head", "--dashboard-host=0.0.0.0"]
          ports: [{containerPort: 8265, hostPort: 8265}]
          env:
            - {name: WANDB_API_KEY, value: "0123456789abcdef"}
            - {name: OLLAMA_HOST, value: "0.0.0.0"}
          securityContext:
            privileged: true
            procMount: Unmasked
            capabilities: {add: [SYS_ADMIN]}
        - name: sidecar
          image: busybox:1.36
      volumes:
        - name: nvidia
          hostPath: {path: /dev/nvidia0}
        - name: host-logs
          hostPath: {path: /var/log}
        - name: nfs
          nfs: {server: x, path: /}
---
apiVersion: v1
kind: Service
metadata: {name: ray-dashboard}
spec:
  type: LoadBalancer
  ports:
    - port: 8265
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: hunter2}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open}
spec:
  podSelector: {matchLabels: {app: other}}
  policyTypes: [Ingress, Egress]
  ingress:
    - {}
  egress:
    - to: [{ipBlock: {cidr: 169.254.0.0/16}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ray-operator}
rules:
  - apiGroups: [""]
    resources: ["*"]
    verbs: [get]
  - apiGroups: [""]
    resources: [secrets]
    verbs: [get, list]
  - apiGroups: [rbac.authorization.k8s.io]
    resources: [clusterroles]
    verbs: [bind, escalate]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ray-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
  - {kind: ServiceAccount, name: default, namespace: default}
"#;

#[test]
fn insecure_manifest_fires_every_rule() {
    let f = run(BAD);
    let got = ids(&f);
    for r in crate::catalog::k8s::ALL {
        assert!(got.contains(&r.id), "{} missing from {got:?}", r.id);
    }
    for id in ["SW-ML-003", "SW-ML-005"] {
        assert!(got.contains(&id), "{id}");
    }
    // restricted-profile findings of the privileged container are folded into SW-K8S-003
    assert!(
        !f.iter().any(|x| x.message.contains("container ray ")
            && x.details.get("profile").is_some_and(|p| p == "restricted")),
        "{f:#?}"
    );
    // profile detail on PSS findings
    let p = f.iter().find(|x| x.id == "SW-K8S-003").unwrap();
    assert_eq!(p.details.get("profile").map(String::as_str), Some("baseline"));
    assert_eq!(p.location.line, Some(28));
    let r = f.iter().find(|x| x.id == "SW-K8S-013").unwrap();
    assert_eq!(r.details.get("profile").map(String::as_str), Some("restricted"));
    let svc = f.iter().find(|x| x.id == "SW-K8S-025").unwrap();
    assert_eq!(svc.location.line, Some(47));
}

#[test]
fn netpol_across_files_and_selectors() {
    let dep = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: a}}\nspec:\n  containers: [{name: c, image: x}]\n";
    let pol = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec:\n  podSelector:\n    matchExpressions: [{key: app, operator: In, values: [a]}]\n";
    let (f, _) = check_k8s_documents(&[(Location::file("a.yaml"), dep.into())]);
    assert!(f.iter().any(|x| x.id == "SW-K8S-020"));
    let (f, _) = check_k8s_documents(&[
        (Location::file("a.yaml"), dep.into()),
        (Location::file("b.yaml"), pol.into()),
    ]);
    assert!(!f.iter().any(|x| x.id == "SW-K8S-020"), "covered by a policy in another file");
}

#[test]
fn detection() {
    assert!(looks_like_k8s("apiVersion: v1\nkind: Pod\n"));
    assert!(!looks_like_k8s("services:\n  a: {}\n"));
    assert!(!looks_like_k8s("foo:\n  apiVersion: v1\n  kind: Pod\n"));
}

mod props {
    use super::*;
    use proptest::prelude::*;
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn never_panics(s in "(apiVersion: v1\\n|kind: (Pod|Deployment|NetworkPolicy|Service|Secret)\\n|spec|containers|template|---\\n|:|-|\\n|  |\\[|\\]|\\{|\\}|[a-z0-9./]){0,80}") {
            let _ = check_k8s(&Location::file("k.yaml"), &s);
        }
    }
}

#[test]
fn metadata_egress_respects_ports() {
    let pol = |ports: &str| {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: n}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n    - to: [{{ipBlock: {{cidr: 0.0.0.0/0}}}}]\n{ports}"
        )
    };
    let hit = |t: &str| run(t).iter().any(|f| f.id == "SW-K8S-024");
    assert!(hit(&pol("")));
    assert!(hit(&pol("      ports: [{port: 80}]\n")));
    assert!(hit(&pol("      ports: [{port: 1, endPort: 1024}]\n")));
    assert!(!hit(&pol("      ports: [{port: 443}]\n")));
}

#[test]
fn probes() {
    let dep = |extra: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: x\n{extra}"
        )
    };
    assert!(run(&dep("")).iter().any(|f| f.id == "SW-K8S-034"));
    assert!(
        !run(&dep("          livenessProbe: {tcpSocket: {port: 80}}\n")).iter().any(|f| f.id == "SW-K8S-034")
    );
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: x}]\n";
    assert!(!run(job).iter().any(|f| f.id == "SW-K8S-034"), "batch jobs need no probes");
}

#[test]
fn vllm_api_key_in_k8s() {
    let pod = |args: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n    - name: v\n      image: vllm/vllm-openai:v0.6.3\n      args: [{args}]\n"
        )
    };
    assert!(run(&pod("\"--model\", \"m\"")).iter().any(|f| f.id == "SW-ML-009"));
    assert!(!run(&pod("\"--model\", \"m\", \"--api-key\", \"$(KEY)\"")).iter().any(|f| f.id == "SW-ML-009"));
}

/// Regression (issue 11, "content skipped because a prefix looked wrong"): a manifest is recognised by
/// parsing it, wherever `apiVersion` starts — past a long licence header — and quoted `{{ … }}`
/// placeholders are plain strings, so the templated manifest is checked.
#[test]
fn manifest_after_a_long_comment_header_with_placeholders_is_checked() {
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!(
            "# licence header line {i}: this text pushes apiVersion past any prefix window\n"
        ));
    }
    assert!(text.len() > 2048);
    text.push_str(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"{{ name }}\"\n  namespace: \"{{ namespace }}\"\nspec:\n  \
         containers:\n  - name: c\n    image: \"{{ image }}\"\n    securityContext:\n      privileged: true\n",
    );
    assert!(looks_like_k8s(&text));
    let f = run(&text);
    let p = f.iter().find(|x| x.id == "SW-K8S-003").expect("the privileged container is reported");
    assert!(p.severity >= seawall_core::Severity::High, "{p:?}");
}
