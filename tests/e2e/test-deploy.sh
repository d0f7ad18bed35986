#!/usr/bin/env bash
# End-to-end: what ships in deploy/.
#  - Prometheus rules pass `promtool check rules` (Debian's prometheus package);
#  - the Grafana dashboard is valid JSON;
#  - seawall's own Dockerfile passes seawall's own checks, builds on the Docker Engine (with a local base:
#    no registry here), runs as a non-root user and prints its version.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/lib.sh"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN=${SEAWALL_BIN:-$ROOT/target/release/seawall}

if ! command -v promtool >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    systemctl stop prometheus 2>/dev/null || true
fi
promtool check rules "$ROOT/deploy/prometheus/alerts.yml"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['panels']) >= 8" "$ROOT/deploy/grafana/seawall-dashboard.json"

"$BIN" scan config "$ROOT/deploy/docker/Dockerfile" --fail-on LOW --format table --quiet \
    || die "seawall's own Dockerfile does not pass seawall's checks"

docker image inspect "$E2E_BASE" >/dev/null 2>&1 || bash "$HERE/build-images.sh"
CTX=$(mktemp -d); trap 'rm -rf "$CTX"' EXIT
cp "$BIN" "$CTX/seawall"
docker build -q -f "$ROOT/deploy/docker/Dockerfile" --build-arg "BASE=$E2E_BASE" -t seawall-e2e/seawall:test "$CTX" >/dev/null
user=$(docker image inspect -f '{{.Config.User}}' seawall-e2e/seawall:test)
[ "$user" = "10001:10001" ] || die "image user is '$user', expected 10001:10001"
docker run --rm seawall-e2e/seawall:test --version | grep -q '^seawall ' || die "image does not run"
log "deploy artifacts ok (promtool, dashboard, self-image as $user)"
