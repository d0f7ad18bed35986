#!/usr/bin/env bash
# End-to-end: scheduled registry crawls (registries that cannot send push events).
#
# A throwaway PostgreSQL cluster (initdb + pg_ctl on loopback), `seawall serve`, one `seawall worker`,
# Debian's docker-registry on loopback (no notifications; request log at info level, JSON) and its
# basic-auth twin over the same storage. Images from harbor-images.py are pushed with skopeo into
# repositories crawl/vuln, crawl/secret, other/plain (selected) and skip/model (excluded); then:
#   - a crawl is configured with `PUT /api/v1/crawls/{registry}` (include crawl/**, other/*; exclude
#     skip/**; rate limit 4 requests/s): each selected image gets its report without any manual
#     enqueue (time measured), exactly one digest-pinned job each, none for the excluded repository;
#   - the rate limit holds: the crawler's requests in the registry log (user agent seawall-crawler)
#     never exceed 4 in any 1-second window, and their count equals the crawl's own figure;
#   - a second crawl queues nothing (every digest has a result); with the interval set to 10 s, an
#     image pushed afterwards is found by the next scheduled crawl and gets its report, no manual step;
#   - credentials: a second project crawls the basic-auth twin with credentials (sealed: not in the
#     database in clear, never listed); its jobs carry sealed credentials and the worker pulls with them;
#   - the API refuses bad configurations (400) and unknown tokens (401).
# Then the dashboard (`/dashboard`) on the same data: sign-in (form, ?token=, cookie flags), every scanned
# image listed with a working report link, an incomplete scan uploaded by `seawall scan fs --upload` from a
# directory named <script>alert(1)</script> shown escaped and highlighted, no script element, two projects in
# one session, a monitor agent's batch (a host, its containers — one running a scanned image, linked to its
# report — and drift alerts, one with a hostile message) shown and escaped, sign-out; render time measured; with SEAWALL_E2E_SCREENSHOTS=DIR, headless Chromium
# screenshots (dashboard-login.png, dashboard-overview.png, dashboard-full.png) are written there.
# Prints "N passed, M failed".
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/lib.sh"
set +e
ROOT="$(cd "$HERE/../.." && pwd)"
BIN=${SEAWALL_BIN:-$ROOT/target/release/seawall}
[[ -x "$BIN" ]] || BIN="$ROOT/target/debug/seawall"
BIN=$(realpath "$BIN")
PG_PORT=${SEAWALL_E2E_CRAWL_PG_PORT:-55436}
REG=${SEAWALL_E2E_CRAWL_REGISTRY:-127.0.0.1:5070}
API_ADDR=${SEAWALL_E2E_CRAWL_API:-127.0.0.1:18470}
API="http://$API_ADDR"
RATE=4
WORK="$(mktemp -d /var/tmp/seawall-crawl.XXXXXX)"
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
for tool in skopeo docker-registry psql curl jq; do
    command -v "$tool" >/dev/null || die "$tool is needed (apt-get install skopeo docker-registry postgresql-client curl jq)"
done

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

# ---- registry (request log: info level, JSON) and its basic-auth twin ----
E2E_REGISTRY_ADDR=$REG
E2E_OUT="$WORK"
E2E_AUTH_REGISTRY_ADDR="${REG%:*}:$(( ${REG##*:} + 1 ))"
AUTH_REG=$E2E_AUTH_REGISTRY_ADDR
mkdir -p "$WORK/registry/storage"
cat >"$WORK/registry/config.yml" <<YML
version: 0.1
log:
  level: info
  formatter: json
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/registry/storage
  delete:
    enabled: true
http:
  addr: $REG
YML
docker-registry serve "$WORK/registry/config.yml" >"$WORK/registry/registry.log" 2>&1 &
REGISTRY_PID=$!
for _ in $(seq 1 50); do registry_answers && break; sleep 0.2; done
registry_answers || { cat "$WORK/registry/registry.log"; die "registry did not start on $REG"; }
start_auth_registry || die "no bcrypt (python3 crypt) for the htpasswd file"

