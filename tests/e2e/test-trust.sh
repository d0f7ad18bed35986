#!/usr/bin/env bash
# End-to-end check of seawall's trust checks (issue 17) against an independent signer:
#   tests/e2e/trust_signer.py (Python `cryptography`, written from cosign's and Sigstore's published
#   formats, no code shared with seawall) signs images pushed to Debian's docker-registry on loopback:
#   cosign simple signing (`sha256-<digest>.sig`), Sigstore bundles as OCI referrers (message signature
#   and a DSSE SLSA v1 provenance attestation), keyless signatures from a test CA/CT log/Rekor with a
#   trusted root generated here. Model directories are signed with the `model-signing` PyPI package.
#   Base lineage: 5 images on 2 debootstrap-derived bases, attributed after `seawall base index`;
#   re-pushing a base tag makes SW-BASE-001 appear.
#
# Each case: valid → verified; tampered layer/manifest/model file, wrong key, wrong identity,
# unsigned-where-required → the expected rule.
#
# Env: SEAWALL_BIN (default target/release/seawall, else target/debug/seawall), SEAWALL_E2E_CACHE
#      (default /var/tmp/seawall-e2e; the debootstrap rootfs tarball of build-images.sh is reused),
#      SEAWALL_TRUST_REGISTRY (default 127.0.0.1:5070).
# Needs: docker-registry, debootstrap (only when the rootfs tarball is missing), python3 with venv.
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

for tool in docker-registry debootstrap; do
    if ! command -v "$tool" >/dev/null; then
        log "apt-get install $tool"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
    fi
done

ADDR="${SEAWALL_TRUST_REGISTRY:-127.0.0.1:5070}"
TMP="$(mktemp -d /var/tmp/seawall-trust-e2e.XXXXXX)"
REG_PID=
cleanup() {
    [[ -n "$REG_PID" ]] && { kill "$REG_PID" 2>/dev/null || true; wait "$REG_PID" 2>/dev/null || true; }
    [[ -n "${KEEP_TMP:-}" ]] || rm -rf "$TMP"
}
trap cleanup EXIT
cp "$BIN" "$TMP/seawall"
SW="$TMP/seawall"
export SEAWALL_CACHE_DIR="$TMP/cache"

# Python with `cryptography` and `model-signing` (cached venv).
VENV="$E2E_CACHE/trust-venv"
if [[ ! -x "$VENV/bin/model_signing" ]]; then
    log "creating $VENV (model-signing, pyopenssl, cryptography)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q 'model-signing==1.1.1' pyopenssl cryptography >/dev/null
fi
PY="$VENV/bin/python"
SIGNER="$PY $HERE/trust_signer.py"

# Registry on loopback with its own storage (not the shared e2e one).
mkdir -p "$TMP/registry"
cat >"$TMP/registry/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $TMP/registry/storage
  delete:
    enabled: true
http:
  addr: $ADDR
YML
if curl -fsS "http://$ADDR/v2/" >/dev/null 2>&1; then
    die "something already answers on $ADDR (set SEAWALL_TRUST_REGISTRY to another address)"
fi
docker-registry serve "$TMP/registry/config.yml" >"$TMP/registry/log" 2>&1 &
REG_PID=$!
for _ in $(seq 1 50); do
    curl -fsS "http://$ADDR/v2/" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS "http://$ADDR/v2/" >/dev/null || { cat "$TMP/registry/log"; die "registry did not start on $ADDR"; }

