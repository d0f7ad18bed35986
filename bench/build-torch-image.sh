#!/usr/bin/env bash
# Builds the large, realistic AI/ML image that seawall's performance benchmark scans (bench/image-scan.sh):
#
#   debootstrap --variant=minbase bookworm (rootfs tarball cached)
#   → chroot apt-get install python3 python3-venv python3-pip
#   → docker import  (layer 0: the rootfs)
#   → docker build   (layers 1-4: a venv with the CUDA wheels, torch + triton, the HF stack, a small app)
#   → docker save    → torch.docker.tar (docker-archive)
#   → skopeo copy    → oci/ (OCI image layout, tag "torch", gzip layers)
#
# The wheels are downloaded on the host (`pip download` for cp311 manylinux x86_64, the Python of bookworm) and
# installed with `pip install --no-index --find-links`. By default the wheelhouse is served to the build over
# loopback (python3 -m http.server on 127.0.0.1, `docker build --network host`), so the image holds only the
# installed packages, like an image built from a private wheel index; with SEAWALL_BENCH_COPY_WHEELS=1 the
# wheels are COPYed into the build context instead, which adds a ~2.9 GB layer of wheels the install does not
# remove (a common anti-pattern, and a bigger image).
#
# Needs root, the Docker Engine, debootstrap, skopeo, jq, python3 with pip.
# Env:
#   SEAWALL_BENCH_CACHE  cache and output dir (default /var/tmp/seawall-bench)
#   TORCH_SPEC           default torch==2.5.1 (brings the nvidia-*-cu12 CUDA 12.4 wheels and triton 3.1.0)
#   SEAWALL_BENCH_MIRROR Debian mirror for debootstrap (default http://deb.debian.org/debian)
#   SEAWALL_BENCH_COPY_WHEELS=1  COPY the wheels into the image instead of serving them over loopback
#   SEAWALL_BENCH_WHEEL_PORT     loopback port of the wheelhouse server (default 8765)
# Outputs under $SEAWALL_BENCH_CACHE/out: torch.docker.tar, oci/ (ref oci:$OUT/oci:torch), build.txt (timings,
# sizes), truth-dpkg.txt, truth-pip.txt (ground truth from the running image).
# Rerun-safe: the rootfs tarball and the wheelhouse are reused; the image is rebuilt from the Docker cache.
set -euo pipefail

CACHE="${SEAWALL_BENCH_CACHE:-/var/tmp/seawall-bench}"
OUT="$CACHE/out"
TORCH_SPEC="${TORCH_SPEC:-torch==2.5.1}"
MIRROR="${SEAWALL_BENCH_MIRROR:-http://deb.debian.org/debian}"
BASE_IMAGE="seawall-bench/base:bookworm"
IMAGE="seawall-bench/torch:latest"
# Layer 3: the Hugging Face stack most torch images carry.
APP_PINS=(numpy==1.26.4 transformers==4.46.3 safetensors pillow)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

for tool in debootstrap skopeo docker jq python3 pigz; do
    command -v "$tool" >/dev/null || die "missing $tool (apt-get install -y debootstrap skopeo jq pigz; Docker Engine)"
done
[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot)"

