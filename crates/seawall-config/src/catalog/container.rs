//! Container runtime rules (`SW-CTR-*`): CIS Docker Benchmark section 5 (numbers as in v1.7/v1.8,
//! where 5.1 is the swarm-mode item), evaluated on a
//! [`crate::ContainerSpec`] built from a compose service (and, later, from `docker inspect`).

seawall_core::rules! {
    pub(crate) kind: Misconfiguration;
    CTR_PRIVILEGED = "SW-CTR-001", Critical, 4, "Privileged container",
        why: "`privileged: true` gives the container all capabilities, all host devices and disables seccomp/AppArmor: it is root on the host in all but name (CIS Docker Benchmark 5.5). GPU workloads do not need it.",
        fix: "Remove `privileged` and grant only what is needed:\n\n```yaml\nservices:\n  train:\n    privileged: false\n    cap_drop: [ALL]\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker", "https://docs.docker.com/reference/compose-file/services/#privileged"];
    CTR_CAP_ADD = "SW-CTR-002", High, 4, "Capability added beyond Docker's default set",
        why: "Capabilities such as SYS_ADMIN, NET_ADMIN, SYS_PTRACE or SYS_MODULE each open well-known container escape paths (CIS Docker Benchmark 5.4).",
        fix: "Drop the added capability; if one is truly needed, add only it after dropping all:\n\n```yaml\ncap_drop: [ALL]\ncap_add: [NET_BIND_SERVICE]\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker", "https://man7.org/linux/man-pages/man7/capabilities.7.html"];
    CTR_NO_CAP_DROP = "SW-CTR-003", Low, 4, "Capabilities not dropped (no cap_drop: [ALL])",
        why: "Docker's default set still includes CHOWN, DAC_OVERRIDE, FOWNER, NET_RAW, SETUID, SETGID and others that application containers rarely need; dropping all is the least-privilege baseline.",
        fix: "```yaml\ncap_drop: [ALL]\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker", "https://docs.docker.com/reference/compose-file/services/#cap_drop"];
    CTR_SECCOMP_UNCONFINED = "SW-CTR-004", High, 4, "seccomp disabled (seccomp=unconfined)",
        why: "The default seccomp profile blocks ~44 dangerous syscalls (keyctl, mount, unshare, bpf …) that feature in most kernel-based container escapes (CIS Docker Benchmark 5.22).",
        fix: "Remove `seccomp=unconfined`, or supply a reviewed custom profile:\n\n```yaml\nsecurity_opt:\n  - seccomp=./seccomp-profile.json\n```",
        refs: &["https://docs.docker.com/engine/security/seccomp/", "https://www.cisecurity.org/benchmark/docker"];
    CTR_APPARMOR_UNCONFINED = "SW-CTR-005", High, 4, "AppArmor disabled (apparmor=unconfined)",
        why: "The docker-default AppArmor profile denies writes to /proc and /sys and mounts; disabling it removes a mandatory access control layer (CIS Docker Benchmark 5.2).",
        fix: "Remove `apparmor=unconfined` or use a custom profile:\n\n```yaml\nsecurity_opt:\n  - apparmor=docker-default\n```",
        refs: &["https://docs.docker.com/engine/security/apparmor/", "https://www.cisecurity.org/benchmark/docker"];
    CTR_NO_NEW_PRIVS = "SW-CTR-006", Medium, 4, "no-new-privileges not set",
        why: "Without `no-new-privileges` a process can gain privileges through setuid binaries or file capabilities (CIS Docker Benchmark 5.26).",
        fix: "```yaml\nsecurity_opt:\n  - no-new-privileges:true\n```",
        refs: &["https://docs.docker.com/reference/cli/docker/container/run/#security-opt", "https://www.cisecurity.org/benchmark/docker"];
    CTR_NET_HOST = "SW-CTR-007", High, 5, "Host network namespace shared (network_mode: host)",
        why: "With the host network the container sees every host interface, can bind any port and reach services listening on localhost (Docker API, kubelet, metadata proxies); network segmentation no longer applies (CIS Docker Benchmark 5.10).",
        fix: "Use a user-defined bridge network and publish only needed ports:\n\n```yaml\nnetworks: [backend]\n```",
        refs: &["https://docs.docker.com/engine/network/drivers/host/", "https://www.cisecurity.org/benchmark/docker"];
    CTR_PID_HOST = "SW-CTR-008", High, 4, "Host PID namespace shared (pid: host)",
        why: "The container sees and can signal or ptrace every host process, and read their environment (secrets) through /proc (CIS Docker Benchmark 5.16).",
        fix: "Remove `pid: host`.\n\n```yaml\n# pid: host   <- delete\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker"];
    CTR_IPC_HOST = "SW-CTR-009", High, 4, "Host IPC namespace shared (ipc: host)",
        why: "Sharing the host IPC namespace exposes host shared memory segments and semaphores (CIS Docker Benchmark 5.17). For PyTorch DataLoader shared memory, raise `shm_size` instead.",
        fix: "```yaml\nshm_size: \"8gb\"\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker", "https://docs.docker.com/reference/compose-file/services/#shm_size"];
    CTR_UTS_HOST = "SW-CTR-010", Medium, 4, "Host UTS namespace shared (uts: host)",
        why: "The container can change the host's hostname and domain name (CIS Docker Benchmark 5.21).",
        fix: "Remove `uts: host`.\n\n```yaml\n# uts: host   <- delete\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker"];
    CTR_USERNS_HOST = "SW-CTR-011", Medium, 4, "User namespace remapping disabled (userns_mode: host)",
        why: "`userns_mode: host` opts the container out of the daemon's user-namespace remapping, so root in the container is root on the host again (CIS Docker Benchmark 5.31).",
        fix: "Remove `userns_mode: host`.\n\n```yaml\n# userns_mode: host   <- delete\n```",
        refs: &["https://docs.docker.com/engine/security/userns-remap/", "https://www.cisecurity.org/benchmark/docker"];
    CTR_DOCKER_SOCK = "SW-CTR-012", Critical, 4, "Docker socket mounted into the container",
        why: "Access to /var/run/docker.sock is root on the host: the container can start a privileged container mounting `/` (CIS Docker Benchmark 5.32).",
        fix: "Remove the mount; if an agent really needs the API, use a filtering socket proxy with read-only access:\n\n```yaml\nvolumes: []\n```",
        refs: &["https://docs.docker.com/engine/security/#docker-daemon-attack-surface", "https://www.cisecurity.org/benchmark/docker"];
    CTR_SENSITIVE_MOUNT = "SW-CTR-013", High, 4, "Sensitive host directory mounted",
        why: "Mounting `/`, `/etc`, `/proc`, `/sys`, `/dev`, `/boot`, `/root`, `/var/lib/docker` or similar host paths lets the container read host secrets or modify the host (CIS Docker Benchmark 5.6).",
        fix: "Mount only the data directory the service needs, read-only when possible:\n\n```yaml\nvolumes:\n  - ./models:/models:ro\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker"];
    CTR_RW_ROOTFS = "SW-CTR-014", Low, 4, "Root filesystem is writable (read_only missing)",
        why: "A writable root filesystem lets an intruder drop tools, modify code or plant a backdoor that survives until the container is recreated (CIS Docker Benchmark 5.13).",
        fix: "```yaml\nread_only: true\ntmpfs: [/tmp]\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker", "https://docs.docker.com/reference/compose-file/services/#read_only"];
    CTR_NO_MEMORY_LIMIT = "SW-CTR-015", Low, 4, "No memory limit",
        why: "Without a memory limit one runaway process (a large batch, a memory leak in a tokenizer, a DoS) exhausts host memory and the OOM killer takes down neighbours (CIS Docker Benchmark 5.11).",
        fix: "```yaml\ndeploy:\n  resources:\n    limits:\n      memory: 16g\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker", "https://docs.docker.com/reference/compose-file/deploy/#resources"];
    CTR_NO_CPU_LIMIT = "SW-CTR-016", Low, 4, "No CPU limit",
        why: "Without CPU limits or shares a container can starve other workloads on the host (CIS Docker Benchmark 5.12).",
        fix: "```yaml\ndeploy:\n  resources:\n    limits:\n      cpus: \"4\"\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker"];
    CTR_NO_PIDS_LIMIT = "SW-CTR-017", Low, 4, "No PIDs limit",
        why: "Without a PIDs limit a fork bomb or runaway worker pool exhausts the host's process table (CIS Docker Benchmark 5.29).",
        fix: "```yaml\npids_limit: 512\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker", "https://docs.docker.com/reference/compose-file/services/#pids_limit"];
    CTR_PORT_ALL_INTERFACES = "SW-CTR-018", Medium, 5, "Port published on all interfaces (no host IP)",
        why: "`\"8888:8888\"` publishes on 0.0.0.0 and Docker's iptables rules bypass host firewalls such as ufw: the service is reachable from every network the host is on (CIS Docker Benchmark 5.14).",
        fix: "Bind published ports to a specific interface:\n\n```yaml\nports:\n  - \"127.0.0.1:8888:8888\"\n```",
        refs: &["https://docs.docker.com/engine/network/packet-filtering-firewalls/", "https://www.cisecurity.org/benchmark/docker"];
    CTR_PRIVILEGED_PORT = "SW-CTR-019", Low, 5, "Privileged host port (< 1024) published",
        why: "Mapping to a host port below 1024 means the service competes with system services and usually implies running the proxy with elevated privileges (CIS Docker Benchmark 5.9).",
        fix: "Publish on an unprivileged port and front it with a reverse proxy:\n\n```yaml\nports:\n  - \"127.0.0.1:8443:8443\"\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker"];
    CTR_USER_ROOT = "SW-CTR-020", Medium, 4, "Container user missing or root",
        why: "Without `user:` the container runs as the image's user, root for most ML images; an explicit non-root user limits the blast radius of any compromise.",
        fix: "```yaml\nuser: \"10001:10001\"\n```",
        refs: &["https://docs.docker.com/reference/compose-file/services/#user", "https://www.cisecurity.org/benchmark/docker"];
    CTR_IMAGE_LATEST = "SW-CTR-021", Medium, 2, "Image untagged or :latest",
        why: "A mutable `latest` tag means every `pull` may deploy a different, unscanned image, and rollbacks are impossible.",
        fix: "```yaml\nimage: ollama/ollama:0.5.7@sha256:<digest>\n```",
        refs: &["https://docs.docker.com/reference/compose-file/services/#image"];
    CTR_IMAGE_NO_DIGEST = "SW-CTR-022", Low, 2, "Image not pinned by digest",
        why: "Tags can be re-pushed; only a digest guarantees that what runs is what was scanned.",
        fix: "```yaml\nimage: postgres:16.4@sha256:<digest>\n```",
        refs: &["https://docs.docker.com/reference/compose-file/services/#image"];
    CTR_GPU_DEVICES = "SW-CTR-023", Medium, 4, "GPU granted via privileged mode or raw /dev/nvidia* devices",
        why: "Passing `/dev/nvidia*` device nodes (or `privileged`) bypasses the NVIDIA container runtime's device isolation and the scheduler's accounting, and often comes with privileged mode; device reservations give the same GPU access safely.",
        fix: "Use a device reservation:\n\n```yaml\ndeploy:\n  resources:\n    reservations:\n      devices:\n        - driver: nvidia\n          device_ids: [\"0\"]\n          capabilities: [gpu]\n```",
        refs: &["https://docs.docker.com/compose/how-tos/gpu-support/"];
    CTR_GPU_ALL = "SW-CTR-024", Low, 4, "All GPUs granted (count: all)",
        why: "Granting every GPU to one service removes isolation between workloads on a shared host: one job can read another's GPU memory and starve it.",
        fix: "```yaml\ndevices:\n  - driver: nvidia\n    count: 1\n    capabilities: [gpu]\n```",
        refs: &["https://docs.docker.com/compose/how-tos/gpu-support/"];
    CTR_HEALTHCHECK_DISABLED = "SW-CTR-025", Low, 8, "Healthcheck disabled",
        why: "`healthcheck: disable: true` (or test NONE) removes the runtime's only signal that the service is alive (CIS Docker Benchmark 5.27).",
        fix: "```yaml\nhealthcheck:\n  test: [\"CMD\", \"curl\", \"-fsS\", \"http://127.0.0.1:8080/health\"]\n```",
        refs: &["https://docs.docker.com/reference/compose-file/services/#healthcheck"];
    CTR_HOST_DEVICE = "SW-CTR-026", Medium, 4, "Host device passed into the container",
        why: "Host devices (disks, /dev/mem, /dev/kmsg, USB) give direct hardware access outside the container's isolation (CIS Docker Benchmark 5.18).",
        fix: "Remove the device, or grant it read-only with cgroup permissions `r`:\n\n```yaml\ndevices: []\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker"];
    CTR_NO_AUTH = "SW-CTR-027", High, 6, "Database or cache started without a password",
        why: "`ALLOW_EMPTY_PASSWORD=yes` (Bitnami images), `POSTGRES_HOST_AUTH_METHOD=trust` and `MYSQL_ALLOW_EMPTY_PASSWORD=yes` start the datastore with no authentication at all: anything that reaches its port — another container on the network, a port published by mistake — reads and changes the data (embeddings, feature stores, experiment metadata).",
        fix: "Set a password from a secret instead:\n\n```yaml\nenvironment:\n  REDIS_PASSWORD_FILE: /run/secrets/redis_password\nsecrets: [redis_password]\n```",
        refs: &["https://hub.docker.com/_/postgres", "https://github.com/bitnami/containers/tree/main/bitnami/redis#setting-the-server-password-on-first-run"];
}