python3 "$HERE/harbor-images.py" "$WORK/img" vuln secret plain model push1 >/dev/null || die "building images failed"
push() { # push NAME REPO → pushed digest on stdout
    skopeo copy -q --dest-tls-verify=false --digestfile "$WORK/img/$1.digest" \
        "oci:$WORK/img/$1:v1" "docker://$REG/$2:v1" >/dev/null 2>"$WORK/img/$1.err" || { cat "$WORK/img/$1.err" >&2; return 1; }
    cat "$WORK/img/$1.digest"
}
: >"$WORK/pushed.tsv"
for pair in vuln:crawl/vuln secret:crawl/secret plain:other/plain model:skip/model; do
    d=$(push "${pair%%:*}" "${pair#*:}") || die "skopeo push of $pair failed"
    printf '%s\t%s\n' "${pair#*:}" "$d" >>"$WORK/pushed.tsv"
    # More tags of the same manifest: more requests for the rate limit, one digest to queue.
    for tag in v2 v3 v4 latest; do
        skopeo copy -q --dest-tls-verify=false "oci:$WORK/img/${pair%%:*}:v1" "docker://$REG/${pair#*:}:$tag" >/dev/null 2>&1 \
            || die "skopeo push of ${pair#*:}:$tag failed"
    done
done
SELECTED=$(grep -v '^skip/' "$WORK/pushed.tsv")

# ---- serve, tokens, worker ----
"$BIN" token keygen >"$WORK/key"
"$BIN" serve --database "$DB" --listen "$API_ADDR" --migrate --secret-key-file "$WORK/key" \
    --allow-registry "$REG" --allow-registry "$AUTH_REG" >"$WORK/serve.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 100); do curl -sf "$API/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "$API/healthz" -o /dev/null || { cat "$WORK/serve.log"; die "serve did not start"; }
CT=$("$BIN" token create --database "$DB" --project crawl)
AT=$("$BIN" token create --database "$DB" --project crawl-auth)
project_id() { psql_q "select id from projects where name = '$1'"; }
CRAWL=$(project_id crawl)
CRAWL_AUTH=$(project_id crawl-auth)

