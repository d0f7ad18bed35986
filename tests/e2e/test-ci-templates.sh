#!/usr/bin/env bash
# End-to-end part of the CI templates (the hermetic part is crates/seawall-cli/tests/ci_templates.rs):
#  1. every template parses with an independent YAML parser (PyYAML);
#  2. the example workflow's `image` job on the real Docker Engine: its `docker build` line builds a small image
#     (the e2e base, a pickle calling os.system, no USER) and the action's `scan` step runs with the job's `with:`
#     values (`--offline` added to `args`): exit 1 (HIGH+ findings), exit-code=1 in $GITHUB_OUTPUT, the SARIF and
#     HTML files it uploads are written;
#  3. the SARIF files of the image job and of the repository job are valid against the official SARIF 2.1.0
#     schema (Python jsonschema), when $SEAWALL_SHARED/data/schemas is present.
# Env: SEAWALL_BIN (default target/release/seawall), SEAWALL_SHARED (default ../shared).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
source "$HERE/lib.sh"
BIN=$(realpath "${SEAWALL_BIN:-$ROOT/target/release/seawall}")
SHARED="${SEAWALL_SHARED:-$ROOT/../shared}"
SCHEMA="$SHARED/data/schemas/sarif-schema-2.1.0.json"
OUT=$(mktemp -d)
SHA=e2e$$
cleanup() {
    docker image rm -f "seawall-ci/app:$SHA" >/dev/null 2>&1 || true
    rm -rf "$OUT"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); log "ok: $*"; }
bad() { fail=$((fail + 1)); log "FAIL: $*"; }

[ -x "$BIN" ] || die "no seawall binary at $BIN (cargo build --release -p seawall-cli)"
mkdir -p "$OUT/bin" "$OUT/home"
ln -s "$BIN" "$OUT/bin/seawall"
export PATH="$OUT/bin:$PATH" HOME="$OUT/home" SEAWALL_CACHE_DIR="$OUT/cache" SEAWALL_DB="$OUT/db/osv.db"

# 1. Independent parse.
if python3 - "$ROOT" <<'PY'
import sys, yaml
root = sys.argv[1]
for f in [".github/workflows/seawall.yml", "action.yml", "ci/gitlab/seawall.gitlab-ci.yml", ".pre-commit-hooks.yaml"]:
    d = yaml.safe_load(open(f"{root}/{f}"))
    assert d, f
wf = yaml.safe_load(open(f"{root}/.github/workflows/seawall.yml"))
assert set(wf["jobs"]) == {"repository", "image"}, wf["jobs"].keys()
hooks = {h["id"] for h in yaml.safe_load(open(f"{root}/.pre-commit-hooks.yaml"))}
assert hooks == {"seawall-config", "seawall-secrets", "seawall-models"}, hooks
PY
then ok "templates parse with PyYAML"; else bad "templates parse with PyYAML"; fi

# 2. The image job: extract its docker build line and the action's scan step (env resolved from `with:`).
docker image inspect "$E2E_BASE" >/dev/null 2>&1 || bash "$HERE/build-images.sh"
PROJ="$OUT/project"
mkdir -p "$PROJ"
printf 'FROM %s\nCOPY model.pkl /srv/model.pkl\nCMD ["python3", "-c", "print(1)"]\n' "$E2E_BASE" >"$PROJ/Dockerfile"
printf '\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.' >"$PROJ/model.pkl"
python3 - "$ROOT" "$OUT" "$SHA" <<'PY'
import sys, yaml, shlex
root, out, sha = sys.argv[1:]
wf = yaml.safe_load(open(f"{root}/.github/workflows/seawall.yml"))
action = yaml.safe_load(open(f"{root}/action.yml"))
steps = wf["jobs"]["image"]["steps"]
build = next(s["run"] for s in steps if "docker build" in s.get("run", ""))
scan = next(s for s in steps if s.get("uses") == "./")
withs = {k: str(v).replace("${{ github.sha }}", sha) for k, v in scan["with"].items()}
withs["args"] = (withs.get("args", "") + " --offline").strip()
step = next(s for s in action["runs"]["steps"] if s.get("id") == "scan")
env = {}
for k, v in step["env"].items():
    name = v.strip().removeprefix("${{ inputs.").removesuffix(" }}")
    env[k] = withs.get(name, str(action["inputs"][name].get("default", "")))