START=$(date +%s)
mkdir -p "$CACHE" "$OUT"
WORK="$(mktemp -d "$CACHE/build.XXXXXX")"
HTTP_PID=""
cleanup() {
    [[ -n "$HTTP_PID" ]] && kill "$HTTP_PID" 2>/dev/null || true
    for m in proc; do umount "$WORK/rootfs/$m" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
TIMES="$WORK/times.txt"
: >"$TIMES"
phase() { echo "$1 $2" >>"$TIMES"; log "$1: ${2}s"; }

# 1. Base rootfs: debootstrap minbase, then python3 + venv + pip with apt inside the chroot (cached tarball).
ROOTFS_TAR="$CACHE/rootfs-bookworm-minbase-python3-pip.tar"
if [[ ! -s "$ROOTFS_TAR" ]]; then
    log "debootstrap --variant=minbase bookworm"
    t0=$(date +%s)
    R="$WORK/rootfs"
    debootstrap --variant=minbase bookworm "$R" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
        || { tail -30 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
    phase debootstrap_seconds $(( $(date +%s) - t0 ))
    t0=$(date +%s)
    log "chroot apt-get install python3 python3-venv python3-pip"
    cp /etc/resolv.conf "$R/etc/resolv.conf"
    mount -t proc proc "$R/proc"
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 \
        chroot "$R" sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends \
            python3 python3-venv python3-pip ca-certificates && apt-get clean' >"$WORK/apt.log" 2>&1 \
        || { tail -30 "$WORK/apt.log" >&2; die "apt-get in the chroot failed"; }
    umount "$R/proc"
    rm -rf "$R/var/lib/apt/lists/"* "$R/var/cache/apt/"*.bin "$R/tmp/"*
    : >"$R/etc/resolv.conf"
    tar --numeric-owner -C "$R" -cf "$ROOTFS_TAR.tmp" .
    mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
    rm -rf "$R"
    phase chroot_apt_seconds $(( $(date +%s) - t0 ))
    cp "$TIMES" "$CACHE/rootfs-times.txt"
else
    log "reusing $ROOTFS_TAR"
    cat "$CACHE/rootfs-times.txt" >>"$TIMES" 2>/dev/null || true
fi

# 2. docker import → layer 0.
t0=$(date +%s)
docker import --change 'CMD ["/bin/bash"]' "$ROOTFS_TAR" "$BASE_IMAGE" >/dev/null
phase docker_import_seconds $(( $(date +%s) - t0 ))

# 3. Wheelhouse on the host: cp311 manylinux x86_64 (bookworm's python3 is 3.11).
WHEELS="$CACHE/wheels"
CONSTRAINTS="$(cd "$(dirname "$0")" && pwd)/torch-image-constraints.txt"   # the versions measured in docs/benchmarks.md
STAMP="$WHEELS/.complete-$(cat <(echo "$TORCH_SPEC ${APP_PINS[*]}") "$CONSTRAINTS" | sha256sum | cut -c1-16)"
if [[ ! -f "$STAMP" ]]; then
    log "pip download $TORCH_SPEC ${APP_PINS[*]} (cp311 manylinux x86_64)"
    t0=$(date +%s)
    mkdir -p "$WHEELS"
    python3 -m pip download --quiet --progress-bar off --dest "$WHEELS" --only-binary=:all: \
        --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
        --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
        --constraint "$CONSTRAINTS" "$TORCH_SPEC" "${APP_PINS[@]}"
    touch "$STAMP"
    phase pip_download_seconds $(( $(date +%s) - t0 ))
else
    log "reusing wheelhouse $WHEELS ($(du -sh "$WHEELS" | cut -f1))"
fi
WHEELS_BYTES=$(du -sb "$WHEELS" | cut -f1)

# 4. docker build: the venv in layers.
CTX="$WORK/ctx"
mkdir -p "$CTX/app"
cat >"$CTX/app/serve.py" <<'PY'
import torch
from transformers import AutoModel  # noqa: F401

print("torch", torch.__version__, "cuda", torch.version.cuda)
PY
NVIDIA_WHEELS=$(cd "$WHEELS" && ls nvidia_*.whl | sed 's/-.*//' | sort -u | tr '\n' ' ')
if [[ "${SEAWALL_BENCH_COPY_WHEELS:-0}" == 1 ]]; then
    cp -r "$WHEELS" "$CTX/wheels"
    rm -f "$CTX/wheels/.complete"*
    FIND_LINKS=/tmp/wheels
    COPY_LINE="COPY wheels /tmp/wheels"
    NETWORK=none
else
    # A fixed port: it appears in the RUN lines, so a random one would defeat the build cache.
    PORT="${SEAWALL_BENCH_WHEEL_PORT:-8765}"
    python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', $PORT))" 2>/dev/null \
        || die "127.0.0.1:$PORT is in use (set SEAWALL_BENCH_WHEEL_PORT)"
    (cd "$WHEELS" && exec python3 -m http.server --bind 127.0.0.1 "$PORT") >"$WORK/http.log" 2>&1 &
    HTTP_PID=$!
    for _ in $(seq 1 50); do
        python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/', timeout=1)" \
            2>/dev/null && break
        sleep 0.2
    done
    FIND_LINKS="http://127.0.0.1:$PORT/"
    COPY_LINE="# wheelhouse served over loopback: $FIND_LINKS"
    NETWORK=host
fi
PIP="/opt/venv/bin/pip install --no-cache-dir --no-index --find-links $FIND_LINKS"
cat >"$CTX/Dockerfile" <<EOF
FROM $BASE_IMAGE
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    PYTHONDONTWRITEBYTECODE=1
$COPY_LINE
# layer 1: the CUDA 12 runtime wheels (cuBLAS, cuDNN, NCCL, ...)
RUN python3 -m venv /opt/venv && $PIP $NVIDIA_WHEELS
# layer 2: torch and triton
RUN $PIP $TORCH_SPEC
# layer 3: the Hugging Face stack
RUN $PIP ${APP_PINS[*]}
# layer 4: the app
COPY app /app
WORKDIR /app
RUN useradd --uid 10001 --create-home app
USER 10001
EXPOSE 8080
CMD ["python3", "serve.py"]
EOF
log "docker build $IMAGE (network $NETWORK)"
t0=$(date +%s)
docker build --network "$NETWORK" -q -t "$IMAGE" "$CTX" >/dev/null
phase docker_build_seconds $(( $(date +%s) - t0 ))
[[ -n "$HTTP_PID" ]] && { kill "$HTTP_PID" 2>/dev/null || true; HTTP_PID=""; }
cp "$CTX/Dockerfile" "$OUT/Dockerfile"

# 5. Ground truth from the image itself.
docker run --rm --network none --user 0 "$IMAGE" dpkg-query -W -f '${Package}\t${Version}\n' | sort >"$OUT/truth-dpkg.txt"
docker run --rm --network none "$IMAGE" /opt/venv/bin/pip list --format=freeze --disable-pip-version-check \
    | sort >"$OUT/truth-pip.txt"

# 6. docker save → docker-archive; skopeo → OCI layout with gzip layers.
rm -rf "$OUT/oci" "$OUT/torch.docker.tar"
log "docker save → $OUT/torch.docker.tar"
t0=$(date +%s)
docker save -o "$OUT/torch.docker.tar" "$IMAGE"
phase docker_save_seconds $(( $(date +%s) - t0 ))
log "skopeo copy → oci:$OUT/oci:torch (gzip layers)"
t0=$(date +%s)
skopeo copy -q --dest-compress --dest-compress-format gzip \
    "docker-archive:$OUT/torch.docker.tar" "oci:$OUT/oci:torch"
phase skopeo_seconds $(( $(date +%s) - t0 ))

# Check: every layer blob of the layout is gzip (magic 1f 8b), media type ...tar+gzip.
MANIFEST_DIGEST=$(jq -r '.manifests[0].digest' "$OUT/oci/index.json")
MANIFEST="$OUT/oci/blobs/${MANIFEST_DIGEST/://}"
LAYERS_GZIP=0
LAYERS_UNCOMPRESSED=0
N=0
while read -r digest mt size; do
    blob="$OUT/oci/blobs/${digest/://}"
    [[ "$mt" == *tar+gzip ]] || die "layer $digest has media type $mt, expected tar+gzip"
    [[ "$(head -c2 "$blob" | od -An -tx1 | tr -d ' ')" == 1f8b ]] || die "layer $digest is not gzip"
    usize=$(pigz -dc "$blob" | wc -c)   # exact uncompressed size (gzip ISIZE wraps at 4 GiB)
    LAYERS_GZIP=$(( LAYERS_GZIP + size ))
    LAYERS_UNCOMPRESSED=$(( LAYERS_UNCOMPRESSED + usize ))
    printf 'layer %d %s gzip %d uncompressed %d\n' "$N" "$digest" "$size" "$usize" >>"$WORK/layers.txt"
    N=$(( N + 1 ))
done < <(jq -r '.layers[] | "\(.digest) \(.mediaType) \(.size)"' "$MANIFEST")

TOTAL=$(( $(date +%s) - START ))
{
    echo "image $IMAGE"
    echo "torch_spec $TORCH_SPEC"
    echo "wheel_delivery $([[ $NETWORK == host ]] && echo loopback-find-links || echo copy)"
    cat "$TIMES"
    echo "total_seconds $TOTAL"
    echo "wheelhouse_bytes $WHEELS_BYTES"
    echo "layers $N"
    cat "$WORK/layers.txt"
    echo "uncompressed_bytes $LAYERS_UNCOMPRESSED"
    echo "gzip_bytes $LAYERS_GZIP"
    echo "docker_archive_bytes $(stat -c %s "$OUT/torch.docker.tar")"
    echo "oci_dir_bytes $(du -sb "$OUT/oci" | cut -f1)"
    echo "dpkg_packages $(wc -l <"$OUT/truth-dpkg.txt")"
    echo "pip_packages $(wc -l <"$OUT/truth-pip.txt")"
} | tee "$OUT/build.txt" >&2
(( LAYERS_UNCOMPRESSED >= 4000000000 )) || log "WARNING: image is $LAYERS_UNCOMPRESSED bytes, below the 4 GB target"
log "done in ${TOTAL}s: oci:$OUT/oci:torch and docker-archive:$OUT/torch.docker.tar"
