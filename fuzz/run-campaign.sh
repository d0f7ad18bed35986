#!/usr/bin/env bash
# Coverage-guided fuzzing campaign over the libFuzzer targets in fuzz/ (cargo-fuzz, nightly).
#
#   fuzz/run-campaign.sh                      # every target in fuzz/Cargo.toml, FUZZ_SECONDS each
#   fuzz/run-campaign.sh model_pickle walker_tar=600 source_tar=60
#
# Builds all targets once (`cargo +nightly fuzz build -O`), then runs one target at a time under
# `nice`, each for its time budget, with a per-target corpus under $FUZZ_WORK (git-ignored) seeded by
# fuzz/seeds.py (inputs built by the script or copied from the repository's own testdata) plus the
# committed regression inputs in fuzz/regressions/<target>/. A crash, timeout or OOM stops libFuzzer;
# the script keeps the artifact and restarts the target for the rest of its budget. Per target it
# records the seconds actually run, total execs, exec/s, libFuzzer `cov:`/`ft:` from the last status
# line, corpus size and the artifacts found, into $FUZZ_WORK/results.tsv (one row per target, rerun
# targets replace their row) and renders $FUZZ_WORK/results.md.
#
# Environment:
#   FUZZ_SECONDS     default budget per target (300)
#   FUZZ_WORK        work directory (fuzz/work): corpus/, artifacts/, logs/, results.{tsv,md}
#   CARGO_TARGET_DIR build directory (fuzz/target)
#   FUZZ_TOOLCHAIN   rustup toolchain for cargo-fuzz (nightly)
#   FUZZ_SANITIZER   address (default) | none | ...  (cargo fuzz build -s)
#   FUZZ_TIMEOUT     seconds one input may take before it counts as a timeout (30)
#   FUZZ_RSS_MB      RSS / single-allocation limit in MB before an input counts as an OOM (2048)
#   FUZZ_NICE        nice level for the build and the fuzzers (19)
#   FUZZ_NO_BUILD=1  skip the build (binaries already built)
#   FUZZ_RESTARTS    restarts after findings within one target's budget (8)
#
# Not part of .ci/run: it needs nightly and takes FUZZ_SECONDS x targets of wall time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
secs_default=${FUZZ_SECONDS:-300}
work=${FUZZ_WORK:-$here/work}
tdir=${CARGO_TARGET_DIR:-$here/target}
tc=${FUZZ_TOOLCHAIN:-nightly}
san=${FUZZ_SANITIZER:-address}
per_input=${FUZZ_TIMEOUT:-30}
rss=${FUZZ_RSS_MB:-2048}
nicelvl=${FUZZ_NICE:-19}
restarts=${FUZZ_RESTARTS:-8}
triple=$(rustc +"$tc" -vV | sed -n 's/^host: //p')
bindir=$tdir/$triple/release

die() { echo "run-campaign: $*" >&2; exit 2; }
command -v python3 >/dev/null || die "python3 is needed for fuzz/seeds.py"
cargo +"$tc" fuzz --version >/dev/null 2>&1 ||
    die "cargo-fuzz on toolchain '$tc' not found: rustup toolchain install $tc && cargo install cargo-fuzz"

all_targets() { sed -n '/^\[\[bin\]\]/,/^path/ s/^name = "\(.*\)"/\1/p' "$here/Cargo.toml"; }

plan=()
if [ $# -eq 0 ]; then
    while read -r t; do plan+=("$t=$secs_default"); done < <(all_targets)
else
    for a in "$@"; do
        case $a in *=*) plan+=("$a") ;; *) plan+=("$a=$secs_default") ;; esac
    done
