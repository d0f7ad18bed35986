#!/usr/bin/env bash
# End-to-end: monitor agents reporting to the fleet service (`seawall monitor --report-to`,
# `seawall audit docker --upload`).
#
# A throwaway PostgreSQL cluster (initdb + pg_ctl on loopback), a real `seawall serve`, a tiny image
# imported into the real Docker Engine (the host's dash, sleep and libc: no network needed), and a real
# `seawall monitor --report-to` watching real containers. Then:
#   - drift alerts (`docker exec … sh`) and audits arrive while the service is up;
#   - the service is stopped for 30 s (SEAWALL_E2E_OUTAGE) while containers start and stop and more
#     alerts happen; the agent spools them on disk; it is even killed with SIGKILL and restarted
#     mid-outage (the spool survives);
#   - the service is restarted: every alert the agent logged arrives exactly once, in the agent's
#     order, and GET /api/v1/hosts lists the host with the containers that run and their image ids;
#   - `seawall audit docker --upload` uploads one audit as another host; to an unreachable service it
#     fails and keeps the audit in its spool, and the next upload delivers both; a bad token is refused.
# Prints the figures (alerts sent/received, delay after restart) and "N passed, M failed".
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/lib.sh"
set +e
ROOT="$(cd "$HERE/../.." && pwd)"
BIN=${SEAWALL_BIN:-$ROOT/target/release/seawall}
[[ -x "$BIN" ]] || BIN="$ROOT/target/debug/seawall"
BIN=$(realpath "$BIN")
PG_PORT=${SEAWALL_E2E_PG_PORT:-55443}
API_ADDR=${SEAWALL_E2E_AGENT_API:-127.0.0.1:18460}
API="http://$API_ADDR"
MON_ADDR=${SEAWALL_E2E_AGENT_METRICS:-127.0.0.1:19811}
OUTAGE=${SEAWALL_E2E_OUTAGE:-30}
HOST=e2e-agent-host
P=sw-e2e-agent
IMG=seawall-e2e/agent-tiny:latest
WORK="$(mktemp -d /var/tmp/seawall-agent.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
passed=0
failed=0

ok() { passed=$((passed + 1)); log "ok: $*"; }
bad() { failed=$((failed + 1)); log "FAILED: $*"; }
check() { # check NAME COMMAND...
    local name=$1; shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}

