//! Docker daemon and host rules (`SW-DAEMON-*`): CIS Docker Benchmark sections 2 and 3, NVIDIA runtime.

seawall_core::rules! {
    pub(crate) kind: Misconfiguration;
    DAEMON_ICC = "SW-DAEMON-001", Medium, 5, "Inter-container communication enabled on the default bridge (icc)",
        why: "With `icc` enabled every container on the default bridge can talk to every other one; network segmentation requires `\"icc\": false` and explicit user-defined networks (CIS Docker Benchmark 2.2).",
        fix: "```json\n{ \"icc\": false }\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker", "https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file"];
    DAEMON_USERNS = "SW-DAEMON-002", Low, 4, "User namespace remapping not enabled",
        why: "Without `userns-remap`, root in a container is UID 0 on the host; with it, container root maps to an unprivileged host range (CIS Docker Benchmark, section 2).",
        fix: "```json\n{ \"userns-remap\": \"default\" }\n```",
        refs: &["https://docs.docker.com/engine/security/userns-remap/", "https://www.cisecurity.org/benchmark/docker"];
    DAEMON_LIVE_RESTORE = "SW-DAEMON-003", Low, 9, "live-restore not enabled",
        why: "Without `live-restore` every daemon upgrade or crash stops all containers, which discourages timely patching of the daemon (CIS Docker Benchmark, section 2).",
        fix: "```json\n{ \"live-restore\": true }\n```",
        refs: &["https://docs.docker.com/engine/daemon/live-restore/", "https://www.cisecurity.org/benchmark/docker"];
    DAEMON_NO_NEW_PRIVS = "SW-DAEMON-004", Low, 4, "no-new-privileges not set daemon-wide",
        why: "Setting `no-new-privileges` in the daemon makes it the default for every container, so setuid binaries cannot raise privileges (CIS Docker Benchmark, section 2).",
        fix: "```json\n{ \"no-new-privileges\": true }\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker"];
    DAEMON_TCP_NO_TLS = "SW-DAEMON-005", Critical, 4, "Docker API on TCP without TLS verification",
        why: "An unauthenticated Docker API on TCP (2375) is remote root on the host; it is one of the most scanned ports on the internet and a favourite of cryptominer campaigns (CIS Docker Benchmark 2.7).",
        fix: "Listen on the Unix socket only, or require mutual TLS:\n\n```json\n{ \"hosts\": [\"unix:///var/run/docker.sock\", \"tcp://10.0.0.5:2376\"], \"tlsverify\": true, \"tlscacert\": \"/etc/docker/ca.pem\", \"tlscert\": \"/etc/docker/cert.pem\", \"tlskey\": \"/etc/docker/key.pem\" }\n```",
        refs: &["https://docs.docker.com/engine/security/protect-access/", "https://www.cisecurity.org/benchmark/docker"];
    DAEMON_INSECURE_REGISTRY = "SW-DAEMON-006", High, 2, "Insecure registry configured",
        why: "`insecure-registries` pulls images over plain HTTP or unverified TLS, so anyone on the path can substitute images (CIS Docker Benchmark 2.5).",
        fix: "Remove the entry and give the registry a valid certificate:\n\n```json\n{ \"insecure-registries\": [] }\n```",
        refs: &["https://docs.docker.com/reference/cli/dockerd/#insecure-registries", "https://www.cisecurity.org/benchmark/docker"];
    DAEMON_LOG_DRIVER = "SW-DAEMON-007", Info, 8, "No centralized log driver configured",
        why: "With the default local json-file driver, container logs stay on the host and disappear with it; monitoring and incident response need a remote log driver (CIS Docker Benchmark, section 2).",
        fix: "```json\n{ \"log-driver\": \"syslog\", \"log-opts\": { \"syslog-address\": \"tcp://logs.example.com:514\" } }\n```",
        refs: &["https://docs.docker.com/engine/logging/configure/", "https://www.cisecurity.org/benchmark/docker"];
    DAEMON_SECCOMP = "SW-DAEMON-008", High, 4, "Daemon default seccomp profile disabled",
        why: "`seccomp-profile: unconfined` removes syscall filtering from every container on the host (CIS Docker Benchmark, section 2).",
        fix: "Remove the setting (use Docker's default) or point it to a reviewed profile:\n\n```json\n{ \"seccomp-profile\": \"/etc/docker/seccomp.json\" }\n```",
        refs: &["https://docs.docker.com/engine/security/seccomp/", "https://www.cisecurity.org/benchmark/docker"];
    DAEMON_USERLAND_PROXY = "SW-DAEMON-009", Low, 5, "userland-proxy enabled",
        why: "The userland proxy is an extra process per published port and widens the attack surface; hairpin NAT makes it unnecessary on modern kernels (CIS Docker Benchmark, section 2).",
        fix: "```json\n{ \"userland-proxy\": false }\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker"];
    DAEMON_DEFAULT_BIND = "SW-DAEMON-010", Low, 5, "Published ports bind to 0.0.0.0 by default (no \"ip\")",
        why: "Without `\"ip\"` in daemon.json, `-p 8888:8888` publishes on every interface; setting it to 127.0.0.1 makes exposure an explicit choice per port.",
        fix: "```json\n{ \"ip\": \"127.0.0.1\" }\n```",
        refs: &["https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file", "https://docs.docker.com/engine/network/packet-filtering-firewalls/"];
    DAEMON_FILE_PERMS = "SW-DAEMON-011", Medium, 9, "Docker configuration file with wrong owner or permissions",
        why: "daemon.json, the docker.service/docker.socket units and /etc/default/docker control the daemon; if they are not owned by root with mode 644 or stricter, a non-root user can reconfigure the daemon into a root backdoor (CIS Docker Benchmark 3.x).",
        fix: "```sh\nchown root:root /etc/docker/daemon.json && chmod 644 /etc/docker/daemon.json\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker"];
    DAEMON_NVIDIA_ENVVAR = "SW-DAEMON-012", Medium, 4, "NVIDIA runtime accepts NVIDIA_VISIBLE_DEVICES from unprivileged containers",
        why: "With `accept-nvidia-visible-devices-envvar-when-unprivileged = true` any container can request any GPU by setting an environment variable, bypassing the device plugin's allocation in Kubernetes.",
        fix: "```toml\n# /etc/nvidia-container-runtime/config.toml\naccept-nvidia-visible-devices-envvar-when-unprivileged = false\naccept-nvidia-visible-devices-as-volume-mounts = true\n```",
        refs: &["https://github.com/NVIDIA/k8s-device-plugin", "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html"];
    DAEMON_NVIDIA_TOOLKIT_CVE = "SW-DAEMON-013", High, 7, "NVIDIA Container Toolkit version with known container-escape CVEs",
        why: "NVIDIA Container Toolkit releases before 1.17.8 are affected by container escapes and host file tampering (CVE-2024-0132, CVE-2025-23359, CVE-2025-23266 \"NVIDIAScape\", …) exploitable by a malicious image; GPU hosts that run untrusted models or images are the target.",
        fix: "Upgrade the toolkit on the host:\n\n```sh\napt-get install --only-upgrade nvidia-container-toolkit libnvidia-container1\n```",
        refs: &["https://nvidia.custhelp.com/app/answers/detail/a_id/5582", "https://nvidia.custhelp.com/app/answers/detail/a_id/5659", "https://nvd.nist.gov/vuln/detail/CVE-2025-23266"];
}