fi
known=" $(all_targets | tr '\n' ' ') "
for p in "${plan[@]}"; do
    t=${p%%=*}
    [[ $known == *" $t "* ]] || die "unknown target '$t' (see fuzz/Cargo.toml)"
    [[ ${p#*=} =~ ^[0-9]+$ ]] || die "bad seconds in '$p'"
done

mkdir -p "$work"/{corpus,artifacts,logs}
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
    echo "== building all targets ($tc, sanitizer $san) into $tdir"
    (cd "$root" && nice -n "$nicelvl" cargo +"$tc" fuzz build -O -s "$san" --target-dir "$tdir")
fi

count() { find "$1" -maxdepth 1 -type f -name "$2*" 2>/dev/null | wc -l; }

run_target() {
    local t=$1 budget=$2
    local bin=$bindir/$t corpus=$work/corpus/$t arts=$work/artifacts/$t/ log=$work/logs/$t.log
    [ -x "$bin" ] || die "$bin not built"
    mkdir -p "$corpus" "$arts"
    if [ -z "$(ls -A "$corpus")" ]; then python3 "$here/seeds.py" "$t" "$corpus" "$root"; fi
    local extra=()
    [ -d "$here/regressions/$t" ] && extra+=("$here/regressions/$t")
    local c0 t0 o0 l0
    c0=$(count "$arts" crash-); t0=$(count "$arts" timeout-); o0=$(count "$arts" oom-); l0=$(count "$arts" leak-)
    : >"$log"
    local start now left runs=0 execs=0 n
    start=$(date +%s)
    left=$budget
    while [ "$left" -gt 0 ] && [ "$runs" -le "$restarts" ]; do
        runs=$((runs + 1))
        local part=$work/logs/$t.part
        set +e
        nice -n "$nicelvl" "$bin" -max_total_time="$left" -timeout="$per_input" -rss_limit_mb="$rss" \
            -print_final_stats=1 -artifact_prefix="$arts" "$corpus" "${extra[@]}" >"$part" 2>&1
        local rc=$?
        set -e
        cat "$part" >>"$log"
        n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$part" | tail -1)
        [ -n "$n" ] || n=$(grep -o '^#[0-9]*' "$part" | tail -1 | tr -d '#')
        execs=$((execs + ${n:-0}))
        now=$(date +%s)
        left=$((budget - (now - start)))
        [ "$rc" -eq 0 ] && break
        echo "   $t: libFuzzer exited $rc after $((now - start)) s ($(grep -m1 -o 'ERROR: libFuzzer: [a-z-]*\|panicked at [^:]*' "$part" || echo finding)); restarting"
        [ "$left" -lt 5 ] && break
    done
    local secs=$(( $(date +%s) - start ))
    local stat cov ft files kb
    stat=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$stat")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$stat")
    files=$(find "$corpus" -type f | wc -l)
    kb=$(( $(find "$corpus" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }') / 1024 ))
    local crashes=$(( $(count "$arts" crash-) - c0 )) timeouts=$(( $(count "$arts" timeout-) - t0 ))
    local ooms=$(( $(count "$arts" oom-) - o0 )) leaks=$(( $(count "$arts" leak-) - l0 ))
    local rate=$(( secs > 0 ? execs / secs : 0 ))
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$budget" "$secs" "$execs" "$rate" \
        "${cov:-?}" "${ft:-?}" "$files" "$kb" "$crashes" "$timeouts" "$ooms" "$leaks" "$(date -u +%Y-%m-%dT%H:%MZ)" \
        >"$work/row.tsv"
    touch "$work/results.tsv"
    grep -v -P "^\Q$t\E\t" "$work/results.tsv" >"$work/results.tmp" || true
    cat "$work/row.tsv" >>"$work/results.tmp"
    mv "$work/results.tmp" "$work/results.tsv"
    echo "== $t: ${secs}s, $execs execs ($rate/s), cov ${cov:-?} ft ${ft:-?}, corpus $files files," \
        "crash/timeout/oom/leak $crashes/$timeouts/$ooms/$leaks"
}

render() {
    {
        echo "| Target | Budget s | Ran s | Execs | Exec/s | cov | ft | Corpus (files / KB) | Crashes | Timeouts | OOMs | Leaks | Finished (UTC) |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        while read -r t; do
            awk -F'\t' -v t="$t" '$1 == t { printf "| `%s` | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 }' \
                "$work/results.tsv"
        done < <(all_targets)
    } >"$work/results.md"
}

echo "== campaign: ${#plan[@]} targets, one at a time, nice $nicelvl, per-input timeout ${per_input}s, rss ${rss} MB"
for p in "${plan[@]}"; do
    echo "== $(date -u +%H:%M:%S) ${p%%=*} for ${p#*=} s"
    run_target "${p%%=*}" "${p#*=}"
    render
done
echo "== table: $work/results.md"
cat "$work/results.md"
