# Shared helpers for the seawall end-to-end scripts (sourced, not run).
# Paths: SEAWALL_E2E_CACHE (default /var/tmp/seawall-e2e) holds the cached rootfs and all artifacts.
set -euo pipefail

E2E_CACHE="${SEAWALL_E2E_CACHE:-/var/tmp/seawall-e2e}"
E2E_OUT="$E2E_CACHE/out"
E2E_IMAGE="seawall-e2e/app:latest"
E2E_BASE="seawall-e2e/base:bookworm"
E2E_REGISTRY_ADDR="${SEAWALL_E2E_REGISTRY:-127.0.0.1:5000}"
E2E_REGISTRY_REPO="seawall-e2e/app"

log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# Starts Debian's docker-registry on loopback with its own config and storage under $E2E_OUT/registry.
# Not the system service. Sets REGISTRY_PID.
registry_answers() {
    python3 - "$E2E_REGISTRY_ADDR" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(f"http://{sys.argv[1]}/v2/", timeout=1)
PY
}

start_registry() {
    local dir="$E2E_OUT/registry"
    if registry_answers; then
        die "something already answers on $E2E_REGISTRY_ADDR (set SEAWALL_E2E_REGISTRY to another address)"
    fi
    mkdir -p "$dir/storage"
    cat >"$dir/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: $E2E_REGISTRY_ADDR
YML
    docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
    REGISTRY_PID=$!
    for _ in $(seq 1 50); do
        kill -0 "$REGISTRY_PID" 2>/dev/null || break
        if registry_answers; then return 0; fi
        sleep 0.2
    done
    cat "$dir/registry.log" >&2
    die "registry did not start on $E2E_REGISTRY_ADDR"
}

stop_registry() {
    if [[ -n "${REGISTRY_PID:-}" ]]; then
        kill "$REGISTRY_PID" 2>/dev/null || true
        wait "$REGISTRY_PID" 2>/dev/null || true
        REGISTRY_PID=
    fi
}