PASS=0; FAIL=0
ok() { PASS=$((PASS + 1)); log "ok: $*"; }
bad() { FAIL=$((FAIL + 1)); log "FAIL: $*"; }
# expect_exit CODE DESC CMD… : runs CMD, compares the exit code.
expect_exit() {
    local want=$1 desc=$2; shift 2
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    if [[ $rc == "$want" ]]; then ok "$desc (exit $rc)"; else bad "$desc: exit $rc, want $want: $(echo "$out" | tail -5)"; fi
}
# findings JSON → space-separated rule ids
ids() { "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(" ".join(sorted({f["id"] for f in r["findings"] if f["id"].startswith(("SW-TRUST","SW-BASE"))})))' "$1"; }
expect_ids() {
    local desc=$1 want=$2 json=$3 got
    got=$(ids "$json")
    if [[ "$got" == "$want" ]]; then ok "$desc: [$got]"; else bad "$desc: got [$got], want [$want]"; fi
}

# ------------------------------------------------------------------ layers and images
ROOTFS_TAR="$E2E_CACHE/rootfs-bookworm-minbase-python3.tar"
if [[ ! -s "$ROOTFS_TAR" ]]; then
    log "debootstrap bookworm (minbase + python3) — cached in $ROOTFS_TAR"
    mkdir -p "$E2E_CACHE"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$TMP/rootfs" "${SEAWALL_E2E_MIRROR:-http://deb.debian.org/debian}" >"$TMP/debootstrap.log" 2>&1 \
        || { tail -30 "$TMP/debootstrap.log" >&2; die "debootstrap failed"; }
    chroot "$TMP/rootfs" apt-get clean
    rm -rf "$TMP/rootfs/var/lib/apt/lists/"* "$TMP/rootfs/var/cache/apt/"*.bin
    tar --numeric-owner -C "$TMP/rootfs" -cf "$ROOTFS_TAR.tmp" . && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
    rm -rf "$TMP/rootfs"
fi
L="$TMP/layers"; mkdir -p "$L"
# Two bases from the debootstrap rootfs: the full minbase+python3 tree, and a slim variant without
# documentation, locales and man pages.
cp "$ROOTFS_TAR" "$L/base-full.tar"
$SIGNER filter-layer "$ROOTFS_TAR" "$L/base-slim.tar" usr/share/doc usr/share/locale usr/share/man usr/share/info
for i in 1 2 3 4 5 6; do $SIGNER make-layer "$L/app$i.tar" "/app/app$i.txt" "application $i"; done
$SIGNER make-layer "$L/update.tar" /etc/seawall-base-update "security update"

R="$ADDR"
log "pushing bases and images"
FULL=$($SIGNER push-image "$R" base/debian-full 12 "$L/base-full.tar")
SLIM=$($SIGNER push-image "$R" base/debian-slim 12 "$L/base-slim.tar")
declare -A IMG
IMG[a1]=$($SIGNER push-image "$R" acme/a1 v1 "$L/base-full.tar" "$L/app1.tar")
IMG[a2]=$($SIGNER push-image "$R" acme/a2 v1 "$L/base-full.tar" "$L/app2.tar")
IMG[a3]=$($SIGNER push-image "$R" acme/a3 v1 "$L/base-full.tar" "$L/app3.tar" "$L/app6.tar")
IMG[b1]=$($SIGNER push-image "$R" acme/b1 v1 "$L/base-slim.tar" "$L/app4.tar")
IMG[b2]=$($SIGNER push-image "$R" acme/b2 v1 "$L/base-slim.tar" "$L/app5.tar")

# ------------------------------------------------------------------ keys and signatures
K="$TMP/keys"; mkdir -p "$K"
$SIGNER keygen "$K/release"
$SIGNER keygen "$K/other"
$SIGNER sign-cosign "$R" acme/a1 "${IMG[a1]}" --key "$K/release.key" >/dev/null
$SIGNER sign-bundle "$R" acme/a2 "${IMG[a2]}" --key "$K/release.key" >/dev/null
$SIGNER attest "$R" acme/a2 "${IMG[a2]}" --key "$K/release.key" >/dev/null
$SIGNER attest "$R" acme/a3 "${IMG[a3]}" --key "$K/release.key" --builder https://evil.example/builder >/dev/null
$SIGNER sign-cosign "$R" acme/a3 "${IMG[a3]}" --key "$K/release.key" >/dev/null

log "seawall verify image (key-based)"
expect_exit 0 "cosign simple signing verifies" "$SW" verify image "$R/acme/a1:v1" --insecure --key "$K/release.pub"
expect_exit 0 "Sigstore bundle referrer verifies" "$SW" verify image "$R/acme/a2:v1" --insecure --key "$K/release.pub"
expect_exit 1 "wrong key is rejected" "$SW" verify image "$R/acme/a1:v1" --insecure --key "$K/other.pub"
expect_exit 1 "unsigned image is not verified" "$SW" verify image "$R/acme/b1:v1" --insecure --key "$K/release.pub"
out=$("$SW" verify image "$R/acme/a2:v1" --insecure --key "$K/release.pub" --json)
if echo "$out" | "$PY" -c 'import json,sys; v=json.load(sys.stdin); a=[r for r in v["results"] if r["kind"]=="attestation"]; sys.exit(0 if a and a[0].get("provenance",{}).get("slsa_version")=="v1" and "rejection" not in a[0] else 1)'; then
    ok "SLSA v1 provenance attestation verified and parsed"
else
    bad "provenance attestation: $out"
fi

# A multi-platform index signed at the index level covers the platform manifest it lists.
IDX=$($SIGNER push-index "$R" acme/b2 multi "${IMG[b2]}")
$SIGNER sign-cosign "$R" acme/b2 "$IDX" --key "$K/release.key" >/dev/null
expect_exit 0 "signature on the multi-platform index covers the manifest" "$SW" verify image "$R/acme/b2:multi" --insecure --key "$K/release.pub"
expect_exit 1 "…but not the manifest pulled by its own tag" "$SW" verify image "$R/acme/b2:v1" --insecure --key "$K/release.pub"

# Tampered manifest: the same image pushed again with an extra annotation (new digest). Unsigned as
# such; with the old signature copied over, the signed payload names the old digest.
T1=$($SIGNER retag-manifest "$R" acme/a1 v1 tampered)
expect_exit 1 "tampered manifest (new digest) is unsigned" "$SW" verify image "$R/acme/a1:tampered" --insecure --key "$K/release.pub"
$SIGNER copy-sig "$R" acme/a1 "${IMG[a1]}" "$T1" >/dev/null
out=$("$SW" verify image "$R/acme/a1:tampered" --insecure --key "$K/release.pub" 2>&1) && rc=0 || rc=$?
if [[ $rc == 1 && "$out" == *"names manifest ${IMG[a1]}"* ]]; then ok "copied signature names the old digest (exit 1)"; else bad "copied signature: exit $rc: $out"; fi

# ------------------------------------------------------------------ scan image with a [trust] policy
P="$TMP/policy"; mkdir -p "$P/keys"
cp "$K/release.pub" "$P/keys/"
cat >"$P/seawall.toml" <<TOML
[trust]
keys = ["keys/release.pub"]
require_signed = ["$R/acme/*"]
require_provenance = ["$R/acme/a3"]

[trust.provenance]
builders = ["https://github.com/actions/runner/*"]
source_repositories = ["https://github.com/acme/*"]
TOML
scan() { "$SW" scan image "$1" --insecure --scanners config --offline --config "$P/seawall.toml" -f json -o "$2" >/dev/null 2>&1 || true; }
scan "$R/acme/a1:v1" "$TMP/a1.json";    expect_ids "scan: signed (cosign)" "" "$TMP/a1.json"
scan "$R/acme/a2:v1" "$TMP/a2.json";    expect_ids "scan: signed (bundle referrer)" "" "$TMP/a2.json"
scan "$R/acme/b1:v1" "$TMP/b1.json";    expect_ids "scan: unsigned where required" "SW-TRUST-001" "$TMP/b1.json"
scan "$R/acme/a1:tampered" "$TMP/t1.json"; expect_ids "scan: copied signature on a tampered manifest" "SW-TRUST-002" "$TMP/t1.json"
scan "$R/acme/a3:v1" "$TMP/a3.json";    expect_ids "scan: provenance from a foreign builder" "SW-TRUST-006" "$TMP/a3.json"
sed -i 's|keys = \["keys/release.pub"\]|keys = ["keys/other.pub"]|' "$P/seawall.toml"; cp "$K/other.pub" "$P/keys/"
scan "$R/acme/a1:v1" "$TMP/a1w.json";   expect_ids "scan: wrong key" "SW-TRUST-003" "$TMP/a1w.json"
sed -i 's|keys = \["keys/other.pub"\]|keys = ["keys/release.pub"]|' "$P/seawall.toml"
if "$PY" -c 'import json,sys; t=json.load(open(sys.argv[1]))["trust"]; sys.exit(0 if t["signed"] and t["checks"][0]["signer"].startswith("key ") else 1)' "$TMP/a1.json"; then
    ok "report.trust says signed by the key"
else
    bad "report.trust of a1: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("trust"))' "$TMP/a1.json")"
fi

# Tampered layer: the app layer blob of a1 is replaced in the registry's storage (same digest claimed).
APP_DIGEST=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$R/v2/acme/a1/manifests/v1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["layers"][-1]["digest"])')
HEX=${APP_DIGEST#sha256:}
BLOB="$TMP/registry/storage/docker/registry/v2/blobs/sha256/${HEX:0:2}/$HEX/data"
cp "$BLOB" "$TMP/blob.orig"
$SIGNER make-layer "$TMP/evil.tar" /app/app1.txt "backdoor"; gzip -c "$TMP/evil.tar" >"$BLOB"
expect_exit 1 "tampered layer: signature valid but content differs" "$SW" verify image "$R/acme/a1:v1" --insecure --key "$K/release.pub"
# (--no-cache: a layer already in the cache was verified when it was read and is not fetched again)
"$SW" scan image "$R/acme/a1:v1" --insecure --no-cache --scanners config --config "$P/seawall.toml" -f json -o "$TMP/a1t.json" >/dev/null 2>&1 || true
expect_ids "scan: tampered layer" "SW-TRUST-002" "$TMP/a1t.json"
cp "$TMP/blob.orig" "$BLOB"

# ------------------------------------------------------------------ keyless (test Fulcio/CT/Rekor)
KL="$TMP/keyless"
$SIGNER keyless-setup "$KL"
IMG[k1]=$($SIGNER push-image "$R" acme/k1 v1 "$L/base-slim.tar" "$L/app6.tar")
IMG[k2]=$($SIGNER push-image "$R" acme/k2 v1 "$L/base-slim.tar" "$L/app1.tar")
$SIGNER sign-keyless "$R" acme/k1 "${IMG[k1]}" --dir "$KL" --identity release@acme.example --issuer https://issuer.e2e.invalid >/dev/null
$SIGNER sign-keyless "$R" acme/k2 "${IMG[k2]}" --dir "$KL" --identity release@acme.example --issuer https://issuer.e2e.invalid --expired >/dev/null
KARGS=(--insecure --trusted-root "$KL/trusted_root.json" --certificate-oidc-issuer https://issuer.e2e.invalid)
expect_exit 0 "keyless: right identity verifies" "$SW" verify image "$R/acme/k1:v1" "${KARGS[@]}" --certificate-identity release@acme.example
expect_exit 0 "keyless: identity regex verifies" "$SW" verify image "$R/acme/k1:v1" "${KARGS[@]}" --certificate-identity-regexp '.*@acme\.example'
expect_exit 1 "keyless: wrong identity rejected" "$SW" verify image "$R/acme/k1:v1" "${KARGS[@]}" --certificate-identity mallory@evil.example
expect_exit 1 "keyless: not under the public-good root" "$SW" verify image "$R/acme/k1:v1" --insecure --certificate-oidc-issuer https://issuer.e2e.invalid --certificate-identity release@acme.example
out=$("$SW" verify image "$R/acme/k2:v1" "${KARGS[@]}" --certificate-identity release@acme.example 2>&1) && rc=0 || rc=$?
if [[ $rc == 1 && "$out" == *certificate-expired* ]]; then ok "keyless: certificate expired at signing time (exit 1)"; else bad "expired certificate: exit $rc: $out"; fi
cat >"$P/keyless.toml" <<TOML
[trust]
trusted_root = "$KL/trusted_root.json"
identities = [{ issuer = "https://issuer.e2e.invalid", subject = "release@acme.example" }]
require_signed = ["$R/acme/*"]
TOML
"$SW" scan image "$R/acme/k2:v1" --insecure --scanners config --config "$P/keyless.toml" -f json -o "$TMP/k2.json" >/dev/null 2>&1 || true
expect_ids "scan: keyless certificate expired" "SW-TRUST-004" "$TMP/k2.json"
sed -i 's|release@acme.example|mallory@evil.example|' "$P/keyless.toml"
"$SW" scan image "$R/acme/k1:v1" --insecure --scanners config --config "$P/keyless.toml" -f json -o "$TMP/k1.json" >/dev/null 2>&1 || true
expect_ids "scan: keyless wrong identity" "SW-TRUST-003" "$TMP/k1.json"

# ------------------------------------------------------------------ base lineage
log "base lineage"
"$SW" --quiet base index --insecure "$R/base/debian-full:12" "$R/base/debian-slim:12"
for name in a1 a2 a3 b1 b2; do
    "$SW" scan image "$R/acme/$name:v1" --insecure --scanners config --offline -f json -o "$TMP/l-$name.json" >/dev/null 2>&1 || true
done
attributed=0
for name in a1 a2 a3; do
    got=$("$PY" -c 'import json,sys; t=json.load(open(sys.argv[1])).get("trust") or {}; print((t.get("base") or {}).get("name",""))' "$TMP/l-$name.json")
    [[ "$got" == "$R/base/debian-full:12" ]] && attributed=$((attributed + 1)) || log "  $name attributed to [$got]"
done
for name in b1 b2; do
    got=$("$PY" -c 'import json,sys; t=json.load(open(sys.argv[1])).get("trust") or {}; print((t.get("base") or {}).get("name",""))' "$TMP/l-$name.json")
    [[ "$got" == "$R/base/debian-slim:12" ]] && attributed=$((attributed + 1)) || log "  $name attributed to [$got]"
done
if [[ $attributed == 5 ]]; then ok "5/5 images attributed to the right base"; else bad "$attributed/5 images attributed to the right base"; fi
expect_ids "fresh base: no SW-BASE finding" "" "$TMP/l-a1.json"
# The base tag moves to a new digest (a security update on top).
NEW=$($SIGNER push-image "$R" base/debian-full 12 "$L/base-full.tar" "$L/update.tar")
"$SW" scan image "$R/acme/a1:v1" --insecure --scanners config --offline -f json -o "$TMP/l-a1b.json" >/dev/null 2>&1 || true
expect_ids "base tag moved: outdated base" "SW-BASE-001" "$TMP/l-a1b.json"
if grep -q "$NEW" "$TMP/l-a1b.json"; then ok "SW-BASE-001 names the new base digest"; else bad "new digest $NEW not in the finding"; fi
"$SW" --quiet base index --insecure "$R/base/debian-full:12"
"$SW" scan image "$R/acme/a2:v1" --insecure --scanners config --offline -f json -o "$TMP/l-a2b.json" >/dev/null 2>&1 || true
expect_ids "after re-indexing: still outdated (superseded chain)" "SW-BASE-001" "$TMP/l-a2b.json"

# ------------------------------------------------------------------ model signing (model-signing package)
log "model signing"
M="$TMP/model"; mkdir -p "$M/weights"
head -c 100000 /dev/urandom >"$M/weights/model.safetensors"
echo '{"architectures": ["Demo"]}' >"$M/config.json"
openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/model.key" 2>/dev/null
openssl ec -in "$TMP/model.key" -pubout -out "$TMP/model.pub" 2>/dev/null
MS="$VENV/bin/model_signing"
mscan() { "$SW" scan model "$M" --require-signed --signature "$TMP/model.sig" --key "$1" -f json -o "$2" >/dev/null 2>&1 || true; }
mscan "$TMP/model.pub" "$TMP/m0.json"; expect_ids "model: unsigned where required" "SW-TRUST-010" "$TMP/m0.json"
"$MS" sign key --private_key "$TMP/model.key" --signature "$TMP/model.sig" "$M" >/dev/null
mscan "$TMP/model.pub" "$TMP/m1.json"; expect_ids "model: signed by model_signing verifies" "" "$TMP/m1.json"
"$MS" verify key --public_key "$TMP/model.pub" --signature "$TMP/model.sig" "$M" >/dev/null 2>&1 && ok "model_signing itself verifies the same signature" || bad "model_signing verify failed"
openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/model2.key" 2>/dev/null
openssl ec -in "$TMP/model2.key" -pubout -out "$TMP/model2.pub" 2>/dev/null
mscan "$TMP/model2.pub" "$TMP/m2.json"; expect_ids "model: wrong key" "SW-TRUST-003 SW-TRUST-010" "$TMP/m2.json"
cp "$M/config.json" "$TMP/config.orig"; echo '{"architectures": ["Evil"]}' >"$M/config.json"
mscan "$TMP/model.pub" "$TMP/m3.json"; expect_ids "model: tampered file" "SW-TRUST-011" "$TMP/m3.json"
cp "$TMP/config.orig" "$M/config.json"; echo 'import os' >"$M/custom_code.py"
mscan "$TMP/model.pub" "$TMP/m4.json"; expect_ids "model: extra unsigned file" "SW-TRUST-012" "$TMP/m4.json"
rm "$M/custom_code.py"; rm "$M/weights/model.safetensors"
mscan "$TMP/model.pub" "$TMP/m5.json"; expect_ids "model: signed file missing" "SW-TRUST-011" "$TMP/m5.json"

echo "$PASS passed, $FAIL failed"
[[ $FAIL == 0 ]]
