#!/usr/bin/env bash
# Overhead of `seawall monitor` with N idle containers (default 50): CPU seconds per wall second and peak
# RSS of the monitor over a measurement window, sampling every second (the default interval).
#   bench/monitor-overhead.sh [N] [SECONDS]
# Needs the Docker Engine and the e2e base image (tests/e2e/build-images.sh builds it).
set -euo pipefail
N=${1:-50}
SECS=${2:-60}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN=${SEAWALL_BIN:-$ROOT/target/release/seawall}
IMG=${SEAWALL_BENCH_IMAGE:-seawall-e2e/base:bookworm}
P=sw-bench-idle
cleanup() { pkill -f "seawall monitor --listen 127.0.0.1:19900" 2>/dev/null || true; docker ps -aq --filter "name=^$P-" | xargs -r docker rm -f >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
for i in $(seq 1 "$N"); do docker run -d --name "$P-$i" "$IMG" sleep 3600 >/dev/null; done
"$BIN" monitor --listen 127.0.0.1:19900 --interval 1 --learn 5 2>/dev/null &
MON=$!
sleep 10   # all containers tracked and past their learning window
ticks=$(getconf CLK_TCK)
cpu0=$(awk '{print $14+$15}' /proc/$MON/stat)
t0=$(date +%s.%N)
sleep "$SECS"
cpu1=$(awk '{print $14+$15}' /proc/$MON/stat)
t1=$(date +%s.%N)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$MON/status)
rss=$(awk '/VmRSS/ {print $2}' /proc/$MON/status)
samples=$(curl -s 127.0.0.1:19900/metrics | awk '/^seawall_samples_total/ {print $2}')
python3 - "$N" "$cpu0" "$cpu1" "$ticks" "$t0" "$t1" "$hwm" "$rss" "$samples" <<'PY'
import sys
n, c0, c1, tk, t0, t1, hwm, rss, samples = sys.argv[1:]
cpu = (float(c1) - float(c0)) / float(tk); wall = float(t1) - float(t0)
print(f"containers={n} window={wall:.1f}s monitor_cpu={cpu:.2f}s ({100*cpu/wall:.1f}% of one core) "
      f"peak_rss={int(hwm)/1024:.1f}MiB rss={int(rss)/1024:.1f}MiB sampling_rounds={samples}")
PY
