#!/usr/bin/env bash
# End-to-end: fleet integrations — Harbor's Pluggable Scanner API (v1.2) and push-driven scanning.
#
# Starts a throwaway PostgreSQL cluster (initdb + pg_ctl on loopback), `seawall serve`, Debian's
# docker-registry on loopback configured with `notifications:` pointing at serve (project token in the
# Authorization header), a second docker-registry over the same storage with htpasswd authentication
# (Harbor's robot account), then:
#   - Harbor's role (tests/e2e/harbor-client.py): metadata, scan, poll (302 before any worker runs,
#     then 200), report for 5 images (a vulnerable package, a malicious pickle, a token, a root config,
#     nothing), the 1.0 report type and both SBOM formats, the error answers (400/422/501/404/401, and
#     a 500 naming the refused pull of wrong robot credentials); every request and response validated
#     against the spec's schemas and content types (and against the spec document itself when
#     SEAWALL_HARBOR_SPEC names scanner-adapter-openapi-v1.2.yaml);
#   - push-driven scanning: the 5 images pushed with skopeo before any worker ran were queued by the
#     registry's events (pinned to the pushed digests, nothing else queued: no pulls, no blobs); with a
#     worker running, an image pushed with skopeo has its report within 10 s (measured); the events
#     route refuses no/unknown tokens (401), bodies over 1 MiB (413) and non-envelopes (400).
# Prints "N passed, M failed".
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/lib.sh"
set +e
ROOT="$(cd "$HERE/../.." && pwd)"
BIN=${SEAWALL_BIN:-$ROOT/target/release/seawall}
[[ -x "$BIN" ]] || BIN="$ROOT/target/debug/seawall"
BIN=$(realpath "$BIN")
PG_PORT=${SEAWALL_E2E_HARBOR_PG_PORT:-55434}
REG=${SEAWALL_E2E_HARBOR_REGISTRY:-127.0.0.1:5060}
API_ADDR=${SEAWALL_E2E_HARBOR_API:-127.0.0.1:18460}
API="http://$API_ADDR"
PUSH_BUDGET=${SEAWALL_E2E_PUSH_BUDGET:-10}
WORK="$(mktemp -d /var/tmp/seawall-harbor.XXXXXX)"
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
for tool in skopeo docker-registry psql curl; do
    command -v "$tool" >/dev/null || die "$tool is needed (apt-get install skopeo docker-registry postgresql-client curl)"
done
python3 -c 'import jsonschema' 2>/dev/null || die "python3 jsonschema is needed (apt-get install python3-jsonschema)"

