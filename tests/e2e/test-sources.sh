#!/usr/bin/env bash
# End-to-end check of seawall's image sources on a real image (built by build-images.sh):
#   seawall scan image --format json on docker-archive: (plain and a gzipped bare path), oci:, oci-archive:,
#   docker: and a loopback
#   registry (--insecure) must give identical JSON except target.name (and target.digest for the OCI
#   copies, whose config skopeo rewrote when converting to OCI — checked to be that config's digest),
#   and the dpkg, venv PyPI, conda and npm inventories must equal the ground truth.
#
# Env: SEAWALL_BIN (default target/release/seawall, else target/debug/seawall),
#      SEAWALL_E2E_CACHE (default /var/tmp/seawall-e2e). Builds the images first when missing.
# Exit 0 when every check passes; prints "N passed, M failed".
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
source "$HERE/lib.sh"

BIN="${SEAWALL_BIN:-}"
if [[ -z "$BIN" ]]; then
    for b in "$REPO/target/release/seawall" "$REPO/target/debug/seawall"; do
        [[ -x "$b" ]] && { BIN="$b"; break; }
    done
fi
[[ -x "${BIN:-}" ]] || die "seawall binary not found: set SEAWALL_BIN"

if [[ ! -s "$E2E_OUT/docker-archive.tar" || ! -s "$E2E_OUT/docker-archive.tar.gz" || ! -d "$E2E_OUT/oci" || ! -d "$E2E_OUT/registry/storage" ]] \
    || ! docker image inspect "$E2E_IMAGE" >/dev/null 2>&1; then
    log "artifacts missing: running build-images.sh"
    bash "$HERE/build-images.sh"
fi

TMP="$(mktemp -d)"
trap 'stop_registry; stop_auth_registry; rm -rf "$TMP"' EXIT
start_registry
# A private copy: a rebuild of the binary during the run must not mix two versions in one comparison.
cp "$BIN" "$TMP/seawall"
BIN="$TMP/seawall"

declare -A REFS=(
    [docker-archive]="docker-archive:$E2E_OUT/docker-archive.tar"
    [docker-archive-gz]="$E2E_OUT/docker-archive.tar.gz"
    [oci]="oci:$E2E_OUT/oci:e2e"
    [oci-archive]="oci-archive:$E2E_OUT/oci-archive.tar:e2e"
    [docker]="docker:$E2E_IMAGE"
    [registry]="$E2E_REGISTRY_ADDR/$E2E_REGISTRY_REPO:latest"
)
for name in docker-archive docker-archive-gz oci oci-archive docker registry; do
    extra=()
    [[ "$name" == registry ]] && extra=(--insecure)
    log "scan $name: ${REFS[$name]}"
    t0=$EPOCHREALTIME
    set +e
    "$BIN" scan image "${REFS[$name]}" "${extra[@]}" --no-cache --format json --output "$TMP/$name.json" \
        >"$TMP/$name.log" 2>&1
    rc=$?
    set -e
    t1=$EPOCHREALTIME
    if [[ $rc -ne 0 && $rc -ne 1 ]]; then
        cat "$TMP/$name.log" >&2
        die "seawall exited $rc on ${REFS[$name]}"
    fi
    python3 -c 'import sys; print(sys.argv[1], "%.2f" % (float(sys.argv[3]) - float(sys.argv[2])))' "$name" "$t0" "$t1" >>"$TMP/times.txt"
done
log "scan wall times (s):"; cat "$TMP/times.txt" >&2

# Basic authentication against a real registry: credentials from a Docker config file (DOCKER_CONFIG).
AUTH_CHECK=skipped
if start_auth_registry; then
    mkdir -p "$TMP/dockercfg"
    printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$E2E_AUTH_REGISTRY_ADDR" \
        "$(printf '%s:%s' "$E2E_AUTH_USER" "$E2E_AUTH_PASSWORD" | base64 -w0)" >"$TMP/dockercfg/config.json"
    AUTH_REF="$E2E_AUTH_REGISTRY_ADDR/$E2E_REGISTRY_REPO:latest"
    log "scan registry-auth: $AUTH_REF (with credentials)"
    set +e
    DOCKER_CONFIG="$TMP/dockercfg" "$BIN" scan image "$AUTH_REF" --insecure --no-cache --format json \
        --output "$TMP/registry-auth.json" >"$TMP/registry-auth.log" 2>&1
    rc_auth=$?
    log "scan registry-auth without credentials (must fail)"
    DOCKER_CONFIG="$TMP/empty-dockercfg" "$BIN" scan image "$AUTH_REF" --insecure --no-cache --format json \
        --output "$TMP/registry-noauth.json" >"$TMP/registry-noauth.log" 2>&1
    rc_noauth=$?
    set -e
    stop_auth_registry
    AUTH_CHECK="$rc_auth $rc_noauth"
else
    log "no bcrypt available for htpasswd: basic-auth check skipped"
fi

python3 - "$TMP" "$E2E_OUT" "$AUTH_CHECK" <<'PY'
import json, re, sys, os
tmp, out = sys.argv[1], sys.argv[2]
names = ["docker-archive", "docker-archive-gz", "oci", "oci-archive", "docker", "registry"]
docs = {n: json.load(open(os.path.join(tmp, n + ".json"))) for n in names}
passed = failed = 0
def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what}\n     {detail}"[:4000])