with open(f"{out}/build.sh", "w") as f:
    f.write(f"GITHUB_SHA={shlex.quote(sha)}\n{build}\n")
with open(f"{out}/scan.sh", "w") as f:
    for k, v in env.items():
        f.write(f"export {k}={shlex.quote(v)}\n")
    f.write(step["run"])
with open(f"{out}/expect", "w") as f:
    f.write(f"{withs['output']}\n")
PY
OUTPUT_FILE=$(cat "$OUT/expect")
if (cd "$PROJ" && bash -e "$OUT/build.sh" >"$OUT/build.log" 2>&1); then
    ok "workflow build line: $(grep docker "$OUT/build.sh")"
else
    cat "$OUT/build.log" >&2; bad "workflow build line"
fi
t0=$(date +%s.%N)
set +e
(cd "$PROJ" && GITHUB_OUTPUT="$OUT/github-output" bash "$OUT/scan.sh" >"$OUT/scan.log" 2>&1)
rc=$?
set -e
t1=$(date +%s.%N)
log "image job scan: exit $rc in $(echo "$t1 - $t0" | bc) s"
if [ "$rc" = 1 ] && grep -qx 'exit-code=1' "$OUT/github-output"; then ok "image job exits 1 on HIGH and sets exit-code"
else cat "$OUT/scan.log" >&2; bad "image job exit $rc"; fi
for f in "$OUTPUT_FILE" seawall-image.html; do
    if [ -s "$PROJ/$f" ]; then ok "image job wrote $f ($(stat -c %s "$PROJ/$f") bytes)"; else bad "image job did not write $f"; fi
done
if jq -e '[.runs[0].results[].ruleId] | (index("SW-MODEL-001") != null) and (index("SW-IMG-001") != null)' \
    "$PROJ/$OUTPUT_FILE" >/dev/null 2>&1; then ok "image SARIF has SW-MODEL-001 and SW-IMG-001"
else bad "image SARIF lacks SW-MODEL-001 / SW-IMG-001"; fi

# 3. SARIF schema validation (the image job above and the repository job's command on the example project).
cp -r "$ROOT/examples/ml-service" "$OUT/repo"
line=$(python3 -c "import yaml,sys; wf=yaml.safe_load(open(sys.argv[1])); print(next(s['run'] for s in wf['jobs']['repository']['steps'] if s.get('run','').startswith('seawall ')))" "$ROOT/.github/workflows/seawall.yml")
set +e
(cd "$OUT/repo" && bash -c "$line --offline" >"$OUT/repo.log" 2>&1)
rc=$?
set -e
if [ "$rc" = 1 ] && [ -s "$OUT/repo/seawall.sarif" ]; then ok "repository job on examples/ml-service: exit 1, seawall.sarif written"
else cat "$OUT/repo.log" >&2; bad "repository job exit $rc"; fi
if [ -f "$SCHEMA" ]; then
    for f in "$PROJ/$OUTPUT_FILE" "$OUT/repo/seawall.sarif"; do
        if python3 - "$SCHEMA" "$f" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(doc))
for e in errors[:5]:
    print(list(e.absolute_path), e.message[:200], file=sys.stderr)
sys.exit(1 if errors else 0)
PY
        then ok "$(basename "$f"): valid SARIF 2.1.0 (0 schema errors)"; else bad "$(basename "$f"): SARIF schema errors"; fi
    done
else
    log "skip: no SARIF schema at $SCHEMA"
fi

log "$pass passed, $fail failed"
[ "$fail" = 0 ]
