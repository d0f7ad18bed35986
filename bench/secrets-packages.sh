#!/usr/bin/env bash
# Secrets precision on the code that ML images really contain (issue 13): the sdists of transformers,
# mlflow, langchain-core, openai, huggingface_hub and boto3 scanned as a user's own tree, and the
# transformers wheel unpacked under site-packages as in an image. Prints every finding with its severity,
# the MB of text scanned and the findings per rule.
#
#   bench/secrets-packages.sh [WORKDIR]      (default /var/tmp/secrets-bench; nothing is written to the repo)
#
# Needs network access to PyPI (pip download) the first time; the downloads stay in WORKDIR. The scanner is
# built in ${CARGO_TARGET_DIR:-target}/release.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-/var/tmp/secrets-bench}
mkdir -p "$W/sdist" "$W/wheel"
PKGS="transformers mlflow langchain-core openai huggingface_hub boto3"
for p in $PKGS; do
    n=$(echo "$p" | tr '-' '_')
    ls "$W"/sdist/"$n"-*.tar.gz >/dev/null 2>&1 || ls "$W"/sdist/"$p"-*.tar.gz >/dev/null 2>&1 \
        || pip download --quiet --no-binary :all: --no-deps -d "$W/sdist" "$p"
done
ls "$W"/wheel/transformers-*.whl >/dev/null 2>&1 || pip download --quiet --only-binary :all: --no-deps -d "$W/wheel" transformers

if [ ! -d "$W/tree" ]; then
    mkdir -p "$W/tree"
    for f in "$W"/sdist/*.tar.gz; do tar -xzf "$f" -C "$W/tree"; done
fi
SITE="$W/site/usr/local/lib/python3.11/site-packages"
if [ ! -d "$SITE" ]; then
    mkdir -p "$SITE"
    python3 -m zipfile -e "$W"/wheel/transformers-*.whl "$SITE"
fi

cargo build --quiet --release -p seawall-secrets --example scan_dir
BIN=${CARGO_TARGET_DIR:-target}/release/examples/scan_dir
echo "== sdists (as the user's own files): $(ls "$W/sdist" | tr '\n' ' ')"
"$BIN" "$W/tree" | tee "$W/sdist-findings.txt" | sed "s|$W/||"
echo "== transformers wheel under site-packages: $(ls "$W/wheel")"
"$BIN" "$W/site" | tee "$W/wheel-findings.txt" | sed "s|$W/||"
echo "== findings per rule and severity"
cat "$W/sdist-findings.txt" "$W/wheel-findings.txt" | grep -v '^#' | cut -f1,2 | sort | uniq -c