# ---- PostgreSQL ----
pg_find
PGDATA="$WORK/pg"
DB="postgres://seawall@127.0.0.1:$PG_PORT/seawall"
psql_q() { psql -X -q -t -A "$DB" -c "$1"; }

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    [[ -d "$PGDATA" ]] && as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1
    stop_auth_registry
    stop_registry
    if [[ $failed -gt 0 && -n "${SEAWALL_E2E_KEEP:-}" ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

chown "$PG_USER" "$WORK"
as_pg "$PG_BIN/initdb" -D "$PGDATA" -U seawall --auth=trust -E UTF8 >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log"; die "initdb failed"; }
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg.log" -w -t 60 \
    -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null || { cat "$WORK/pg.log"; die "PostgreSQL did not start"; }
psql -X -q "postgres://seawall@127.0.0.1:$PG_PORT/postgres" -c "CREATE DATABASE seawall" || die "createdb failed"

# ---- serve and tokens ----
E2E_REGISTRY_ADDR=$REG
E2E_OUT="$WORK"
E2E_AUTH_REGISTRY_ADDR="${REG%:*}:$(( ${REG##*:} + 1 ))"   # lib.sh's basic-auth twin: same storage, htpasswd
AUTH_REG=$E2E_AUTH_REGISTRY_ADDR
"$BIN" token keygen >"$WORK/key"
"$BIN" serve --database "$DB" --listen "$API_ADDR" --migrate --secret-key-file "$WORK/key" \
    --allow-registry "$REG" --allow-registry "$AUTH_REG" >"$WORK/serve.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 100); do curl -sf "$API/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "$API/healthz" -o /dev/null || { cat "$WORK/serve.log"; die "serve did not start"; }
HT=$("$BIN" token create --database "$DB" --project harbor)    # registered in Harbor as the scanner's Bearer token
PT=$("$BIN" token create --database "$DB" --project pushes)    # sent by the registry with its notifications
project_id() { psql_q "select id from projects where name = '$1'"; }

# ---- registries: notifications to serve; a basic-auth twin for Harbor's robot account ----
mkdir -p "$WORK/registry/storage"
cat >"$WORK/registry/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $WORK/registry/storage
  delete:
    enabled: true
http:
  addr: $REG
notifications:
  endpoints:
    - name: seawall
      url: $API/api/v1/registry-events
      headers:
        Authorization: [Bearer $PT]
      timeout: 2s
      threshold: 3
      backoff: 1s
YML
chmod 600 "$WORK/registry/config.yml"
docker-registry serve "$WORK/registry/config.yml" >"$WORK/registry/registry.log" 2>&1 &
REGISTRY_PID=$!
for _ in $(seq 1 50); do registry_answers && break; sleep 0.2; done
registry_answers || { cat "$WORK/registry/registry.log"; die "registry did not start on $REG"; }
start_auth_registry || die "no bcrypt (python3 crypt) for the htpasswd file of the robot account"
ROBOT="$E2E_AUTH_USER:$E2E_AUTH_PASSWORD"

# ---- images, pushed with skopeo before any worker runs ----
python3 "$HERE/harbor-images.py" "$WORK/img" vuln model secret root plain push0 >"$WORK/img.tsv" || die "building images failed"
push() { # push NAME REPO → pushed digest on stdout
    skopeo copy -q --dest-tls-verify=false --digestfile "$WORK/img/$1.digest" \
        "oci:$WORK/img/$1:v1" "docker://$REG/$2:v1" >/dev/null 2>"$WORK/img/$1.err" || { cat "$WORK/img/$1.err" >&2; return 1; }
    cat "$WORK/img/$1.digest"
}
: >"$WORK/harbor.tsv"
for name in vuln model secret root plain; do
    d=$(push "$name" "harbor/$name") || die "skopeo push of $name failed"
    want=$(grep -P "^$name\t" "$WORK/img.tsv" | cut -f2)
    [[ "$d" == "$want" ]] || die "skopeo pushed $name as $d, the layout has $want"
    printf '%s\t%s\n' "$name" "$d" >>"$WORK/harbor.tsv"
done
skopeo inspect --tls-verify=false "docker://$REG/harbor/vuln:v1" >/dev/null   # a pull: not queued

# The registry's push events (no worker yet): one digest-pinned job per pushed manifest.
PUSHES=$(project_id pushes)
for _ in $(seq 1 50); do
    [[ $(psql_q "select count(*) from jobs where project_id = $PUSHES") -ge 5 ]] && break; sleep 0.2
done
sleep 1   # late or duplicate deliveries would show up now
got=$(psql_q "select reference from jobs where project_id = $PUSHES order by reference" | sort)
want=$(while IFS=$'\t' read -r n d; do echo "$REG/harbor/$n@$d"; done <"$WORK/harbor.tsv" | sort)
check "the registry's push events queued exactly the 5 pushed manifests, digest-pinned (no pull, no blob)" test "$got" = "$want"
metric() { curl -s -H "Authorization: Bearer $PT" "$API/metrics" | grep -E "^seawall_integration_submissions_total\{.*$1" | awk '{s+=$2} END {print s+0}'; }
check "blob pushes and pulls were counted as ignored ($(metric 'outcome="ignored"'))" test "$(metric 'outcome="ignored"')" -gt 0

# ---- Harbor: metadata, scan ×5 and the first poll, all before a worker exists ----
ADAPTER="$API/harbor"
HC=(python3 "$HERE/harbor-client.py")
client_counts() { # client_counts LOG RC: adds the client's ok/FAILED lines to the totals
    local out=$1 rc=$2
    passed=$((passed + $(grep -c '^ok: ' "$out"))); failed=$((failed + $(grep -c '^FAILED: ' "$out")))
    grep '^FAILED: ' "$out" | sed 's/^/[harbor-client] /' >&2
    if ! tail -1 "$out" | grep -q '^harbor-client: '; then
        tail -5 "$out" >&2; bad "harbor-client $(basename "$out") did not finish"
    elif [[ $rc != 0 && $(grep -c '^FAILED: ' "$out") == 0 ]]; then
        bad "harbor-client $(basename "$out") exited $rc"
    fi
    tail -1 "$out" >&2
}
"${HC[@]}" submit "$WORK/harbor-state.json" "$ADAPTER" "$HT" "http://$AUTH_REG" "$ROBOT" "$WORK/harbor.tsv" harbor >"$WORK/hc-submit.log" 2>&1
client_counts "$WORK/hc-submit.log" $?
HARBOR=$(project_id harbor)
check "Harbor's scans are jobs of the token's project with sealed robot credentials" \
    test "$(psql_q "select count(*) from jobs where project_id = $HARBOR and credentials is not null and position('$E2E_AUTH_PASSWORD' in encode(credentials, 'escape')) = 0")" = 5

# ---- one worker ----
# OSV source: an older snapshot of ../shared/data/osv's PyPI export (records published before 2021)
# and a one-record Debian export (so that the Debian 12 images are covered; else every report is,
# rightly, incomplete). The newer snapshot (every record) arrives later: re-evaluation.
SHARED_PYPI="${SEAWALL_SHARED:-$ROOT/../shared}/data/osv/PyPI/all.zip"
[[ -s "$SHARED_PYPI" ]] || SHARED_PYPI="$ROOT/examples/osv/PyPI/all.zip"
mkdir -p "$WORK/osv/PyPI" "$WORK/osv/Debian" "$WORK/osv-new"
python3 - "$SHARED_PYPI" "$WORK/osv/PyPI/all.zip" "$WORK/osv-new/all.zip" <<'PY'
import json, sys, zipfile
src, old, new = sys.argv[1:]
with zipfile.ZipFile(src) as z, zipfile.ZipFile(old, "w", zipfile.ZIP_DEFLATED) as o, \
        zipfile.ZipFile(new, "w", zipfile.ZIP_DEFLATED) as n:
    for name in sorted(z.namelist()):
        data = z.read(name)
        n.writestr(name, data)
        if json.loads(data).get("published", "9999") < "2021-01-01":
            o.writestr(name, data)
PY
python3 - "$WORK/osv/Debian/all.zip" <<'PY'
import json, sys, zipfile
rec = {"id": "DEBIAN-E2E-0001", "modified": "2024-01-01T00:00:00Z", "summary": "e2e advisory of a package no image has",
       "affected": [{"package": {"ecosystem": "Debian:12", "name": "seawall-e2e-not-installed"},
                     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]}
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("DEBIAN-E2E-0001.json", json.dumps(rec))
PY
"$BIN" --db "$WORK/w1.db" worker --database "$DB" --secret-key-file "$WORK/key" --db-source "$WORK/osv" \
    --db-ecosystems PyPI,Debian --lease 15 --poll 1 --db-update-interval 2 --id w1 --cache-dir "$WORK/cache-w1" >"$WORK/w1.log" 2>&1 &
PIDS+=("$!")
t0=$SECONDS
"${HC[@]}" collect "$WORK/harbor-state.json" "$ADAPTER" "$HT" 300 >"$WORK/hc-collect.log" 2>&1
client_counts "$WORK/hc-collect.log" $?
log "Harbor reports of 5 images collected $((SECONDS - t0)) s after the worker started (includes its DB import)"
"${HC[@]}" errors "$ADAPTER" "$HT" "http://$AUTH_REG" "$(head -1 "$WORK/harbor.tsv" | cut -f2)" >"$WORK/hc-errors.log" 2>&1
client_counts "$WORK/hc-errors.log" $?
check "credentials are erased when Harbor's jobs end" test "$(psql_q "select count(*) from jobs where project_id = $HARBOR and credentials is not null")" = 0

# ---- push-driven: the queued pushes complete; a new push has its report within the budget ----
for _ in $(seq 1 300); do
    [[ $(psql_q "select count(*) from jobs where project_id = $PUSHES and status in ('queued','running')") == 0 ]] && break; sleep 0.2
done
check "every push-queued job is done" test "$(psql_q "select count(*) from jobs where project_id = $PUSHES and status = 'done'")" = 5
report_code() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $PT" "$API/api/v1/images/$1/report"; }
t_start=$(date +%s.%N)
PD=$(push push0 ml/pushed) || die "skopeo push failed"
t_pushed=$(date +%s.%N)
code=000
while :; do
    code=$(report_code "$PD")
    [[ $code == 200 ]] && break
    [[ $(echo "$(date +%s.%N) - $t_pushed > $PUSH_BUDGET + 20" | bc) == 1 ]] && break
    sleep 0.1
done
t_report=$(date +%s.%N)
push_s=$(echo "$t_pushed - $t_start" | bc)
lat=$(echo "$t_report - $t_pushed" | bc)
log "push-driven scan: skopeo push took ${push_s} s; report available ${lat} s after the push returned"
check "a pushed image's report exists within $PUSH_BUDGET s of the push, no manual step (${lat} s)" \
    bash -c "[[ $code == 200 && \$(echo '$lat <= $PUSH_BUDGET' | bc) == 1 ]]"
curl -s -H "Authorization: Bearer $PT" "$API/api/v1/images/$PD/report" >"$WORK/pushed.json"
check "the pushed image's report has the planted advisory (jinja2 2.10)" \
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert any(f["id"].startswith(("GHSA-","PYSEC-","CVE-")) and f.get("package",{}).get("name")=="jinja2" for f in r["findings"]), r["findings"]' "$WORK/pushed.json"
check "the push's job is pinned to the pushed digest" \
    test "$(psql_q "select count(*) from jobs where project_id = $PUSHES and reference = '$REG/ml/pushed@$PD' and status = 'done'")" = 1

# ---- the events route: authentication, bounds, validation ----
ev() { curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/vnd.docker.distribution.events.v1+json' "$@" "$API/api/v1/registry-events"; }
check "events without a token: 401" test "$(ev -d '{"events": []}')" = 401
check "events with an unknown token: 401" test "$(ev -H "Authorization: Bearer swt_$(printf 'A%.0s' $(seq 43))" -d '{"events": []}')" = 401
check "events that are not an envelope: 400" test "$(ev -H "Authorization: Bearer $PT" -d '{"events": 5}')" = 400
head -c 1100000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
check "events over 1 MiB: 413" test "$(ev -H "Authorization: Bearer $PT" --data-binary @"$WORK/big.json")" = 413
FAKE="{\"events\": [{\"action\": \"push\", \"target\": {\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"digest\": \"sha256:$(printf '2%.0s' $(seq 64))\", \"repository\": \"x\", \"url\": \"http://10.1.2.3:5000/v2/x/manifests/sha256:0\"}}]}"
out=$(curl -s -X POST -H "Authorization: Bearer $PT" -d "$FAKE" "$API/api/v1/registry-events")
check "a push from a registry outside --allow-registry is refused with the reason" \
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert not r["queued"] and "--allow-registry" in r["rejected"][0], r' "$out"

# ---- re-evaluation: a newer OSV snapshot re-matches the stored inventories, nothing is rescanned ----
# Webhooks of both projects point at a receiver that refuses the first request (a retry must follow).
python3 - "$WORK/hooks.jsonl" 18470 >"$WORK/receiver.log" 2>&1 <<'PY' &
import json, sys, http.server
out, port = sys.argv[1], int(sys.argv[2])
seen = {"n": 0}
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        seen["n"] += 1
        status = 500 if seen["n"] == 1 else 200
        with open(out, "a") as f:
            f.write(json.dumps({"status": status, "path": self.path, "signature": self.headers.get("X-Seawall-Signature"),
                                "delivery": self.headers.get("X-Seawall-Delivery"), "body": body.decode()}) + "\n")
        self.send_response(status); self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
PIDS+=("$!")
hook() { curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    -d "{\"url\": \"http://127.0.0.1:18470/$2\", \"secret\": \"$2-webhook-secret-0123\", \"min_severity\": \"MEDIUM\"}" "$API/api/v1/webhook"; }
check "webhooks set for both projects (204)" test "$(hook "$HT" harbor)$(hook "$PT" pushes)" = 204204
check "a webhook URL that is not http(s) is refused (400)" test "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $PT" -d '{"url": "file:///etc/passwd", "secret": "0123456789abcdef"}' "$API/api/v1/webhook")" = 400
counts() { psql_q "select (select count(*) from jobs) || '/' || (select count(*) from results)"; }
before=$(counts)
old_version=$(psql_q "select db_version from rematch_runs order by finished_at desc limit 1")
t0=$(date +%s.%N)
cp "$WORK/osv-new/all.zip" "$WORK/osv/PyPI/all.zip.tmp" && mv "$WORK/osv/PyPI/all.zip.tmp" "$WORK/osv/PyPI/all.zip"
new_version=""
for _ in $(seq 1 300); do
    new_version=$(psql_q "select db_version from rematch_runs where db_version <> '${old_version:-none}' limit 1")
    [[ -n "$new_version" ]] && break; sleep 0.1
done
reeval_s=$(echo "$(date +%s.%N) - $t0" | bc)
log "re-evaluation: $(grep -o 're-evaluated stored inventories against osv-[0-9a-f]*[^;]*;[^(]*' "$WORK/w1.log" | tail -1) — ${reeval_s} s after the new snapshot appeared (update interval 2 s)"
check "a newer OSV snapshot is re-matched against the stored inventories (${reeval_s} s)" test -n "$new_version"
sleep 3
check "nothing was rescanned (jobs/results $before before, $(counts) after)" test "$before" = "$(counts)"
exposure() { curl -s -H "Authorization: Bearer $1" "$API/api/v1/advisories/CVE-2020-28493/exposure"; }
want_push=$(printf '%s\n' "$(grep -P '^vuln\t' "$WORK/harbor.tsv" | cut -f2)" "$PD" | sort | tr '\n' ' ')
want_harbor=$(grep -P '^vuln\t' "$WORK/harbor.tsv" | cut -f2)
check "the new advisory (PYSEC-2021-66, published 2021) is a new finding of exactly the jinja2 2.10 images, first seen in the new DB version" \
    python3 -c '
import json, sys
push, harbor, v = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[5]
for rows, want in ((push, sys.argv[3].split()), (harbor, sys.argv[4].split())):
    assert sorted(r["digest"] for r in rows) == sorted(want), (rows, want)
    assert all(r["first_db_version"] == v and r["closed_at"] is None and r["advisory"] == "PYSEC-2021-66" for r in rows), rows
' "$(exposure "$PT")" "$(exposure "$HT")" "$want_push" "$want_harbor" "$new_version"
check "findings known before the update keep their first DB version" \
    bash -c "curl -s -H 'Authorization: Bearer $HT' '$API/api/v1/advisories/CVE-2019-10906/exposure' | grep -q '\"first_db_version\":\"$old_version\"'"
for _ in $(seq 1 300); do
    [[ $(grep -c '"status": 200' "$WORK/hooks.jsonl" 2>/dev/null) -ge 2 ]] && break; sleep 0.1
done
sleep 2   # a duplicate would arrive now
check "one notification per project, signed, with the right images; the refused first attempt was retried" \
    python3 -c '
import hashlib, hmac, json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows[0]["status"] == 500 and sum(r["status"] == 200 for r in rows) == 2, [(r["status"], r["path"]) for r in rows]
ok = [r for r in rows if r["status"] == 200]
assert sorted(r["path"] for r in ok) == ["/harbor", "/pushes"], ok
assert len({r["delivery"] for r in ok}) == 2
want = {"/pushes": sorted(sys.argv[2].split()), "/harbor": sorted(sys.argv[3].split())}
for r in rows:
    secret = (r["path"].strip("/") + "-webhook-secret-0123").encode()
    assert r["signature"] == "sha256=" + hmac.new(secret, r["body"].encode(), hashlib.sha256).hexdigest(), r
for r in ok:
    b = json.loads(r["body"])
    assert b["db_version"] == sys.argv[4] and b["event"] == "findings.new", b
    assert [a["id"] for a in b["advisories"]] == ["PYSEC-2021-66"], b
    assert sorted(i["digest"] for i in b["advisories"][0]["images"]) == want[r["path"]], (b, want)
    assert b["summary"][0].startswith("PYSEC-2021-66 (MEDIUM) now affects %d image" % len(want[r["path"]])), b["summary"]
' "$WORK/hooks.jsonl" "$want_push" "$want_harbor" "$new_version"
check "the retried delivery is recorded with its attempts" test "$(psql_q "select sum(attempts) from webhook_deliveries where delivered_at is not null")" = 3

log "serve log (last lines):"; tail -5 "$WORK/serve.log" >&2
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
