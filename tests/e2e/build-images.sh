#!/usr/bin/env bash
# Builds the real test image for seawall's end-to-end tier and writes it in every source form, plus the
# ground truth of its inventory.
#
#   debootstrap (minbase bookworm + python3, python3-venv; rootfs tarball cached) → docker import
#   → docker build (venv with old pip packages from wheels downloaded on the host, a fake conda base env,
#     a small Node app, a fake token written in one layer and deleted in the next) → docker save
#   → skopeo: oci layout, oci-archive, push to a loopback docker-registry.
#
# Needs root, the Docker Engine, and the Debian packages debootstrap skopeo docker-registry jq.
# Env: SEAWALL_E2E_CACHE (default /var/tmp/seawall-e2e). Outputs under $SEAWALL_E2E_CACHE/out:
#   docker-archive.tar (+ .tar.gz), oci/ (tag e2e), oci-archive.tar, registry/ (storage of the loopback registry),
#   truth/dpkg.txt ("name<TAB>version"), truth/pip.txt ("name==version" of /opt/venv), build-times.txt
# Rerun-safe: the rootfs tarball and downloaded wheels are reused.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/lib.sh"

# Install the Debian tools when missing (a fresh machine has only the Docker Engine and python3).
missing=()
for tool in debootstrap skopeo docker-registry jq; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
for tool in debootstrap skopeo docker-registry jq docker python3; do
    command -v "$tool" >/dev/null || die "missing $tool"
done

START=$(date +%s)
mkdir -p "$E2E_CACHE" "$E2E_OUT/truth"
ROOTFS_TAR="$E2E_CACHE/rootfs-bookworm-minbase-python3.tar"
WORK="$(mktemp -d "$E2E_CACHE/build.XXXXXX")"
trap 'stop_registry; rm -rf "$WORK"' EXIT

