//! Kubernetes rules (`SW-K8S-*`): Pod Security Standards, NetworkPolicy coverage, exposure, secrets.

seawall_core::rules! {
    pub(crate) kind: Misconfiguration;
    K8S_PSS_HOST_PROCESS = "SW-K8S-001", Critical, 4, "Pod Security (baseline): Windows HostProcess container",
        why: "HostProcess containers run directly on the Windows host with host privileges; the baseline profile forbids `hostProcess: true`.",
        fix: "```yaml\nsecurityContext:\n  windowsOptions:\n    hostProcess: false\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"];
    K8S_PSS_HOST_NAMESPACES = "SW-K8S-002", High, 4, "Pod Security (baseline): host namespaces shared (hostNetwork/hostPID/hostIPC)",
        why: "Sharing the node's network, PID or IPC namespace breaks pod isolation: the pod reaches node-local services, sees other pods' processes and their environment.",
        fix: "```yaml\nspec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"];
    K8S_PSS_PRIVILEGED = "SW-K8S-003", Critical, 4, "Pod Security (baseline): privileged container",
        why: "A privileged container has every capability and all node devices; it is root on the node. GPU pods need `nvidia.com/gpu` limits, not privilege.",
        fix: "```yaml\nsecurityContext:\n  privileged: false\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"];
    K8S_PSS_CAPABILITIES = "SW-K8S-004", High, 4, "Pod Security (baseline): capability added beyond the baseline set",
        why: "Baseline allows adding only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT; others such as SYS_ADMIN or NET_ADMIN enable escapes.",
        fix: "```yaml\nsecurityContext:\n  capabilities:\n    drop: [ALL]\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"];
    K8S_PSS_HOSTPATH = "SW-K8S-005", High, 4, "Pod Security (baseline): hostPath volume",
        why: "hostPath volumes expose node files to the pod (kubelet credentials, container runtime sockets, other pods' data); baseline forbids them.",
        fix: "Use a PersistentVolumeClaim, ConfigMap or CSI volume:\n\n```yaml\nvolumes:\n  - name: models\n    persistentVolumeClaim: {claimName: models}\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"];
    K8S_PSS_HOST_PORTS = "SW-K8S-006", Medium, 5, "Pod Security (baseline): hostPort used",
        why: "A hostPort opens the port on the node's interfaces, bypassing Services and NetworkPolicies.",
        fix: "Remove `hostPort` and expose through a Service:\n\n```yaml\nports:\n  - containerPort: 8080\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"];
    K8S_PSS_APPARMOR = "SW-K8S-007", High, 4, "Pod Security (baseline): AppArmor profile overridden",
        why: "Baseline only allows the `RuntimeDefault` or `Localhost` AppArmor profile; `Unconfined` removes mandatory access control.",
        fix: "```yaml\nsecurityContext:\n  appArmorProfile:\n    type: RuntimeDefault\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"];
    K8S_PSS_SELINUX = "SW-K8S-008", Medium, 4, "Pod Security (baseline): custom SELinux user/role or type",
        why: "Setting a custom SELinux type, user or role can escape the container's confinement; baseline allows only the container types.",
        fix: "Remove `seLinuxOptions.user/role` and use `container_t`, `container_init_t` or `container_kvm_t`:\n\n```yaml\nseLinuxOptions:\n  type: container_t\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"];
    K8S_PSS_PROC_MOUNT = "SW-K8S-009", High, 4, "Pod Security (baseline): /proc mount unmasked",
        why: "`procMount: Unmasked` exposes kernel interfaces in /proc that the runtime masks by default.",
        fix: "```yaml\nsecurityContext:\n  procMount: Default\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"];
    K8S_PSS_SECCOMP_UNCONFINED = "SW-K8S-010", High, 4, "Pod Security (baseline): seccomp Unconfined",
        why: "An explicit `Unconfined` seccomp profile re-enables every syscall, including those used in kernel exploits.",
        fix: "```yaml\nsecurityContext:\n  seccompProfile:\n    type: RuntimeDefault\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"];
    K8S_PSS_SYSCTLS = "SW-K8S-011", Medium, 4, "Pod Security (baseline): unsafe sysctl",
        why: "Only namespaced, safe sysctls are allowed by baseline; others change node-wide kernel behaviour.",
        fix: "Remove the sysctl or use one of the safe set:\n\n```yaml\nsysctls:\n  - name: net.ipv4.ip_unprivileged_port_start\n    value: \"0\"\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline", "https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/"];
    K8S_PSS_VOLUME_TYPES = "SW-K8S-012", Medium, 4, "Pod Security (restricted): volume type not allowed",
        why: "Restricted allows only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes; other in-tree types mount node or network storage directly.",
        fix: "```yaml\nvolumes:\n  - name: data\n    persistentVolumeClaim: {claimName: data}\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"];
    K8S_PSS_PRIV_ESCALATION = "SW-K8S-013", Medium, 4, "Pod Security (restricted): allowPrivilegeEscalation not false",
        why: "Unless `allowPrivilegeEscalation: false`, setuid binaries and file capabilities can raise a process's privileges.",
        fix: "```yaml\nsecurityContext:\n  allowPrivilegeEscalation: false\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"];
    K8S_PSS_RUN_AS_NON_ROOT = "SW-K8S-014", Medium, 4, "Pod Security (restricted): runAsNonRoot not true",
        why: "Without `runAsNonRoot: true` the kubelet happily starts an image whose user is root.",
        fix: "```yaml\nsecurityContext:\n  runAsNonRoot: true\n  runAsUser: 10001\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"];
    K8S_PSS_RUN_AS_USER_ROOT = "SW-K8S-015", High, 4, "Pod Security (restricted): runAsUser 0",
        why: "Explicitly running as UID 0 makes every container process root.",
        fix: "```yaml\nsecurityContext:\n  runAsUser: 10001\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"];
    K8S_PSS_SECCOMP_MISSING = "SW-K8S-016", Low, 4, "Pod Security (restricted): seccomp profile not RuntimeDefault or Localhost",
        why: "Restricted requires an explicit seccomp profile; without it many runtimes run the pod unconfined.",
        fix: "```yaml\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"];
    K8S_PSS_CAPS_RESTRICTED = "SW-K8S-017", Low, 4, "Pod Security (restricted): capabilities not dropped to ALL (only NET_BIND_SERVICE may be added)",
        why: "Restricted requires `drop: [ALL]` and allows adding back only NET_BIND_SERVICE.",
        fix: "```yaml\nsecurityContext:\n  capabilities:\n    drop: [ALL]\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"];
    K8S_NETPOL_UNCOVERED = "SW-K8S-020", Medium, 5, "Workload selected by no NetworkPolicy",
        why: "Pods not selected by any NetworkPolicy accept traffic from every pod in the cluster and may connect anywhere; a compromised neighbour reaches the model server or database directly.",
        fix: "Add a policy selecting the workload:\n\n```yaml\nkind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: triton}}\n  policyTypes: [Ingress]\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: gateway}}}]\n```",
        refs: &["https://kubernetes.io/docs/concepts/services-networking/network-policies/"];
    K8S_NETPOL_NO_DENY_INGRESS = "SW-K8S-021", Medium, 5, "Namespace without a default-deny ingress NetworkPolicy",
        why: "Without a default-deny policy every new workload in the namespace is open to the whole cluster until someone remembers to write a policy for it.",
        fix: "```yaml\nkind: NetworkPolicy\nmetadata: {name: default-deny-ingress}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n```",
        refs: &["https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-ingress-traffic"];
    K8S_NETPOL_NO_DENY_EGRESS = "SW-K8S-022", Low, 5, "Namespace without a default-deny egress NetworkPolicy",
        why: "Unrestricted egress lets a compromised pod exfiltrate data and model weights, reach the cloud metadata service and download tooling.",
        fix: "```yaml\nkind: NetworkPolicy\nmetadata: {name: default-deny-egress}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n```",
        refs: &["https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-egress-traffic"];
    K8S_NETPOL_ALLOW_ALL = "SW-K8S-023", Medium, 5, "NetworkPolicy rule allows all traffic",
        why: "An ingress or egress rule that is empty (`- {}`) or allows 0.0.0.0/0 cancels the isolation the policy appears to provide.",
        fix: "List the peers explicitly:\n\n```yaml\ningress:\n  - from:\n      - podSelector: {matchLabels: {app: gateway}}\n```",
        refs: &["https://kubernetes.io/docs/concepts/services-networking/network-policies/"];
    K8S_NETPOL_METADATA = "SW-K8S-024", High, 5, "Egress to the cloud metadata service (169.254.169.254) allowed",
        why: "The instance metadata service hands out the node's cloud credentials; an egress rule admitting 169.254.169.254 (directly or via a wide CIDR without an `except`) lets any compromised pod steal them.",
        fix: "Exclude the metadata address:\n\n```yaml\negress:\n  - to:\n      - ipBlock:\n          cidr: 0.0.0.0/0\n          except: [169.254.169.254/32]\n```",
        refs: &["https://kubernetes.io/docs/concepts/services-networking/network-policies/", "https://attack.mitre.org/techniques/T1552/005/"];
    K8S_ML_PORT_EXPOSED = "SW-K8S-025", High, 5, "ML control plane exposed through a LoadBalancer or NodePort Service",
        why: "Ray (8265, 10001, 6379), Jupyter (8888), MLflow (5000), TorchServe management (8081/8082), Triton (8000–8002), Ollama (11434) and TensorBoard (6006) have no or weak authentication; a LoadBalancer or NodePort makes them reachable outside the cluster.",
        fix: "Use a ClusterIP Service behind an authenticating ingress:\n\n```yaml\nspec:\n  type: ClusterIP\n```",
        refs: &["https://docs.ray.io/en/latest/ray-security/index.html", "https://kubernetes.io/docs/concepts/services-networking/service/"];
    K8S_SECRET_ENV_LITERAL = "SW-K8S-026", High, 6, "Secret-like env var with a literal value",
        why: "A literal token in a manifest is committed to git, visible to everyone with read access to the workload and printed by `kubectl describe`.",
        fix: "Reference a Secret:\n\n```yaml\nenv:\n  - name: HF_TOKEN\n    valueFrom:\n      secretKeyRef: {name: hf, key: token}\n```",
        refs: &["https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables"];
    K8S_PLAINTEXT_SECRET = "SW-K8S-027", High, 6, "Kubernetes Secret with plaintext data in a manifest",
        why: "`kind: Secret` manifests only base64-encode their values; committed to a repository they are plaintext credentials.",
        fix: "Use an external secret store (External Secrets, Sealed Secrets, SOPS):\n\n```yaml\nkind: SealedSecret\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/secrets-good-practices/"];
    K8S_SA_TOKEN_AUTOMOUNT = "SW-K8S-028", Low, 4, "Service account token automatically mounted",
        why: "Most ML workloads never call the Kubernetes API, yet a mounted token gives an intruder API access with the service account's RBAC rights.",
        fix: "```yaml\nspec:\n  automountServiceAccountToken: false\n```",
        refs: &["https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting"];
    K8S_GPU_HOSTPATH = "SW-K8S-029", High, 4, "GPU device mounted via hostPath /dev/nvidia* instead of nvidia.com/gpu",
        why: "Mounting device nodes bypasses the device plugin: no scheduling, no isolation between pods, and it usually comes with privileged mode.",
        fix: "Request GPUs through the device plugin:\n\n```yaml\nresources:\n  limits:\n    nvidia.com/gpu: 1\n```",
        refs: &["https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/"];
    K8S_IMAGE_NO_DIGEST = "SW-K8S-030", Low, 2, "Container image not pinned by digest",
        why: "Tags are mutable; nodes may run different content than what was scanned, and a registry compromise propagates silently.",
        fix: "```yaml\nimage: nvcr.io/nvidia/tritonserver:24.08-py3@sha256:<digest>\n```",
        refs: &["https://kubernetes.io/docs/concepts/containers/images/#image-names"];
    K8S_IMAGE_LATEST = "SW-K8S-031", Medium, 2, "Container image untagged or :latest",
        why: "`latest` changes on every push and also implies `imagePullPolicy: Always`, so rollouts are irreproducible.",
        fix: "```yaml\nimage: vllm/vllm-openai:v0.6.3\n```",
        refs: &["https://kubernetes.io/docs/concepts/containers/images/#image-names"];
    K8S_RW_ROOTFS = "SW-K8S-032", Low, 4, "Container root filesystem is writable",
        why: "A writable root filesystem lets an intruder modify code or drop tools that persist for the container's life.",
        fix: "```yaml\nsecurityContext:\n  readOnlyRootFilesystem: true\n```",
        refs: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"];
    K8S_NO_LIMITS = "SW-K8S-033", Low, 4, "Container without CPU or memory limits",
        why: "Without limits one pod can exhaust the node (memory leak, oversized batch, DoS) and evict its neighbours.",
        fix: "```yaml\nresources:\n  limits: {cpu: \"4\", memory: 16Gi}\n```",
        refs: &["https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"];
    K8S_NO_PROBES = "SW-K8S-034", Low, 8, "Long-running container without liveness or readiness probe",
        why: "Without probes Kubernetes cannot tell a hung model server (deadlocked worker, exhausted GPU memory) from a healthy one: traffic keeps flowing to it and it is never restarted, and monitoring sees nothing.",
        fix: "```yaml\nreadinessProbe:\n  httpGet: {path: /v2/health/ready, port: 8000}\nlivenessProbe:\n  httpGet: {path: /v2/health/live, port: 8000}\n```",
        refs: &["https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"];
    K8S_RBAC_WILDCARD = "SW-K8S-040", High, 4, "RBAC rule grants `*` verbs or resources",
        why: "A wildcard grants every current and future verb or resource type, including Secrets, pods/exec and RBAC objects themselves; whoever holds the role (a compromised notebook or operator pod) controls what the wildcard reaches.",
        fix: "List the verbs and resources the workload needs:\n\n```yaml\nrules:\n  - apiGroups: [\"ray.io\"]\n    resources: [rayjobs]\n    verbs: [get, list, create]\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/rbac-good-practices/"];
    K8S_RBAC_SECRETS = "SW-K8S-041", Medium, 6, "RBAC rule can read Secrets",
        why: "`get`, `list` or `watch` on Secrets returns their values: a service account with it reads every credential of its namespace (or cluster, for a ClusterRole), model-registry and object-store keys included.",
        fix: "Mount only the Secrets the workload needs instead of granting API access, or restrict with `resourceNames`:\n\n```yaml\n- resources: [secrets]\n  resourceNames: [ray-redis-password]\n  verbs: [get]\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/rbac-good-practices/#listing-secrets"];
    K8S_RBAC_ESCALATE = "SW-K8S-042", High, 4, "RBAC rule grants escalate, bind or impersonate",
        why: "`escalate` and `bind` let the holder create or bind roles with more rights than it has; `impersonate` lets it act as any user, group or service account: each is a path to cluster-admin.",
        fix: "Remove the verbs; grant role management only to cluster administrators:\n\n```yaml\nverbs: [get, list]\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/rbac-good-practices/#escalate-verb"];
    K8S_RBAC_CLUSTER_ADMIN = "SW-K8S-043", High, 4, "Binding to cluster-admin",
        why: "cluster-admin is unrestricted access to the whole cluster; bound to a workload's service account (an ML operator, a notebook), any compromise of that workload is a cluster compromise.",
        fix: "Bind a role that lists what is needed:\n\n```yaml\nroleRef:\n  kind: ClusterRole\n  name: kuberay-operator\n```",
        refs: &["https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles"];
    K8S_RBAC_DEFAULT_SA = "SW-K8S-044", Medium, 4, "Role bound to the default service account",
        why: "Every pod of a namespace runs as its `default` service account unless it names another one, so rights bound to it reach every workload there, including ones that never needed the API.",
        fix: "Create a dedicated service account for the workload and bind the role to it:\n\n```yaml\nsubjects:\n  - kind: ServiceAccount\n    name: ray-head\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/service-accounts/#default-service-accounts"];
}
