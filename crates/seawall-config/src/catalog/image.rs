//! Built-image rules (`SW-IMG-*`): image config, history and filesystem.

seawall_core::rules! {
    pub(crate) kind: Misconfiguration;
    IMG_ROOT = "SW-IMG-001", High, 4, "Image runs as root (User empty, root, 0 or 0:0)",
        why: "The image config's `User` decides who the container process is unless the runtime overrides it; empty means root. A root process turns any escape or writable host mount into host compromise.",
        fix: "Set a numeric non-root user in the final stage:\n\n```dockerfile\nUSER 10001:10001\n```",
        refs: &["https://docs.docker.com/reference/dockerfile/#user", "https://www.cisecurity.org/benchmark/docker"];
    IMG_SETUID = "SW-IMG-002", Low, 4, "setuid/setgid file in the image",
        why: "setuid/setgid binaries are the usual way from an unprivileged container user back to root (CIS Docker Benchmark 4.8); most containers need none of them.",
        fix: "Strip the bits in the final stage:\n\n```dockerfile\nRUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker", "https://docs.docker.com/engine/security/"];
    IMG_EMPTY_PASSWORD = "SW-IMG-003", High, 4, "Account with an empty password in /etc/shadow",
        why: "An account with an empty password hash lets anyone log in or `su` to it without a password; in a container with a shell or SSH that is an immediate privilege escalation.",
        fix: "Lock the account:\n\n```dockerfile\nRUN passwd -l <user>\n```",
        refs: &["https://man7.org/linux/man-pages/man5/shadow.5.html"];
    IMG_DUP_UID = "SW-IMG-004", Medium, 4, "Duplicate UID in /etc/passwd",
        why: "Two accounts with the same UID are the same user to the kernel; a second UID 0 account is a hidden root account and a common backdoor.",
        fix: "Give each account a unique UID and remove extra UID 0 accounts:\n\n```dockerfile\nRUN userdel backdoor\n```",
        refs: &["https://www.cisecurity.org/benchmark/distribution_independent_linux"];
    IMG_DUP_GID = "SW-IMG-005", Low, 4, "Duplicate GID in /etc/group",
        why: "Groups sharing a GID share permissions, which makes file ownership and access reviews misleading.",
        fix: "Give each group a unique GID:\n\n```dockerfile\nRUN groupmod -g 10002 duplicate\n```",
        refs: &["https://www.cisecurity.org/benchmark/distribution_independent_linux"];
    IMG_LEFTOVER_DIR = "SW-IMG-006", Medium, 6, "Leftover .git/.aws/.ssh/.cache/pip/.ipynb_checkpoints directory in the image",
        why: "Copied development directories leak source history, cloud and SSH credentials, notebook outputs (often containing data samples and tokens) and caches to anyone who pulls the image.",
        fix: "Exclude them from the build context:\n\n```text\n# .dockerignore\n.git\n.aws\n.ssh\n**/.ipynb_checkpoints\n```",
        refs: &["https://docs.docker.com/build/concepts/context/#dockerignore-files"];
    IMG_ADD_HISTORY = "SW-IMG-007", Low, 2, "ADD used in the image history",
        why: "The history shows ADD steps beyond the base rootfs: remote URLs or auto-extracted archives whose content was not verified at build time.",
        fix: "Rebuild with COPY or verified downloads:\n\n```dockerfile\nCOPY app/ /app/\n```",
        refs: &["https://docs.docker.com/build/building/best-practices/#add-or-copy"];
    IMG_SENSITIVE_PORT = "SW-IMG-008", Medium, 5, "Sensitive port exposed by the image",
        why: "The image declares a port of a management or unauthenticated service (SSH 22, Docker 2375/2376, Redis 6379, Ray 8265/10001, Jupyter 8888, Ollama 11434, MLflow 5000, TensorBoard 6006, Gradio 7860, TorchServe 8080–8082); `docker run -P` publishes it on all interfaces.",
        fix: "Expose only the inference port and publish it on a specific interface:\n\n```sh\ndocker run -p 127.0.0.1:8080:8080 image\n```",
        refs: &["https://docs.docker.com/engine/network/#published-ports", "https://docs.ray.io/en/latest/ray-security/index.html"];
    IMG_VOLUME_SYSTEM = "SW-IMG-009", High, 4, "Image declares a volume on /dev, /proc or /sys",
        why: "A VOLUME on a kernel pseudo-filesystem path invites the runtime to mount host state over it and confuses hardening; there is no legitimate need for it in an application image.",
        fix: "Remove the VOLUME and mount only application data paths:\n\n```dockerfile\nVOLUME /data\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker"];
    IMG_NO_HEALTHCHECK = "SW-IMG-010", Low, 8, "Image has no healthcheck",
        why: "Without a healthcheck the runtime cannot detect a hung model server, so restarts and alerts never fire (CIS Docker Benchmark 4.6).",
        fix: "```dockerfile\nHEALTHCHECK CMD curl -fsS http://127.0.0.1:8080/health || exit 1\n```",
        refs: &["https://docs.docker.com/reference/dockerfile/#healthcheck"];
    IMG_EOL_OS = "SW-IMG-011", Medium, 7, "Image OS release is end-of-life",
        why: "The image's /etc/os-release names a release that no longer receives security updates; vulnerabilities found after its end of life are never fixed.",
        fix: "Rebuild on a supported base:\n\n```dockerfile\nFROM debian:bookworm-slim\n```",
        refs: &["https://endoflife.date/", "https://wiki.debian.org/LTS"];
}
