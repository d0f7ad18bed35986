#!/usr/bin/env bash
# Differential check of seawall's layer tar reader against Go's archive/tar (the reader containerd and
# Docker apply layers with): seeds written by GNU tar (sparse: old GNU, PAX 0.0/0.1/1.0; ustar; v7) and
# Python's tarfile (PAX, GNU long names, links, global records, GNU.sparse records), plus N random
# mutations (checksums kept valid most of the time). Every case must be read identically (same names,
# types, sizes, link targets, content digests) or refused by both.
#
# Usage: fuzz/differential/run.sh [N=3000] [SEED=1]   Needs: go (Debian golang-go), python3, GNU tar, cargo.
# Exit 0 when nothing disagrees; disagreeing inputs are kept and listed.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
N="${1:-3000}"
SEED="${2:-1}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
command -v go >/dev/null || { echo "needs go (apt-get install -y golang-go)" >&2; exit 2; }
mkdir -p "$WORK/golist"
cp "$HERE/golist.go" "$WORK/golist/main.go"
printf 'module golist\n\ngo 1.19\n' >"$WORK/golist/go.mod"
(cd "$WORK/golist" && go build -o golist .)
cargo build -q --release --manifest-path "$ROOT/Cargo.toml" -p seawall-walker --example tar-list
CASES="${TMPDIR:-/tmp}/seawall-difftar-$$"
out="$(DIFFTAR_WORK="$CASES" python3 "$HERE/diff.py" "$WORK/golist/golist" "$ROOT/target/release/examples/tar-list" "$N" "$SEED")"
echo "$out" | tail -30
echo "go: $(go version)"
if grep -q '^DISAGREE' <<<"$out"; then
    echo "disagreeing inputs kept in $CASES" >&2
    exit 1
fi
rm -rf "$CASES"
