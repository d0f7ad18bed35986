#!/usr/bin/env bash
# End-to-end: the README's main job on the bundled example, and its hardened twin.
#  - the insecure example yields findings of all four kinds, covering practices 1-7, and exits 1 with --fail-on HIGH;
#  - every output format renders; the JSON is byte-identical across two runs (determinism);
#  - the hardened twin yields no finding at all and exits 0 with --fail-on LOW.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${SEAWALL_BIN:-target/release/seawall}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export SEAWALL_DB="$OUT/osv.db" SEAWALL_CACHE_DIR="$OUT/cache"

set +e
"$BIN" scan fs examples/ml-service --db-source examples/osv --format json --output "$OUT/a.json" --fail-on HIGH --quiet
code=$?
set -e
[ "$code" = 1 ] || { echo "expected exit 1 with --fail-on HIGH, got $code"; exit 1; }
"$BIN" scan fs examples/ml-service --format json --output "$OUT/b.json" --quiet || true
cmp "$OUT/a.json" "$OUT/b.json" || { echo "JSON output is not deterministic"; exit 1; }

python3 - "$OUT/a.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
kinds = {f["kind"] for f in r["findings"]}
practices = {f["practice"] for f in r["findings"]}
print("findings:", len(r["findings"]), "kinds:", sorted(kinds), "practices:", sorted(practices))
missing = {"vulnerability", "secret", "model", "misconfiguration"} - kinds
assert not missing, f"missing finding kinds: {missing}"
for p in (1, 2, 4, 5, 6, 7):
    assert p in practices, f"no finding for practice {p}"
pkgs = {(p["name"], p["version"]) for p in r["packages"] if p["ecosystem"] == "PyPI"}
assert ("jinja2", "3.1.2") in pkgs, pkgs
models = {m["location"]["path"]: m["verdict"] for m in r.get("models", [])}
assert models.get("models/classifier.pkl") == "unsafe", models
secrets = [f for f in r["findings"] if f["kind"] == "secret"]
assert len({f["location"]["path"] for f in secrets}) >= 5, secrets
raw = open(sys.argv[1]).read()
for planted in ("QwErTyUiOpAsDfGhJkLzXcVbNmQwErTyUi", "DhU4XgaOzyx7J3SdoVwgP4", "c7ec02e5f2a25212efcef3c4647d7e4a966820de",
                "iuF3XRcNWc0fZ581jIBgb32enswFwTjT7fXw", "1mof4efXgMxhV8az36a4sMzMJ5xu09kc24Qo4YXg"):
    assert planted not in raw, f"a planted secret appears unredacted in the report: {planted[:6]}…"
PY

for fmt in table json cyclonedx spdx sarif html markdown; do
    "$BIN" scan fs examples/ml-service --format "$fmt" --output "$OUT/out.$fmt" --quiet || true
    [ -s "$OUT/out.$fmt" ] || { echo "format $fmt produced nothing"; exit 1; }
done

"$BIN" scan fs examples/ml-service-hardened --format json --output "$OUT/h.json" --fail-on LOW --quiet
python3 - "$OUT/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for f in r["findings"]:
    print("unexpected:", f["id"], f["severity"], f["location"], f["title"])
assert not r["findings"], "the hardened twin must have no findings"
PY
echo "example e2e: ok"
