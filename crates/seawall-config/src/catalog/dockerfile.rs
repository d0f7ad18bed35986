//! Dockerfile rules (`SW-DF-*`).

seawall_core::rules! {
    pub(crate) kind: Misconfiguration;
    DF_USER_ROOT = "SW-DF-001", High, 4, "Container runs as root: the last USER is root, 0 or 0:0",
        why: "A process running as root inside the container is root on the host kernel's view of the container's namespaces; any container escape (runc, kernel or NVIDIA toolkit bug) or writable host mount then yields host root. ML images often switch to root to install CUDA libraries and forget to switch back.",
        fix: "Create an unprivileged user and switch to it as the last USER instruction:\n\n```dockerfile\nRUN useradd --uid 10001 --create-home app\nUSER 10001:10001\n```",
        refs: &["https://docs.docker.com/build/building/best-practices/#user", "https://github.com/hadolint/hadolint/wiki/DL3002", "https://www.cisecurity.org/benchmark/docker"];
    DF_NO_USER = "SW-DF-002", Medium, 4, "No USER instruction: the image runs as root by default",
        why: "Without a USER instruction the final stage inherits the base image's user, which is root for almost every base image (python, nvidia/cuda, pytorch). CIS Docker Benchmark 4.1 requires a non-root user to be created and used.",
        fix: "Add a non-root user at the end of the final stage:\n\n```dockerfile\nRUN groupadd -g 10001 app && useradd -u 10001 -g app app\nUSER 10001:10001\n```",
        refs: &["https://docs.docker.com/reference/dockerfile/#user", "https://www.cisecurity.org/benchmark/docker"];
    DF_USER_NAME = "SW-DF-003", Low, 4, "USER is a name, not a numeric UID",
        why: "Kubernetes `runAsNonRoot` can only verify numeric UIDs; a named user makes the kubelet refuse the pod or forces operators to disable the check. A name also resolves differently if `/etc/passwd` changes in a later layer.",
        fix: "Use the numeric UID (and GID) of the user you created:\n\n```dockerfile\nUSER 10001:10001\n```",
        refs: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/", "https://docs.docker.com/reference/dockerfile/#user"];
    DF_SUDO = "SW-DF-004", Medium, 4, "sudo used or installed in the image",
        why: "sudo inside a container has unpredictable TTY and signal behaviour and, if left installed and configured, gives any compromised process a path back to root. Commands in a Dockerfile already run as the current USER; switch USER instead.",
        fix: "Run privileged steps before switching user, and never install sudo:\n\n```dockerfile\nUSER root\nRUN apt-get update && apt-get install -y --no-install-recommends libgomp1\nUSER 10001\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3004", "https://docs.docker.com/build/building/best-practices/#user"];
    DF_FROM_LATEST = "SW-DF-005", Medium, 2, "Base image is untagged or uses :latest",
        why: "`latest` (or no tag) changes under you: rebuilds silently pick up a different OS, Python or CUDA version, so scans of yesterday's build say nothing about today's and rollbacks are impossible.",
        fix: "Pin an explicit version tag (and ideally a digest):\n\n```dockerfile\nFROM python:3.12-slim-bookworm@sha256:<digest>\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3007", "https://github.com/hadolint/hadolint/wiki/DL3006", "https://docs.docker.com/build/building/best-practices/#choose-the-right-base-image"];
    DF_FROM_NO_DIGEST = "SW-DF-006", Low, 2, "Base image is not pinned by digest",
        why: "Tags are mutable: a registry compromise or a maintainer re-push replaces the base image without any change to your Dockerfile. Only a digest pins exactly the content you scanned and trust.",
        fix: "Append the digest of the tested base image; let a bot (Renovate, Dependabot) update it:\n\n```dockerfile\nFROM nvidia/cuda:12.4.1-runtime-ubuntu22.04@sha256:<digest>\n```",
        refs: &["https://docs.docker.com/build/building/best-practices/#pin-base-image-versions", "https://docs.docker.com/reference/dockerfile/#from"];
    DF_FROM_REGISTRY = "SW-DF-007", Medium, 2, "Base image from a registry outside the allowed list",
        why: "Practice 2 asks for trusted base images: images pulled from arbitrary registries or Docker Hub user namespaces bypass the organisation's vetting, mirroring and signature policy.",
        fix: "Pull base images through an allowed, vetted registry (configure the list with `allowed_registries`):\n\n```dockerfile\nFROM registry.example.com/mirror/python:3.12-slim\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3026", "https://docs.docker.com/docker-hub/repos/manage/trusted-content/"];
    DF_ADD = "SW-DF-008", Low, 2, "ADD used where COPY suffices",
        why: "ADD auto-extracts archives and fetches URLs, so a changed build context or remote file can unpack unexpected content (including path traversal in tarballs) into the image. COPY does only what it says.",
        fix: "Use COPY for local files, and an explicit verified download for remote ones:\n\n```dockerfile\nCOPY requirements.txt /app/\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3020", "https://docs.docker.com/build/building/best-practices/#add-or-copy"];
    DF_ADD_URL_NO_CHECKSUM = "SW-DF-009", Medium, 2, "ADD of a remote URL without --checksum",
        why: "A remote file fetched at build time without integrity verification can be swapped by anyone controlling the server, a DNS record or the network path, and ends up inside the image unverified (model weights and installers are common targets).",
        fix: "Pin the content hash with `--checksum`, or download and verify explicitly:\n\n```dockerfile\nADD --checksum=sha256:<sha256> https://example.com/model.onnx /models/\n```",
        refs: &["https://docs.docker.com/reference/dockerfile/#add---checksum", "https://github.com/hadolint/hadolint/wiki/DL3020"];
    DF_CURL_PIPE_SH = "SW-DF-010", High, 2, "Remote script piped into a shell (curl | sh)",
        why: "Piping a download into a shell executes whatever the server returns at build time, without review or integrity check; partial downloads can execute truncated commands. Miniconda and CUDA installers are frequently installed this way.",
        fix: "Download to a file, verify its checksum, then run it:\n\n```dockerfile\nRUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \\\n && echo \"<sha256>  /tmp/install.sh\" | sha256sum -c - \\\n && sh /tmp/install.sh && rm /tmp/install.sh\n```",
        refs: &["https://docs.docker.com/build/building/best-practices/#using-pipes", "https://cwe.mitre.org/data/definitions/494.html"];
    DF_TLS_DISABLED = "SW-DF-011", High, 2, "TLS certificate verification disabled",
        why: "Flags such as `curl -k`, `wget --no-check-certificate`, `pip --trusted-host`, `PYTHONHTTPSVERIFY=0`, `GIT_SSL_NO_VERIFY` or `NODE_TLS_REJECT_UNAUTHORIZED=0` let any machine on the network path substitute packages, models or scripts. Set as ENV they also weaken every TLS connection the running service makes.",
        fix: "Remove the flag and install the CA certificate you actually need:\n\n```dockerfile\nCOPY corp-ca.crt /usr/local/share/ca-certificates/\nRUN update-ca-certificates && pip install --no-cache-dir -r requirements.txt\n```",
        refs: &["https://cwe.mitre.org/data/definitions/295.html", "https://pip.pypa.io/en/stable/topics/https-certificates/"];
    DF_SIG_BYPASS = "SW-DF-012", High, 2, "Package signature verification bypassed",
        why: "`apt-get --allow-unauthenticated`, `apk --allow-untrusted`, `--nogpgcheck` and `rpm --nosignature` install packages whose origin was not verified, which defeats the distribution's supply-chain protection.",
        fix: "Import the repository's signing key and install normally:\n\n```dockerfile\nRUN curl -fsSL https://repo.example.com/key.gpg | gpg --dearmor -o /usr/share/keyrings/example.gpg\n```",
        refs: &["https://wiki.debian.org/SecureApt", "https://cwe.mitre.org/data/definitions/347.html"];
    DF_APT_UNPINNED = "SW-DF-013", Low, 7, "apt-get install without version pins",
        why: "Unpinned OS packages make builds irreproducible: two builds of the same Dockerfile can contain different (possibly vulnerable) versions, and a scan result no longer describes what is deployed.",
        fix: "Pin versions, or pin the base image digest and rebuild deliberately:\n\n```dockerfile\nRUN apt-get update && apt-get install -y --no-install-recommends libgomp1=12.2.0-14\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3008", "https://docs.docker.com/build/building/best-practices/#apt-get"];
    DF_PIP_UNPINNED = "SW-DF-014", Low, 7, "pip install without version pins",
        why: "`pip install torch transformers` resolves to whatever is newest at build time, including a freshly compromised release (typosquats and hijacked packages are common in the ML ecosystem) or a version with known CVEs.",
        fix: "Install from a lock file with hashes:\n\n```dockerfile\nRUN pip install --no-cache-dir --require-hashes -r requirements.lock\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3013", "https://pip.pypa.io/en/stable/topics/secure-installs/"];
    DF_NPM_UNPINNED = "SW-DF-015", Low, 7, "npm install of unpinned packages",
        why: "`npm install pkg` without a version takes the newest release at build time and ignores the lock file; malicious npm releases are published regularly.",
        fix: "Use the lock file:\n\n```dockerfile\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3016", "https://docs.npmjs.com/cli/commands/npm-ci"];
    DF_APK_UNPINNED = "SW-DF-016", Low, 7, "apk add without version pins",
        why: "Unpinned Alpine packages make builds irreproducible and let the image drift away from what was scanned.",
        fix: "Pin versions:\n\n```dockerfile\nRUN apk add --no-cache curl=8.5.0-r0\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3018"];
    DF_APT_UPDATE_ALONE = "SW-DF-017", Low, 7, "apt-get update in its own RUN (stale package lists)",
        why: "A layer with only `apt-get update` is cached; later `apt-get install` layers then use outdated package lists and install old, vulnerable versions or fail.",
        fix: "Update and install in the same RUN:\n\n```dockerfile\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n```",
        refs: &["https://docs.docker.com/build/building/best-practices/#apt-get", "https://github.com/hadolint/hadolint/wiki/DL3009"];
    DF_SECRET_ARG_ENV = "SW-DF-018", High, 6, "Secret-like ARG/ENV with a value",
        why: "ENV values are stored in the image config and ARG values in the build history (`docker history`); anyone who can pull the image can read them. HF_TOKEN, WANDB_API_KEY, OPENAI_API_KEY and AWS keys are typical leaks in ML images.",
        fix: "Use a BuildKit secret mount at build time and inject runtime secrets from a secret store:\n\n```dockerfile\nRUN --mount=type=secret,id=hf_token HF_TOKEN=$(cat /run/secrets/hf_token) python download.py\n```",
        refs: &["https://docs.docker.com/build/building/secrets/", "https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/"];
    DF_SECRET_FILE_COPY = "SW-DF-019", High, 6, "Secret file copied into the image",
        why: "Files such as `id_rsa`, `.env`, `credentials.json`, `kaggle.json`, `.netrc` or `.pypirc` copied into a layer stay in that layer forever, even if deleted later, and are readable by anyone who pulls the image.",
        fix: "Exclude them in `.dockerignore` and use build secrets:\n\n```dockerfile\nRUN --mount=type=secret,id=kaggle,target=/root/.kaggle/kaggle.json kaggle datasets download ...\n```",
        refs: &["https://docs.docker.com/build/building/secrets/", "https://docs.docker.com/build/concepts/context/#dockerignore-files"];
    DF_EXPOSE_SSH = "SW-DF-020", Medium, 5, "EXPOSE 22 (SSH server in a container)",
        why: "An SSH daemon in a container is an extra network service with its own credentials to manage and patch (CIS Docker Benchmark 5.7); use `docker exec` / `kubectl exec` instead.",
        fix: "Remove the SSH server and the EXPOSE line; debug with:\n\n```sh\ndocker exec -it <container> sh\n```",
        refs: &["https://www.cisecurity.org/benchmark/docker", "https://github.com/hadolint/hadolint/wiki/DL3011"];
    DF_EXPOSE_RANGE = "SW-DF-021", Low, 5, "EXPOSE port outside 0–65535",
        why: "A port number outside the valid range is a typo that makes the intended service unreachable or published on an unexpected port.",
        fix: "Use a valid port:\n\n```dockerfile\nEXPOSE 8080\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3011"];
    DF_NO_HEALTHCHECK = "SW-DF-022", Low, 8, "No HEALTHCHECK instruction",
        why: "Without a healthcheck the runtime cannot tell a hung model server (GPU OOM, deadlocked worker) from a healthy one, so monitoring and restarts do not trigger (CIS Docker Benchmark 4.6).",
        fix: "Add a cheap liveness probe:\n\n```dockerfile\nHEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/health || exit 1\n```",
        refs: &["https://docs.docker.com/reference/dockerfile/#healthcheck", "https://www.cisecurity.org/benchmark/docker"];
    DF_APT_LISTS_LEFT = "SW-DF-023", Info, 7, "apt package lists left in the image",
        why: "`/var/lib/apt/lists` adds tens of MB to every image and keeps stale metadata that scanners and attackers can use; multi-GB CUDA images get heavier to pull and scan.",
        fix: "Clean in the same RUN:\n\n```dockerfile\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3009", "https://docs.docker.com/build/building/best-practices/#apt-get"];
    DF_PIP_CACHE = "SW-DF-024", Info, 7, "pip install without --no-cache-dir",
        why: "pip's wheel cache stays in the layer; for torch or tensorflow wheels that is several GB of dead weight, which slows pulls, scans and deploys.",
        fix: "```dockerfile\nRUN pip install --no-cache-dir -r requirements.txt\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3042"];
    DF_SHELL_FORM = "SW-DF-025", Low, 8, "CMD/ENTRYPOINT in shell form",
        why: "In shell form the process runs as a child of `/bin/sh -c`, which does not forward SIGTERM: the model server is killed after the grace period instead of draining requests, and exit codes are lost.",
        fix: "Use the exec (JSON) form:\n\n```dockerfile\nCMD [\"python\", \"-m\", \"server\", \"--port\", \"8080\"]\n```",
        refs: &["https://docs.docker.com/reference/dockerfile/#shell-and-exec-form", "https://github.com/hadolint/hadolint/wiki/DL3025"];
    DF_PIPEFAIL = "SW-DF-026", Low, 2, "Pipe in RUN without `set -o pipefail`",
        why: "`/bin/sh -c 'curl … | tar x'` succeeds when curl fails, so a failed or tampered download goes unnoticed and the build continues with partial content.",
        fix: "Set pipefail via SHELL:\n\n```dockerfile\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL4006", "https://docs.docker.com/build/building/best-practices/#using-pipes"];
    DF_LD_PRELOAD = "SW-DF-027", Medium, 1, "ENV LD_PRELOAD set",
        why: "LD_PRELOAD injects a shared library into every process of the container. It is a classic persistence and hooking technique; when set in an image it must be reviewed like code.",
        fix: "Remove it, or link the library explicitly in the one program that needs it:\n\n```dockerfile\n# instead of ENV LD_PRELOAD=/usr/lib/libjemalloc.so\nCMD [\"sh\", \"-c\", \"LD_PRELOAD=/usr/lib/libjemalloc.so exec python serve.py\"]\n```",
        refs: &["https://attack.mitre.org/techniques/T1574/006/"];
    DF_NVIDIA_ALL = "SW-DF-028", Medium, 4, "NVIDIA_VISIBLE_DEVICES=all or NVIDIA_DRIVER_CAPABILITIES=all in the image",
        why: "Baked into the image, these variables give every container of the image all GPUs and all driver capabilities (display, video, compute, utility, graphics) regardless of what the orchestrator assigned; combined with `accept-nvidia-visible-devices-envvar-when-unprivileged` they bypass GPU isolation.",
        fix: "Let the runtime assign devices and request only what you use:\n\n```dockerfile\nENV NVIDIA_DRIVER_CAPABILITIES=compute,utility\n```",
        refs: &["https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html"];
    DF_EOL_BASE = "SW-DF-029", Medium, 7, "End-of-life base image (OS, Python or CUDA)",
        why: "An end-of-life Debian, Ubuntu, Alpine, CentOS, Python or CUDA release receives no security fixes: every new CVE in it stays open forever, and scanners may under-report because advisories stop being published.",
        fix: "Move to a supported release:\n\n```dockerfile\nFROM python:3.12-slim-bookworm\n```",
        refs: &["https://endoflife.date/", "https://wiki.debian.org/LTS", "https://gitlab.com/nvidia/container-images/cuda/-/blob/master/doc/support-policy.md"];
    DF_SECRET_BUILD_ARG = "SW-DF-030", Medium, 6, "Secret passed as a build argument",
        why: "A value given with `docker build --build-arg HF_TOKEN=…` is recorded in the image history of every RUN step that sees it (`RUN |1 HF_TOKEN=hf_… /bin/sh -c …`) and in the build cache, even when the ARG has no default in the Dockerfile. Docker's own build check `SecretsUsedInArgOrEnv` warns about it too.",
        fix: "Pass secrets as BuildKit secrets instead of build arguments:\n\n```dockerfile\nRUN --mount=type=secret,id=hf_token,env=HF_TOKEN python download_model.py\n```\n\n```sh\ndocker build --secret id=hf_token,env=HF_TOKEN .\n```",
        refs: &["https://docs.docker.com/build/building/secrets/", "https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/"];
    DF_NO_INSTALL_RECOMMENDS = "SW-DF-031", Info, 7, "apt-get install without --no-install-recommends",
        why: "Recommended packages are pulled in by default and often double the number of installed packages (documentation tools, X11 libraries next to CUDA); each one is extra attack surface and extra CVEs to triage.",
        fix: "```dockerfile\nRUN apt-get update && apt-get install -y --no-install-recommends curl=8.5.0-1 && rm -rf /var/lib/apt/lists/*\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3015", "https://docs.docker.com/build/building/best-practices/#apt-get"];
    DF_PASSWORD_SET = "SW-DF-032", High, 6, "Password set in a RUN instruction (chpasswd, passwd --stdin, usermod -p)",
        why: "A password written on a RUN line is stored in clear text in the image history and build cache, and the account it unlocks (often root, for SSH in notebook images) then has a password known to everyone who can read the Dockerfile or pull the image.",
        fix: "Do not set passwords in images; use key-based access provisioned at runtime, or lock the account:\n\n```dockerfile\nRUN passwd -l root\n```",
        refs: &["https://docs.docker.com/build/building/secrets/", "https://cwe.mitre.org/data/definitions/259.html"];
    DF_RPM_UNPINNED = "SW-DF-033", Low, 7, "dnf/yum/microdnf install without version pins",
        why: "Unpinned RPM installs resolve to whatever the repositories hold on the day of the build: two builds of the same Dockerfile differ, and a compromised or broken package version enters silently (hadolint DL3033/DL3041).",
        fix: "Pin each package to a version (and release):\n\n```dockerfile\nRUN dnf install -y python3-3.11.7-1.el9 && dnf clean all\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3041", "https://github.com/hadolint/hadolint/wiki/DL3033"];
    DF_RPM_CACHE = "SW-DF-034", Info, 7, "dnf/yum cache left in the image",
        why: "Without `dnf clean all` (or `yum clean all`) in the same RUN, repository metadata and downloaded packages stay in the layer: hundreds of MB that every pull transfers and every scan reads (hadolint DL3032/DL3040).",
        fix: "```dockerfile\nRUN dnf install -y git-2.43.0 && dnf clean all\n```",
        refs: &["https://github.com/hadolint/hadolint/wiki/DL3040", "https://github.com/hadolint/hadolint/wiki/DL3032"];
}