# 1. Base rootfs (cached).
if [[ ! -s "$ROOTFS_TAR" ]]; then
    log "debootstrap bookworm (minbase + python3, python3-venv)"
    t0=$(date +%s)
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$WORK/rootfs" "${SEAWALL_E2E_MIRROR:-http://deb.debian.org/debian}" >"$WORK/debootstrap.log" 2>&1 \
        || { tail -30 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
    chroot "$WORK/rootfs" apt-get clean
    rm -rf "$WORK/rootfs/var/lib/apt/lists/"* "$WORK/rootfs/var/cache/apt/"*.bin
    tar --numeric-owner -C "$WORK/rootfs" -cf "$ROOTFS_TAR.tmp" .
    mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
    rm -rf "$WORK/rootfs"
    echo "debootstrap_seconds $(( $(date +%s) - t0 ))" >"$E2E_CACHE/debootstrap-time.txt"
else
    log "reusing $ROOTFS_TAR"
fi

# 2. docker import (skipped when the base image exists and the tarball has not changed since).
STAMP="$E2E_CACHE/base-imported.stamp"
if docker image inspect "$E2E_BASE" >/dev/null 2>&1 && [[ "$STAMP" -nt "$ROOTFS_TAR" ]]; then
    log "reusing $E2E_BASE"
else
    log "docker import $E2E_BASE"
    docker import --change 'CMD ["/bin/bash"]' "$ROOTFS_TAR" "$E2E_BASE" >/dev/null
    touch "$STAMP"
fi

# 3. Build context: wheels downloaded on the host (the build container may have no network).
CTX="$WORK/ctx"
mkdir -p "$CTX/app/node_modules" "$CTX/conda-meta"
WHEELS="$E2E_CACHE/wheels"
PIP_PINS=(requests==2.28.1 jinja2==3.1.2 pillow==9.4.0 urllib3==1.26.13 pyyaml==6.0)
if [[ ! -f "$WHEELS/.complete" ]]; then
    log "pip download wheels for cp311 manylinux x86_64"
    mkdir -p "$WHEELS"
    python3 -m pip download --quiet --dest "$WHEELS" --only-binary=:all: \
        --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
        --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
        "${PIP_PINS[@]}"
    touch "$WHEELS/.complete"
fi
cp -r "$WHEELS" "$CTX/wheels"
rm -f "$CTX/wheels/.complete"

# A fake conda base env (conda-meta JSON as conda writes it).
conda_pkg() { # name version build channel
    cat >"$CTX/conda-meta/$1-$2-$3.json" <<JSON
{"name": "$1", "version": "$2", "build": "$3", "build_number": 0, "channel": "https://conda.anaconda.org/$4", "subdir": "linux-64", "fn": "$1-$2-$3.conda", "url": "https://conda.anaconda.org/$4/linux-64/$1-$2-$3.conda", "depends": [], "files": [], "paths_data": {"paths": [], "paths_version": 1}}
JSON
}
conda_pkg numpy 1.24.3 py311h08b1b3b_0 conda-forge
conda_pkg pytorch 2.0.1 py3.11_cpu_0 pytorch
conda_pkg openssl 3.0.8 h0b41bf4_0 conda-forge
conda_pkg python 3.11.4 hab00c5b_0_cpython conda-forge
echo '==> 2023-06-01 12:00:00 <==' >"$CTX/conda-meta/history"

# A small Node app with hand-written node_modules.
cat >"$CTX/app/package.json" <<'JSON'
{"name": "seawall-e2e-ui", "version": "1.0.0", "private": true, "dependencies": {"express": "4.17.1", "lodash": "4.17.20", "minimist": "1.2.5"}}
JSON
npm_pkg() { mkdir -p "$CTX/app/node_modules/$1"; printf '{"name": "%s", "version": "%s", "main": "index.js"}\n' "$1" "$2" >"$CTX/app/node_modules/$1/package.json"; }
npm_pkg express 4.17.1
npm_pkg lodash 4.17.20
npm_pkg minimist 1.2.5
npm_pkg body-parser 1.19.0
printf 'const express = require("express");\nexpress().listen(3000, "0.0.0.0");\n' >"$CTX/app/server.js"

cat >"$CTX/Dockerfile" <<EOF2
FROM $E2E_BASE
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY wheels /tmp/wheels
RUN python3 -m venv /opt/venv \\
 && /opt/venv/bin/pip install --no-index --find-links /tmp/wheels ${PIP_PINS[*]} \\
 && rm -rf /tmp/wheels /root/.cache
COPY conda-meta /opt/conda/conda-meta
COPY app /app
RUN echo 'GITHUB_TOKEN=ghp_R8fQz2XwL5mN7pK3vT9yB4cD6hJ1sA0eUuGg' > /app/.env
RUN rm /app/.env
WORKDIR /app
EXPOSE 3000
CMD ["python3", "-c", "print('seawall e2e')"]
EOF2

log "docker build $E2E_IMAGE"
t0=$(date +%s)
docker build --network none -q -t "$E2E_IMAGE" "$CTX" >/dev/null
BUILD_S=$(( $(date +%s) - t0 ))

# 4. Ground truth from the image itself.
log "ground truth"
docker run --rm --network none "$E2E_IMAGE" dpkg-query -W -f '${Package}\t${Version}\n' | sort >"$E2E_OUT/truth/dpkg.txt"
docker run --rm --network none "$E2E_IMAGE" /opt/venv/bin/pip list --format=freeze --disable-pip-version-check \
    | sort >"$E2E_OUT/truth/pip.txt"
[[ -s "$E2E_OUT/truth/dpkg.txt" && -s "$E2E_OUT/truth/pip.txt" ]] || die "empty ground truth"
# conda and npm ground truth: what this script planted (name<TAB>version).
for f in "$CTX"/conda-meta/*.json; do
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["name"]+"\t"+d["version"])' "$f"
done | sort >"$E2E_OUT/truth/conda.txt"
for f in "$CTX"/app/node_modules/*/package.json; do
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["name"]+"\t"+d["version"])' "$f"
done | sort >"$E2E_OUT/truth/npm.txt"

# 5. All source forms.
log "docker save → docker-archive.tar"
rm -rf "$E2E_OUT/oci" "$E2E_OUT/oci-archive.tar" "$E2E_OUT/docker-archive.tar" "$E2E_OUT/docker-archive.tar.gz" \
    "$E2E_OUT/registry"
docker save -o "$E2E_OUT/docker-archive.tar" "$E2E_IMAGE"
gzip -1 -c "$E2E_OUT/docker-archive.tar" >"$E2E_OUT/docker-archive.tar.gz"
log "skopeo → oci/ and oci-archive.tar"
skopeo copy -q "docker-archive:$E2E_OUT/docker-archive.tar" "oci:$E2E_OUT/oci:e2e"
skopeo copy -q "docker-archive:$E2E_OUT/docker-archive.tar" "oci-archive:$E2E_OUT/oci-archive.tar:e2e"
log "loopback registry $E2E_REGISTRY_ADDR ← skopeo push"
start_registry
skopeo copy -q --dest-tls-verify=false "docker-archive:$E2E_OUT/docker-archive.tar" \
    "docker://$E2E_REGISTRY_ADDR/$E2E_REGISTRY_REPO:latest"
stop_registry

TOTAL=$(( $(date +%s) - START ))
{
    cat "$E2E_CACHE/debootstrap-time.txt" 2>/dev/null || true
    echo "docker_build_seconds $BUILD_S"
    echo "total_seconds $TOTAL"
    echo "rootfs_tar_bytes $(stat -c %s "$ROOTFS_TAR")"
    echo "docker_archive_bytes $(stat -c %s "$E2E_OUT/docker-archive.tar")"
    echo "oci_archive_bytes $(stat -c %s "$E2E_OUT/oci-archive.tar")"
    echo "oci_dir_bytes $(du -sb "$E2E_OUT/oci" | cut -f1)"
    echo "registry_storage_bytes $(du -sb "$E2E_OUT/registry/storage" | cut -f1)"
    echo "dpkg_packages $(wc -l <"$E2E_OUT/truth/dpkg.txt")"
    echo "pip_packages $(wc -l <"$E2E_OUT/truth/pip.txt")"
    echo "image_id $(docker image inspect -f '{{.Id}}' "$E2E_IMAGE")"
} | tee "$E2E_OUT/build-times.txt" >&2
log "done in ${TOTAL}s"
