# Shared helpers for the seawall end-to-end scripts (sourced, not run).
# Paths: SEAWALL_E2E_CACHE (default /var/tmp/seawall-e2e) holds the cached rootfs and all artifacts.
set -euo pipefail

E2E_CACHE="${SEAWALL_E2E_CACHE:-/var/tmp/seawall-e2e}"
E2E_OUT="$E2E_CACHE/out"
E2E_IMAGE="seawall-e2e/app:latest"
E2E_BASE="seawall-e2e/base:bookworm"
E2E_REGISTRY_ADDR="${SEAWALL_E2E_REGISTRY:-127.0.0.1:5000}"
E2E_REGISTRY_REPO="seawall-e2e/app"
# A second registry on the next port, same storage, with htpasswd (basic) authentication.
E2E_AUTH_REGISTRY_ADDR="${E2E_REGISTRY_ADDR%:*}:$(( ${E2E_REGISTRY_ADDR##*:} + 1 ))"
E2E_AUTH_USER="seawall"
E2E_AUTH_PASSWORD="e2e-s3cret"

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

# Starts the basic-auth registry over the same storage (read-only use). Sets AUTH_REGISTRY_PID.
# Returns 1 when no bcrypt implementation is available to write the htpasswd file.
start_auth_registry() {
    local dir="$E2E_OUT/registry-auth"
    mkdir -p "$dir"
    python3 -W ignore - "$E2E_AUTH_USER" "$E2E_AUTH_PASSWORD" >"$dir/htpasswd" <<'PY' || return 1
import sys
try:
    import crypt
    h = crypt.crypt(sys.argv[2], crypt.mksalt(crypt.METHOD_BLOWFISH))
except Exception:
    sys.exit(1)
if not h or not h.startswith("$2"):
    sys.exit(1)
print(f"{sys.argv[1]}:{h}")
PY
    cat >"$dir/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $E2E_OUT/registry/storage
http:
  addr: $E2E_AUTH_REGISTRY_ADDR
auth:
  htpasswd:
    realm: seawall-e2e
    path: $dir/htpasswd
YML
    docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
    AUTH_REGISTRY_PID=$!
    for _ in $(seq 1 50); do
        kill -0 "$AUTH_REGISTRY_PID" 2>/dev/null || break
        if python3 - "$E2E_AUTH_REGISTRY_ADDR" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(f"http://{sys.argv[1]}/v2/", timeout=1)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 401 else 1)
PY
        sleep 0.2
    done
    cat "$dir/registry.log" >&2
    die "auth registry did not start on $E2E_AUTH_REGISTRY_ADDR"
}

stop_auth_registry() {
    if [[ -n "${AUTH_REGISTRY_PID:-}" ]]; then
        kill "$AUTH_REGISTRY_PID" 2>/dev/null || true
        wait "$AUTH_REGISTRY_PID" 2>/dev/null || true
        AUTH_REGISTRY_PID=
    fi
}

# A throwaway PostgreSQL cluster's tools: sets PG_BIN (the directory with initdb and pg_ctl) and PG_USER
# (postgres when running as root, which initdb refuses to run as; created if missing), and defines
# as_pg CMD… to run a command as that user.
pg_find() {
    PG_BIN=""
    local d
    for d in "$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)")" /usr/lib/postgresql/*/bin; do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then PG_BIN=$d; break; fi
    done
    [[ -n "$PG_BIN" ]] || die "no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql"
    PG_USER=$(id -un)
    if [[ $(id -u) == 0 ]]; then
        PG_USER=postgres
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    fi
}
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi; }