SHARED_PYPI="${SEAWALL_SHARED:-$ROOT/../shared}/data/osv/PyPI/all.zip"
[[ -s "$SHARED_PYPI" ]] || SHARED_PYPI="$ROOT/examples/osv/PyPI/all.zip"
mkdir -p "$WORK/osv/PyPI" "$WORK/osv/Debian"
cp "$SHARED_PYPI" "$WORK/osv/PyPI/all.zip"
python3 - "$WORK/osv/Debian/all.zip" <<'PY'
import json, sys, zipfile
rec = {"id": "DEBIAN-E2E-0001", "modified": "2024-01-01T00:00:00Z", "summary": "e2e advisory of a package no image has",
       "affected": [{"package": {"ecosystem": "Debian:12", "name": "seawall-e2e-not-installed"},
                     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]}
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("DEBIAN-E2E-0001.json", json.dumps(rec))
PY
"$BIN" --db "$WORK/w1.db" worker --database "$DB" --secret-key-file "$WORK/key" --db-source "$WORK/osv" \
    --db-ecosystems PyPI,Debian --lease 15 --poll 1 --db-update-interval 3600 --id w1 --cache-dir "$WORK/cache-w1" >"$WORK/w1.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 600); do
    [[ -n "$(psql_q "select db_version from workers where id = 'w1' and db_version is not null")" ]] && break; sleep 0.2
done
[[ -n "$(psql_q "select db_version from workers where id = 'w1' and db_version is not null")" ]] || { cat "$WORK/w1.log"; die "the worker has no vulnerability DB"; }

# ---- the API refuses bad configurations ----
put_crawl() { # put_crawl TOKEN REGISTRY JSON → HTTP status
    curl -s -o "$WORK/put.out" -w '%{http_code}' -X PUT -H "Authorization: Bearer $1" \
        -H 'Content-Type: application/json' --data "$3" "$API/api/v1/crawls/$2"
}
check "no token: 401" test "$(put_crawl swt_nope "$REG" '{}')" = 401
check "a registry outside --allow-registry: 400" test "$(put_crawl "$CT" 'registry.example:443' '{}')" = 400
check "an invalid glob: 400" test "$(put_crawl "$CT" "$REG" '{"include": ["a["]}')" = 400
check "a rate limit of 0: 400" test "$(put_crawl "$CT" "$REG" '{"rate_limit": 0}')" = 400
check "an interval of 1 s: 400" test "$(put_crawl "$CT" "$REG" '{"interval_seconds": 1}')" = 400
check "an unknown field: 400" test "$(put_crawl "$CT" "$REG" '{"rate": 3}')" = 400
check "nothing was stored by refused requests" test "$(psql_q 'select count(*) from crawl_registries')" = 0

# ---- the first crawl: each selected image gets its report, no manual enqueue ----
jobs_before=$(psql_q "select count(*) from jobs")
t0=$(date +%s.%N)
CONFIG="{\"insecure\": true, \"interval_seconds\": 3600, \"rate_limit\": $RATE, \"include\": [\"crawl/**\", \"other/*\"], \"exclude\": [\"skip/**\"]}"
check "PUT /api/v1/crawls/$REG: 204" test "$(put_crawl "$CT" "$REG" "$CONFIG")" = 204
have_reports() { # have_reports TOKEN TSV-LINES → all digests have a report
    local line d
    while IFS=$'\t' read -r _ d; do
        curl -sf -o /dev/null -H "Authorization: Bearer $1" "$API/api/v1/images/$d/report" || return 1
    done <<<"$2"
}
for _ in $(seq 1 600); do have_reports "$CT" "$SELECTED" && break; sleep 0.1; done
t1=$(date +%s.%N)
check "every selected image has a report after the first crawl" have_reports "$CT" "$SELECTED"
FIRST_S=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
log "first crawl: $(echo "$SELECTED" | wc -l) images with reports ${FIRST_S} s after the crawl was configured"
got=$(psql_q "select reference from jobs where project_id = $CRAWL order by reference" | sort)
want=$(while IFS=$'\t' read -r r d; do echo "$REG/$r@$d"; done <<<"$SELECTED" | sort)
check "one digest-pinned job per selected image, none for skip/model" test "$got" = "$want"
check "no job but the crawl's (the crawl recorded each job)" test \
    "$(psql_q "select count(*) from crawl_digests where job_id is not null")" = "$(echo "$SELECTED" | wc -l)"
check "nothing else was queued" test "$(psql_q "select count(*) from jobs")" = "$((jobs_before + $(echo "$SELECTED" | wc -l)))"
curl -sf -H "Authorization: Bearer $CT" "$API/api/v1/crawls" >"$WORK/crawls1.json"
for _ in $(seq 1 100); do
    [[ "$(jq -r '.[0].last_finished_at // empty' "$WORK/crawls1.json")" != "" ]] && break
    sleep 0.1; curl -sf -H "Authorization: Bearer $CT" "$API/api/v1/crawls" >"$WORK/crawls1.json"
done
log "first crawl figures: $(jq -c '.[0].last_stats' "$WORK/crawls1.json")"
check "the crawl's figures: 3 repositories crawled of 4, 15 tags, 3 digests, 3 queued" test \
    "$(jq -r '.[0].last_stats | "\(.repositories_listed) \(.repositories_crawled) \(.tags) \(.digests) \(.queued)"' "$WORK/crawls1.json")" = "4 3 15 3 3"

# ---- the rate limit, from the registry's own log ----
rate_check() { # rate_check LOG LIMIT EXPECTED_COUNT → prints "count min_gap_ms overall_rate max_in_1s"
    python3 - "$@" <<'PY'
import json, re, sys
from datetime import datetime
log, limit, expected = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
def seconds(d):  # Go durations: "6.21ms", "932.767µs", "1.2s"
    m = re.fullmatch(r"([0-9.]+)(ns|µs|us|ms|s)", d or "0s")
    return float(m.group(1)) * {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}[m.group(2)] if m else 0.0
times = []
for line in open(log, errors="replace"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if "seawall-crawler/" not in str(e.get("http.request.useragent", "")) or e.get("msg") != "response completed":
        continue
    t = e["time"].replace("Z", "+00:00")
    if "." in t:  # Go writes nanoseconds; Python parses microseconds
        head, frac = t.split(".", 1)
        digits = "".join(c for c in frac if c.isdigit())
        t = f"{head}.{digits[:6].ljust(6, '0')}{frac[len(digits):]}"
    # Arrival = logged completion time - the response duration.
    times.append(datetime.fromisoformat(t).timestamp() - seconds(e.get("http.response.duration")))
times.sort()
n = len(times)
gap = min((b - a for a, b in zip(times, times[1:])), default=0.0)
span = times[-1] - times[0] if n > 1 else 0.0
rate = (n - 1) / span if span else 0.0
worst = max((sum(1 for u in times if t <= u < t + 1.0) for t in times), default=0)
print(n, f"{gap * 1000:.0f}", f"{rate:.2f}", worst)
# Spaced 1/limit apart at the client (tokio never wakes early); the log's arrival times carry the
# scheduling delay of a loaded machine (up to 14 ms seen), so 10% is allowed per gap; overall, never
# faster than the limit.
sys.exit(0 if n == expected and gap >= 0.9 / limit and rate <= limit else 1)
PY
}
rate_ok() { rate_check "$@" >/dev/null; }
REQ1=$(jq -r '.[0].last_stats.requests' "$WORK/crawls1.json")
read -r n gap rate worst < <(rate_check "$WORK/registry/registry.log" "$RATE" "$REQ1")
log "rate limit $RATE/s: $n crawler requests in the registry log (crawl counted $REQ1), at least ${gap} ms apart, $rate requests/s overall, at most $worst in any 1-s window"
check "the registry saw every crawler request (${n} = ${REQ1})" test "$n" = "$REQ1"
check "crawler requests at least $((1000 / RATE)) ms apart (-10%) and at most $RATE/s overall (${gap} ms, $rate/s)" \
    rate_ok "$WORK/registry/registry.log" "$RATE" "$REQ1"

# ---- a second crawl queues nothing; a scheduled one finds a new push ----
finished() { curl -sf -H "Authorization: Bearer $CT" "$API/api/v1/crawls" | jq -r '.[0].last_finished_at // empty'; }
prev=$(finished)
sleep 1.1   # timestamps are stored with second precision
CONFIG10="{\"insecure\": true, \"interval_seconds\": 10, \"rate_limit\": $RATE, \"include\": [\"crawl/**\", \"other/*\"], \"exclude\": [\"skip/**\"]}"
check "PUT again (interval 10 s): 204" test "$(put_crawl "$CT" "$REG" "$CONFIG10")" = 204
for _ in $(seq 1 300); do [[ "$(finished)" != "$prev" ]] && break; sleep 0.1; done
curl -sf -H "Authorization: Bearer $CT" "$API/api/v1/crawls" >"$WORK/crawls2.json"
check "the second crawl queues nothing: every digest has a result" test \
    "$(jq -r '.[0].last_stats | "\(.queued) \(.already_known)"' "$WORK/crawls2.json")" = "0 3"
check "no new job" test "$(psql_q "select count(*) from jobs where project_id = $CRAWL")" = 3
d_new=$(push push1 crawl/vuln-next) || die "push of push1 failed"
t0=$(date +%s.%N)
for _ in $(seq 1 600); do curl -sf -o /dev/null -H "Authorization: Bearer $CT" "$API/api/v1/images/$d_new/report" && break; sleep 0.1; done
t1=$(date +%s.%N)
check "an image pushed later is found by the next scheduled crawl and scanned" \
    curl -sf -o /dev/null -H "Authorization: Bearer $CT" "$API/api/v1/images/$d_new/report"
NEXT_S=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
log "scheduled crawl (interval 10 s): the new push has its report ${NEXT_S} s after the push"
put_crawl "$CT" "$REG" "{\"insecure\": true, \"interval_seconds\": 3600, \"rate_limit\": $RATE, \"include\": [\"crawl/**\", \"other/*\"], \"exclude\": [\"skip/**\"]}" >/dev/null

# ---- credentials: the basic-auth twin, crawled by a second project ----
AUTH_CONFIG="{\"insecure\": true, \"rate_limit\": 20, \"include\": [\"crawl/*\"], \"credentials\": {\"username\": \"$E2E_AUTH_USER\", \"password\": \"$E2E_AUTH_PASSWORD\"}}"
check "PUT a crawl with credentials: 204" test "$(put_crawl "$AT" "$AUTH_REG" "$AUTH_CONFIG")" = 204
AUTH_SELECTED=$(grep -P '^crawl/[^/]+\t' "$WORK/pushed.tsv"; printf 'crawl/vuln-next\t%s\n' "$d_new")
for _ in $(seq 1 600); do have_reports "$AT" "$AUTH_SELECTED" && break; sleep 0.1; done
check "the basic-auth registry's images are scanned with the stored credentials" have_reports "$AT" "$AUTH_SELECTED"
check "the password is not in the database in clear" test \
    "$(psql_q "select count(*) from crawl_registries where position(convert_to('$E2E_AUTH_PASSWORD', 'UTF8') in credentials) > 0")" = 0
check "the listing says credentials are stored, never shows them" bash -c \
    "curl -sf -H 'Authorization: Bearer $AT' '$API/api/v1/crawls' | tee '$WORK/crawls-auth.json' | jq -e '.[0].has_credentials == true' >/dev/null && ! grep -q '$E2E_AUTH_PASSWORD' '$WORK/crawls-auth.json'"
check "the credentials of finished jobs are erased" test \
    "$(psql_q "select count(*) from jobs where project_id = $CRAWL_AUTH and credentials is not null and status in ('done', 'failed')")" = 0
check "projects are separate: the crawl project does not see the other's crawl" test \
    "$(curl -sf -H "Authorization: Bearer $CT" "$API/api/v1/crawls" | jq -r '[.[].registry] | join(",")')" = "$REG"
check "DELETE /api/v1/crawls/{registry}: 204, then 404" test \
    "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $AT" "$API/api/v1/crawls/$AUTH_REG") $(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $AT" "$API/api/v1/crawls/$AUTH_REG")" = "204 404"

# ---- dashboard (/dashboard) on the same data ----
# An incomplete scan with a hostile name, uploaded by the CLI: `seawall scan fs` of a directory whose
# path contains <script>alert(1)</script> (a directory "<script>alert(1)<" holding "script>"), an
# Alpine root without an Alpine vulnerability database → completeness "incomplete".
EVIL_DIR="$WORK/evil/<script>alert(1)</script>"
mkdir -p "$EVIL_DIR/etc" "$EVIL_DIR/lib/apk/db"
printf 'ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n' >"$EVIL_DIR/etc/os-release"
printf 'C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\n\n' >"$EVIL_DIR/lib/apk/db/installed"
(cd "$WORK" && SEAWALL_TOKEN=$CT "$BIN" --db "$WORK/none.db" scan --offline fs "evil/<script>alert(1)</script>" \
    --upload "$API" --format json >"$WORK/evil.json" 2>"$WORK/evil.err")
check "the hostile-named incomplete scan was uploaded" test "$(jq -r '.completeness.status' "$WORK/evil.json")" = incomplete
JAR="$WORK/cookies"
dash() { curl -s -b "$JAR" -c "$JAR" "$@"; }
check "GET /dashboard without a cookie: 401 with the sign-in form" bash -c \
    "test \"\$(curl -s -o '$WORK/d0.html' -w '%{http_code}' '$API/dashboard')\" = 401 && grep -q 'action=\"/dashboard/login\"' '$WORK/d0.html'"
check "a wrong token: 401, no cookie" test "$(curl -s -o /dev/null -D "$WORK/bad.h" -w '%{http_code}' "$API/dashboard?token=swt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") $(grep -ci '^set-cookie' "$WORK/bad.h")" = "401 0"
code=$(dash -o /dev/null -D "$WORK/login.h" -w '%{http_code}' --data-urlencode "token=$CT" "$API/dashboard/login")
check "sign-in form: 303 to /dashboard with an HttpOnly, SameSite=Strict cookie" bash -c \
    "test $code = 303 && grep -qi '^location: /dashboard' '$WORK/login.h' && grep -i '^set-cookie' '$WORK/login.h' | grep -q 'HttpOnly; SameSite=Strict'"
code=$(dash -o "$WORK/dash.html" -D "$WORK/dash.h" -w '%{http_code}' "$API/dashboard")
check "GET /dashboard: 200" test "$code" = 200
check "a Content-Security-Policy without scripts" grep -qi "^content-security-policy: default-src 'none'; style-src 'unsafe-inline'" "$WORK/dash.h"
missing=0
while IFS=$'\t' read -r r d; do
    grep -qF ">$REG/$r</a>" "$WORK/dash.html" || { log "not on the dashboard: $r"; missing=$((missing + 1)); }
    grep -qF "${d:0:19}" "$WORK/dash.html" || { log "digest not on the dashboard: $d"; missing=$((missing + 1)); }
    grep -qF "/dashboard/images/$d/report?project=crawl" "$WORK/dash.html" || { log "no report link: $d"; missing=$((missing + 1)); }
done < <(printf '%s\n' "$SELECTED"; printf 'crawl/vuln-next\t%s\n' "$d_new")
check "every scanned image is on the dashboard with a link to its report" test "$missing" = 0
check "the hostile name is escaped" grep -qF 'evil/&lt;script&gt;alert(1)&lt;/script&gt;' "$WORK/dash.html"
check "no script element at all (the hostile one included)" bash -c "! grep -qi '<script' '$WORK/dash.html'"
check "the incomplete scan stands out (highlighted row, badge, reason)" bash -c \
    "grep -q '<tr class=\"incomplete\">' '$WORK/dash.html' && grep -q 'INCOMPLETE</span>' '$WORK/dash.html' && grep -q 'vulnerability database unavailable' '$WORK/dash.html'"
check "the worst finding of the jinja2 image is named" grep -q 'jinja2 2.10' "$WORK/dash.html"
check "the findings chart is there" grep -q 'aria-label="Findings per severity per day"' "$WORK/dash.html"
check "the crawl is listed with its figures" grep -q "Registry crawls" "$WORK/dash.html"
vuln_digest=$(grep -P '^crawl/vuln\t' "$WORK/pushed.tsv" | cut -f2)
dash -o "$WORK/report-dash.html" "$API/dashboard/images/$vuln_digest/report?project=crawl"
curl -sf -H "Authorization: Bearer $CT" -o "$WORK/report-api.html" "$API/api/v1/images/$vuln_digest/report?format=html"
check "the report link serves the image's HTML report (= the API's)" cmp -s "$WORK/report-dash.html" "$WORK/report-api.html"
skip_digest=$(grep -P '^skip/model\t' "$WORK/pushed.tsv" | cut -f2)
check "the report link of an image the project never scanned: 404" test \
    "$(dash -o /dev/null -w '%{http_code}' "$API/dashboard/images/$skip_digest/report?project=crawl")" = 404
check "the report link for a project not signed in to: 401" test \
    "$(dash -o /dev/null -w '%{http_code}' "$API/dashboard/images/$vuln_digest/report?project=crawl-auth")" = 401
# A second project's token joins the first in the cookie: both projects listed, switchable.
dash -o /dev/null "$API/dashboard?token=$AT"
dash -o "$WORK/dash2.html" "$API/dashboard?project=crawl-auth"
EVIL_KEY=$(psql_q "select digest from images where project_id = $CRAWL and digest like 'target:%'")
check "another project's image through the report link: 404" test \
    "$(dash -o /dev/null -w '%{http_code}' "$API/dashboard/images/$EVIL_KEY/report?project=crawl-auth") $(dash -o /dev/null -w '%{http_code}' "$API/dashboard/images/$EVIL_KEY/report?project=crawl")" = "404 200"
check "two projects signed in: both listed, the selected one shown" bash -c \
    "grep -q '<h1>crawl-auth' '$WORK/dash2.html' && grep -q 'href=\"/dashboard?project=crawl\"' '$WORK/dash2.html' && grep -q '/dashboard/images/$vuln_digest/report?project=crawl-auth' '$WORK/dash2.html'"
# Hosts and alerts: a monitor agent's batch to the service (`POST /api/v1/agents/report`, the body
# `seawall monitor --report-to` sends): an audit (two containers, one running the scanned crawl/vuln
# image) and two drift alerts, one with a hostile message.
vuln_config=$(psql_q "select config_digest from images where project_id = $CRAWL and digest = '$vuln_digest'")
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat >"$WORK/agent.json" <<JSON
{"hostname": "gpu-node-01", "agent_version": "e2e", "records": [
 {"seq": 1, "time": "$now", "kind": "audit", "containers": [
   {"id": "c0ffee000000000000000000000000000000000000000000000000000000001", "name": "inference",
    "image": "$REG/crawl/vuln:v1", "image_id": "$vuln_config", "repo_digests": ["$REG/crawl/vuln@$vuln_digest"],
    "state": "running", "findings": []},
   {"id": "c0ffee000000000000000000000000000000000000000000000000000000002", "name": "sidecar",
    "image": "busybox:latest", "image_id": "sha256:$(printf 'b%.0s' $(seq 1 64))", "repo_digests": [],
    "state": "exited", "findings": []}]},
 {"seq": 2, "time": "$now", "kind": "alert", "alert": {"time": "$now", "rule": "shell_spawned", "severity": "HIGH",
    "container": "inference", "container_id": "c0ffee000000000000000000000000000000000000000000000000000000001",
    "image": "$REG/crawl/vuln:v1", "message": "shell spawned: /bin/sh -c <img src=x onerror=alert(2)>"}},
 {"seq": 3, "time": "$now", "kind": "alert", "alert": {"time": "$now", "rule": "new_listener", "severity": "MEDIUM",
    "container": "inference", "container_id": "c0ffee000000000000000000000000000000000000000000000000000000001",
    "image": "$REG/crawl/vuln:v1", "message": "new listening socket 0.0.0.0:4444"}}]}
JSON
check "an agent's batch is accepted" test "$(curl -s -o "$WORK/agent.ack" -w '%{http_code}' -H "Authorization: Bearer $CT" \
    -H 'Content-Type: application/json' --data @"$WORK/agent.json" "$API/api/v1/agents/report")" = 200
dash -o "$WORK/dash3.html" "$API/dashboard?project=crawl"
check "the host and its containers are on the dashboard, the running image linked to its report" bash -c \
    "grep -q 'gpu-node-01' '$WORK/dash3.html' && grep -q '<b>inference</b>' '$WORK/dash3.html' && grep -q '<b>sidecar</b>' '$WORK/dash3.html' && test \$(grep -o '/dashboard/images/$vuln_digest/report?project=crawl\"' '$WORK/dash3.html' | wc -l) = 2"
check "the drift alerts are listed, the hostile message escaped" bash -c \
    "grep -q 'shell_spawned' '$WORK/dash3.html' && grep -q 'new listening socket 0.0.0.0:4444' '$WORK/dash3.html' && grep -qF '&lt;img src=x onerror=alert(2)&gt;' '$WORK/dash3.html' && ! grep -q '<img' '$WORK/dash3.html'"
total=0
for i in 1 2 3 4 5; do
    t=$(dash -o /dev/null -w '%{time_total}' "$API/dashboard?project=crawl")
    total=$(python3 -c "print($total + $t)")
done
RENDER_MS=$(python3 -c "print(f'{$total / 5 * 1000:.0f}')")
log "dashboard: $(grep -o 'queried in [0-9]* ms' "$WORK/dash.html") (server), ${RENDER_MS} ms per request at the client (mean of 5, $(wc -c <"$WORK/dash.html") bytes)"
if [[ -n "${SEAWALL_E2E_SCREENSHOTS:-}" ]] && command -v chromium >/dev/null; then
    mkdir -p "$SEAWALL_E2E_SCREENSHOTS"
    shot() { # shot FILE HEIGHT URL
        timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$WORK/chromium" \
            --screenshot="$1" --window-size="1400,$2" "$3" >/dev/null 2>&1
    }
    shot "$SEAWALL_E2E_SCREENSHOTS/dashboard-login.png" 700 "$API/dashboard"
    shot "$WORK/ignored.png" 300 "$API/dashboard?token=$AT"
    shot "$SEAWALL_E2E_SCREENSHOTS/dashboard-overview.png" 1000 "$API/dashboard?token=$CT"
    shot "$SEAWALL_E2E_SCREENSHOTS/dashboard-full.png" "${SEAWALL_E2E_SCREENSHOT_HEIGHT:-2200}" "$API/dashboard?project=crawl"
    check "screenshots written" test -s "$SEAWALL_E2E_SCREENSHOTS/dashboard-full.png"
fi
code=$(dash -o /dev/null -w '%{http_code}' -X POST "$API/dashboard/logout")
check "sign out: 303, then the dashboard asks for a token again" test \
    "$code $(dash -o /dev/null -w '%{http_code}' "$API/dashboard")" = "303 401"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
