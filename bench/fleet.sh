#!/usr/bin/env bash
# Fleet-mode figures for docs/benchmarks.md (release build, real PostgreSQL and registry on loopback):
#   1. queue: 10,000 enqueues, claim latency with 10,000 ready jobs, enqueue-to-claim latency with an idle
#      LISTEN/NOTIFY claimer (crates/seawall-store/examples/queue-bench.rs);
#   2. scan throughput with 1 and 2 workers on the same 20 images (each scan walks the 170 MB debootstrap base
#      and the image's own layers: workers run with --no-cache so that every job does the same work);
#      then 2 workers with the shared layer cache (warm base);
#   3. serve RSS idle and under load (8 concurrent clients × 250 requests over lists, queries and reports in
#      every format).
# usage: bench/fleet.sh        (needs: postgresql server binaries, docker-registry, python3, curl; root)
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
source "$ROOT/tests/e2e/lib.sh"
set +e
BIN=${SEAWALL_BIN:-$ROOT/target/release/seawall}
[[ -x "$BIN" ]] || (cd "$ROOT" && cargo build --release -p seawall-cli) || die "no release binary"
BIN=$(realpath "$BIN")
PG_PORT=55439
REG=127.0.0.1:5059
API_ADDR=127.0.0.1:18459
API="http://$API_ADDR"
N=${FLEET_BENCH_IMAGES:-20}
WORK="$(mktemp -d /var/tmp/seawall-fleet-bench.XXXXXX)"
chmod 755 "$WORK"
PIDS=()

PG_BIN=""
for d in "$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)")" /usr/lib/postgresql/*/bin; do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then PG_BIN=$d; break; fi
done
[[ -n "$PG_BIN" ]] || die "no PostgreSQL server binaries"
PG_USER=$(id -un)
[[ $(id -u) == 0 ]] && PG_USER=postgres
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi; }
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null 2>&1
    stop_registry
    rm -rf "$WORK"
}
trap cleanup EXIT
chown "$PG_USER" "$WORK"
as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U seawall --auth=trust -E UTF8 >/dev/null || die "initdb"
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
    -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null || die "pg start"
ADMIN="postgres://seawall@127.0.0.1:$PG_PORT/postgres"
for db in queue t1 t2 tc; do psql -X -q "$ADMIN" -c "CREATE DATABASE $db" || die "createdb"; done
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. queue ----
(cd "$ROOT" && cargo run -q --release -p seawall-store --example queue-bench -- "postgres://seawall@127.0.0.1:$PG_PORT/queue") \
    || die "queue bench failed"

# ---- 2. throughput ----
E2E_REGISTRY_ADDR=$REG
E2E_OUT="$WORK"
start_registry
ROOTFS_TAR="$E2E_CACHE/rootfs-bookworm-minbase-python3.tar"
[[ -s "$ROOTFS_TAR" ]] || die "no $ROOTFS_TAR: run tests/e2e/test-fleet.sh (or build-images.sh) once"
python3 "$ROOT/tests/e2e/fleet-images.py" "$ROOTFS_TAR" "$REG" "$N" "$WORK/img" 2>/dev/null || die "images"
mkdir -p "$WORK/osv/PyPI"
cp "$ROOT/examples/osv/PyPI/all.zip" "$WORK/osv/PyPI/"
"$BIN" --db "$WORK/osv.db" db update --db-source "$WORK/osv" --ecosystems PyPI --quiet >/dev/null 2>&1