# target.digest: the Docker-format sources share the engine's config; the OCI copies carry the config
# skopeo rewrote for OCI, whose digest must be the one in the layout's manifest.
digests = {n: docs[n]["target"].get("digest") for n in names}
check(digests["docker-archive"] == digests["docker-archive-gz"] == digests["docker"] == digests["registry"]
      and digests["docker"], "target.digest equal for docker-archive (plain, gzip), docker, registry", digests)
idx = json.load(open(os.path.join(out, "oci", "index.json")))
man_digest = idx["manifests"][0]["digest"]
man = json.load(open(os.path.join(out, "oci", "blobs", *man_digest.split(":"))))
oci_cfg = man["config"]["digest"]
check(digests["oci"] in (oci_cfg, man_digest) and digests["oci-archive"] == digests["oci"],
      "target.digest of oci/oci-archive is the OCI copy's own digest", (digests["oci"], oci_cfg, man_digest))

def normalized(d):
    d = json.loads(json.dumps(d))
    d["target"].pop("name", None)
    d["target"].pop("digest", None)
    return d
base = normalized(docs["docker-archive"])
for n in names[1:]:
    other = normalized(docs[n])
    if other == base:
        check(True, f"{n} JSON identical to docker-archive (except target.name/digest)")
    else:
        diffs = [k for k in sorted(set(base) | set(other)) if base.get(k) != other.get(k)]
        detail = f"top-level keys differing: {diffs}"
        for k in diffs:
            x, y = base.get(k), other.get(k)
            if isinstance(x, list) and isinstance(y, list):
                xs = {json.dumps(i, sort_keys=True) for i in x}
                ys = {json.dumps(i, sort_keys=True) for i in y}
                detail += f"\n     {k}: only in docker-archive {sorted(xs - ys)[:3]}\n     {k}: only in {n} {sorted(ys - xs)[:3]}"
        if "target" in diffs:
            detail += f"\n     target: {json.dumps(base['target'])[:600]}\n     vs      {json.dumps(other['target'])[:600]}"
        check(False, f"{n} JSON identical to docker-archive", detail)

pkgs = base["packages"]
def lines(path):
    return {tuple(l.rstrip("\n").split("\t", 1)) for l in open(path) if l.strip()}
def pep503(n):
    return re.sub(r"[-_.]+", "-", n).lower()
dpkg_truth = lines(os.path.join(out, "truth", "dpkg.txt"))
dpkg = {(p["name"], p["version"]) for p in pkgs if p["ecosystem"].startswith("Debian")}
check(dpkg == dpkg_truth, f"dpkg inventory equals dpkg-query -W ({len(dpkg_truth)} packages)",
      f"missing {sorted(dpkg_truth - dpkg)[:20]} extra {sorted(dpkg - dpkg_truth)[:20]}")
pip_truth = set()
for l in open(os.path.join(out, "truth", "pip.txt")):
    if "==" in l:
        n, v = l.strip().split("==", 1)
        pip_truth.add((pep503(n), v))
def in_venv(p):
    return any(loc.get("path", "").lstrip("/").startswith("opt/venv/") for loc in p.get("locations", []))
pip = {(pep503(p["name"]), p["version"]) for p in pkgs if p["ecosystem"] == "PyPI" and in_venv(p)}
check(pip == pip_truth, f"venv PyPI inventory equals pip list ({len(pip_truth)} packages)",
      f"missing {sorted(pip_truth - pip)} extra {sorted(pip - pip_truth)}")
for eco, f in (("conda", "conda.txt"), ("npm", "npm.txt")):
    path = os.path.join(out, "truth", f)
    if not os.path.exists(path):
        continue
    truth = lines(path)
    got = {(p["name"], p["version"]) for p in pkgs if p["ecosystem"] == eco
           and any(("conda-meta/" if eco == "conda" else "node_modules/") in l.get("path", "")
                   for l in p.get("locations", []))}
    check(got == truth, f"{eco} inventory equals the planted packages ({len(truth)})",
          f"missing {sorted(truth - got)} extra {sorted(got - truth)}")
# The token written in one layer and deleted in the next is still found (if the secret scanner ran).
secrets = [f for f in base.get("findings", []) if f.get("kind") == "secret"]
if any(s.get("name") == "secret" and s.get("status") != "skipped" for s in base.get("scanners", [])):
    check(any("app/.env" in json.dumps(s.get("location", {})) for s in secrets),
          "deleted-layer token in app/.env is reported", f"{len(secrets)} secret findings")
auth = sys.argv[3]
if auth != "skipped":
    rc_auth, rc_noauth = (int(x) for x in auth.split())
    check(rc_auth in (0, 1), f"basic-auth registry scan with Docker config credentials (exit {rc_auth})",
          open(os.path.join(tmp, "registry-auth.log")).read()[-1500:])
    if rc_auth in (0, 1):
        a = json.load(open(os.path.join(tmp, "registry-auth.json")))
        a["target"].pop("name", None)
        r = json.loads(json.dumps(docs["registry"]))
        r["target"].pop("name", None)
        check(a == r, "basic-auth registry JSON identical to the anonymous registry's (digest included)")
    noauth_log = open(os.path.join(tmp, "registry-noauth.log")).read()
    check(rc_noauth == 2 and "auth" in noauth_log.lower(),
          f"basic-auth registry without credentials fails with an authentication error (exit {rc_noauth})",
          noauth_log[-800:])
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