# ---- PostgreSQL (as tests/e2e/test-fleet.sh) ----
pg_find
PGDATA="$WORK/pg"
pg_start() { as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg.log" -w -t 60 \
    -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null; }
pg_stop() { as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1; }
DB="postgres://seawall@127.0.0.1:$PG_PORT/seawall"
ADMIN_DB="postgres://seawall@127.0.0.1:$PG_PORT/postgres"
psql_q() { psql -X -q -t -A "$DB" -c "$1"; }

containers_rm() { docker ps -aq --filter "name=^$P-" | xargs -r docker rm -f >/dev/null 2>&1; }
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    containers_rm
    [[ -d "$PGDATA" ]] && pg_stop
    if [[ $failed -gt 0 && -n "${SEAWALL_E2E_KEEP:-}" ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log "PostgreSQL from $PG_BIN on 127.0.0.1:$PG_PORT"
chown "$PG_USER" "$WORK"
as_pg "$PG_BIN/initdb" -D "$PGDATA" -U seawall --auth=trust -E UTF8 >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log"; die "initdb failed"; }
pg_start || { cat "$WORK/pg.log"; die "PostgreSQL did not start"; }
psql -X -q "$ADMIN_DB" -c "CREATE DATABASE seawall" || die "createdb failed"

# ---- a tiny image from the host's binaries ----
R="$WORK/rootfs"
mkdir -p "$R/bin" "$R/tmp"
for b in /bin/dash /bin/sleep /bin/true; do
    cp -L "$b" "$R/bin/"
    for lib in $(ldd "$b" | grep -o '/[^ ]*'); do
        mkdir -p "$R$(dirname "$lib")"; cp -L "$lib" "$R$lib"
    done
done
ln -sf dash "$R/bin/sh"
tar -C "$R" -cf "$WORK/rootfs.tar" .
docker import --change 'CMD ["/bin/sleep","600"]' "$WORK/rootfs.tar" "$IMG" >/dev/null || die "docker import failed"
IMG_ID=$(docker image inspect -f '{{.Id}}' "$IMG")
containers_rm

# ---- serve ----
start_serve() {
    "$BIN" serve --database "$DB" --listen "$API_ADDR" --migrate >>"$WORK/serve.log" 2>&1 &
    SERVE_PID=$!; PIDS+=("$SERVE_PID")
    for _ in $(seq 1 100); do curl -sf "$API/healthz" >/dev/null && return 0; sleep 0.1; done
    cat "$WORK/serve.log" >&2; die "serve did not start"
}
start_serve
TOKEN=$("$BIN" token create --database "$DB" --project agents)
api() { curl -sf -H "Authorization: Bearer $TOKEN" "$API$1"; }

# Every alert of the host on the service, as JSON lines `seq<TAB>rule<TAB>message<TAB>time`.
server_alerts() {
    python3 - "$API" "$TOKEN" "$HOST" <<'PY'
import json, sys, urllib.request
api, token, host = sys.argv[1:4]
cursor = None
while True:
    url = f"{api}/api/v1/alerts?host={host}&limit=500" + (f"&cursor={cursor}" if cursor else "")
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    page = json.load(urllib.request.urlopen(req, timeout=10))
    for a in page["items"]:
        b = a["body"]
        print(f'{a["agent_seq"]}\t{b["rule"]}\t{b["message"]}\t{b["time"]}')
    cursor = page.get("next_cursor")
    if not cursor:
        break
PY
}
# Every alert the agent raised, from its stderr log, as `rule<TAB>message<TAB>time`, in order.
agent_alerts() {
    python3 - "$WORK/monitor.log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    if r.get("level") == "alert":
        a = r["alert"]
        print(f'{a["rule"]}\t{a["message"]}\t{a["time"]}')
PY
}
metric() { curl -s "http://$MON_ADDR/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# ---- monitor --report-to ----
start_monitor() {
    "$BIN" monitor --listen "$MON_ADDR" --learn 1 --interval 0.5 --report-to "$API" --token "$TOKEN" \
        --spool-dir "$WORK/spool" --agent-name "$HOST" --report-max-backoff 2 2>>"$WORK/monitor.log" &
    MON_PID=$!; PIDS+=("$MON_PID")
    for _ in $(seq 1 100); do curl -sf "http://$MON_ADDR/healthz" >/dev/null && return 0; sleep 0.1; done
    cat "$WORK/monitor.log" >&2; die "monitor did not start"
}
start_monitor
docker run -d --name "$P-a" "$IMG" >/dev/null
sleep 2
docker exec "$P-a" sh -c 'true before-outage'
hosts_have() { # hosts_have NAME...: the host's container names on the service are exactly these
    local want; want=$(printf '%s\n' "$@" | sort | paste -sd,)
    [[ "$(api /api/v1/hosts | python3 -c "
import json, sys
hs = [h for h in json.load(sys.stdin) if h['hostname'] == '$HOST']
print(','.join(sorted(c['name'] for c in hs[0]['containers'])) if hs else '')")" == "$want" ]]
}
for _ in $(seq 1 50); do [[ $(server_alerts | wc -l) -ge 1 ]] && hosts_have "$P-a" && break; sleep 0.2; done
check "alert and audit delivered while the service is up" bash -c "[[ $(server_alerts | wc -l) -ge 1 ]]"
check "GET /api/v1/hosts lists the host and its container" hosts_have "$P-a"

# ---- outage ----
kill -TERM "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
OUT_START=$SECONDS
log "service stopped for ${OUTAGE} s"
docker run -d --name "$P-b" "$IMG" >/dev/null
docker run -d --name "$P-c" "$IMG" >/dev/null
sleep 2
for i in $(seq 1 8); do docker exec "$P-b" sh -c "true outage-b-$i"; done
docker stop -t 1 "$P-a" >/dev/null
for i in $(seq 1 4); do docker exec "$P-c" sh -c "true outage-c-$i"; done
sleep 1
SPOOLED=$(metric seawall_report_spooled_records)
check "records wait in the spool during the outage (${SPOOLED:-?} records)" bash -c "[[ ${SPOOLED:-0} -ge 12 ]]"
check "the spool holds one file per record" bash -c "[[ $(ls "$WORK/spool" | grep -c '^[0-9]\{20\}\.json$') -ge 12 ]]"
check "seawall_report_up is 0 during the outage" bash -c "[[ '$(metric seawall_report_up)' == 0 ]]"
# The agent itself crashes mid-outage: the spool survives, the restarted agent continues it.
kill -KILL "$MON_PID"; wait "$MON_PID" 2>/dev/null
start_monitor
sleep 2
for i in $(seq 1 4); do docker exec "$P-c" sh -c "true after-agent-restart-$i"; done
docker run -d --name "$P-d" "$IMG" >/dev/null
sleep 2
docker exec "$P-d" sh -c 'true late'
remaining=$(( OUTAGE - (SECONDS - OUT_START) ))
[[ $remaining -gt 0 ]] && sleep "$remaining"
SENT=$(agent_alerts | wc -l)
log "restarting the service after $((SECONDS - OUT_START)) s; the agent logged $SENT alerts"
T_RESTART=$(date +%s.%N)
start_serve
DELAY=""
for _ in $(seq 1 300); do
    if [[ $(server_alerts | wc -l) -ge $SENT ]]; then DELAY=$(python3 -c "import time; print(round(time.time() - $T_RESTART, 2))"); break; fi
    sleep 0.1
done
sleep 1
server_alerts >"$WORK/received.tsv"
agent_alerts >"$WORK/sent.tsv"
RECEIVED=$(wc -l <"$WORK/received.tsv")
log "alerts sent by the agent: $SENT; received by the service: $RECEIVED; all delivered ${DELAY:-never} s after the restart"
check "every alert arrived (sent $SENT, received $RECEIVED)" bash -c "[[ -n '$DELAY' && $RECEIVED -eq $(wc -l <"$WORK/sent.tsv") ]]"
check "exactly once, in the agent's order" bash -c "diff <(cut -f2- '$WORK/received.tsv') '$WORK/sent.tsv' >&2"
check "sequence numbers strictly increase in arrival order" bash -c "cut -f1 '$WORK/received.tsv' | sort -n -c -u"
DUPS=$(psql_q "select count(*) - count(distinct (hostname, body::text)) from agent_alerts")
check "no duplicate rows in agent_alerts ($DUPS)" test "$DUPS" = 0
outage_alerts_arrived() {
    local i
    for i in 1 2 3 4 5 6 7 8; do grep -qE "outage-b-$i([^0-9]|\$)" "$WORK/received.tsv" || return 1; done
    grep -q after-agent-restart-4 "$WORK/received.tsv"
}
check "the outage alerts are among them" outage_alerts_arrived
for _ in $(seq 1 50); do hosts_have "$P-b" "$P-c" "$P-d" && break; sleep 0.2; done
check "GET /api/v1/hosts: the running containers (a stopped during the outage)" hosts_have "$P-b" "$P-c" "$P-d"
check "hosts carry each container's image reference and image id" bash -c "api() { curl -sf -H 'Authorization: Bearer $TOKEN' \"$API\$1\"; }; api /api/v1/hosts | python3 -c \"
import json, sys
h = [h for h in json.load(sys.stdin) if h['hostname'] == '$HOST'][0]
assert all(c['image_digest'] == '$IMG_ID' and c['image_ref'] == '$IMG' and c['state'] == 'running' for c in h['containers']), h
\""
for _ in $(seq 1 30); do [[ "$(metric seawall_report_spooled_records)" == 0 ]] && break; sleep 0.2; done
check "the spool is empty after delivery" bash -c "[[ '$(metric seawall_report_spooled_records)' == 0 && \$(ls '$WORK/spool' | grep -c json) == 0 ]]"
check "agent stderr says when delivery failed and when it recovered" bash -c "grep -q 'cannot deliver to the fleet service' '$WORK/monitor.log' && grep -q 'delivering to the fleet service again' '$WORK/monitor.log'"

# ---- audit docker --upload ----
"$BIN" audit docker --format json --output "$WORK/audit.json" --upload "$API" --token "$TOKEN" \
    --spool-dir "$WORK/spool-audit" --agent-name e2e-audit-host 2>"$WORK/audit.log"
check "audit docker --upload exits 0" test $? -eq 0
check "the uploaded audit lists the host's running containers" bash -c "curl -sf -H 'Authorization: Bearer $TOKEN' $API/api/v1/hosts | python3 -c \"
import json, sys
h = [h for h in json.load(sys.stdin) if h['hostname'] == 'e2e-audit-host'][0]
names = {c['name'] for c in h['containers']}
assert {'$P-b', '$P-c', '$P-d'} <= names and '$P-a' not in names, names
\""
# While the service is unreachable the audit stays in the spool (exit status not 0, saying so); the next
# upload delivers both, in order.
"$BIN" audit docker --format json --output /dev/null --upload http://127.0.0.1:1 --token "$TOKEN" \
    --spool-dir "$WORK/spool-audit2" --agent-name e2e-audit-host2 --report-max-backoff 0.2 2>"$WORK/audit2.log"
rc=$?
check "audit docker --upload to an unreachable service fails and keeps the audit ($rc)" \
    bash -c "[[ $rc -ne 0 ]] && grep -q 'kept in the spool' '$WORK/audit2.log' && [[ \$(ls '$WORK/spool-audit2' | grep -c json) == 1 ]]"
"$BIN" audit docker --format json --output /dev/null --upload "$API" --token "$TOKEN" \
    --spool-dir "$WORK/spool-audit2" --agent-name e2e-audit-host2 2>"$WORK/audit3.log"
check "the next upload delivers the kept audit and the new one" \
    bash -c "grep -q '(2 record(s) delivered)' '$WORK/audit3.log' && [[ \$(ls '$WORK/spool-audit2' | grep -c json) == 0 ]]"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer swt_wrong' -H 'content-type: application/json' \
    -d '{"hostname":"x","agent_version":"1","records":[]}' "$API/api/v1/agents/report")
check "a wrong token is refused (401)" test "$code" = 401
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{"hostname":"../x","agent_version":"1","records":[]}' "$API/api/v1/agents/report")
check "an invalid hostname is refused (400)" test "$code" = 400

echo "agent e2e figures: alerts sent $SENT, received $RECEIVED, outage ${OUTAGE} s, all delivered ${DELAY:-never} s after the restart"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