run_fleet() { # run_fleet DB WORKERS EXTRA_WORKER_ARGS… → SECS (for N jobs), LAST_SERVE, LAST_TOKEN
    local db="postgres://seawall@127.0.0.1:$PG_PORT/$1" workers=$2; shift 2
    "$BIN" serve --database "$db" --listen "$API_ADDR" --migrate >"$WORK/serve-$workers.log" 2>&1 &
    local serve=$!
    for _ in $(seq 1 100); do curl -sf "$API/healthz" >/dev/null && break; sleep 0.1; done
    local tok
    tok=$("$BIN" token create --database "$db" --project bench)
    local wp=()
    for w in $(seq 1 "$workers"); do
        cp "$WORK/osv.db" "$WORK/osv-$w.db"
        "$BIN" --db "$WORK/osv-$w.db" worker --database "$db" --db-source "$WORK/osv" --db-ecosystems PyPI \
            --db-update-interval 0 --poll 1 --id "bench-$w" "$@" >"$WORK/worker-$w-$workers.log" 2>&1 &
        wp+=($!)
    done
    sleep 2
    local t0
    t0=$(date +%s.%N)
    while IFS=$'\t' read -r ref _; do
        curl -s -o /dev/null -H "Authorization: Bearer $tok" -d "{\"image\": \"$ref\", \"insecure\": true}" "$API/api/v1/scans"
    done <"$WORK/img/images.tsv"
    while :; do
        n=$(psql -X -t -A "$db" -c "select count(*) from jobs where status in ('queued','running')")
        [[ $n == 0 ]] && break
        sleep 0.2
    done
    local t1
    t1=$(date +%s.%N)
    LAST_TOKEN=$tok
    for p in "${wp[@]}"; do kill "$p"; wait "$p" 2>/dev/null; done
    LAST_SERVE=$serve
    SECS=$(python3 -c "print(f'{$t1 - $t0:.1f}')")
}
run_fleet t1 1 --no-cache; s1=$SECS; kill "$LAST_SERVE"; wait "$LAST_SERVE" 2>/dev/null
run_fleet t2 2 --no-cache; s2=$SECS; kill "$LAST_SERVE"; wait "$LAST_SERVE" 2>/dev/null
python3 -c "
n=$N; a=$s1; b=$s2
print(f'throughput, every scan walks every layer: 1 worker {n/a:.2f} scans/s ({a} s for {n}), 2 workers {n/b:.2f} scans/s ({b} s); speed-up {a/b:.2f}x')"
run_fleet tc 2; sc=$SECS
python3 -c "n=$N; c=$sc; print(f'throughput, 2 workers with the shared layer cache (cold at start): {n/c:.2f} scans/s ({c} s for {n})')"
echo "shared cache: $(psql -X -t -A "postgres://seawall@127.0.0.1:$PG_PORT/tc" -c "select count(*) || ' entries, ' || sum(hits) || ' hits, max writes ' || max(writes) from layer_cache")"

# ---- 3. serve RSS, idle and under load (serve of the last run, 20 images stored) ----
rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
hwm() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
sleep 1
idle=$(rss "$LAST_SERVE")
python3 - "$API" "$LAST_TOKEN" "$WORK/img/images.tsv" <<'PY'
import sys, threading, time, urllib.request
api, tok, tsv = sys.argv[1:4]
digests = [l.split("\t")[1] for l in open(tsv)]
paths = ["/api/v1/images", "/api/v1/findings?limit=500", "/api/v1/packages?name=jinja2", "/api/v1/advisories/CVE-2020-28493/images"]
for i, d in enumerate(digests):
    for f in ("json", "sarif", "cyclonedx", "spdx", "html", "markdown"):
        paths.append(f"/api/v1/images/{d}/report?format={f}")
lat, errors = [], []
def client(k):
    for i in range(250):
        p = paths[(k * 97 + i) % len(paths)]
        t = time.perf_counter()
        try:
            urllib.request.urlopen(urllib.request.Request(api + p, headers={"Authorization": "Bearer " + tok})).read()
            lat.append(time.perf_counter() - t)
        except Exception as e:
            errors.append(str(e))
t0 = time.perf_counter()
ts = [threading.Thread(target=client, args=(k,)) for k in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
el = time.perf_counter() - t0
lat.sort()
print(f"load: {len(lat)} requests in {el:.1f} s ({len(lat)/el:.0f}/s), p50 {lat[len(lat)//2]*1000:.1f} ms, p99 {lat[int(len(lat)*0.99)]*1000:.1f} ms, {len(errors)} errors")
PY
echo "serve RSS: idle $idle MiB, peak under load $(hwm "$LAST_SERVE") MiB, after load $(rss "$LAST_SERVE") MiB"
kill "$LAST_SERVE"; wait "$LAST_SERVE" 2>/dev/null
