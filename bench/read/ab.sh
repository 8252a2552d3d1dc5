#!/usr/bin/env bash
# A/B of GET /status.json between two server builds: one store of TARGETS targets is seeded once (through
# POST /api/status), copied, and each build serves its own copy; then both are measured in alternating rounds
# (the median of 30 requests each), so this VM's drift hits both alike. Also checks that both bodies are the same.
#
#   dotnet publish src/GitOpsStatus.Server -c Release -o /tmp/a   # on the base commit
#   dotnet publish src/GitOpsStatus.Server -c Release -o /tmp/b   # on the change
#   bench/read/ab.sh /tmp/a /tmp/b                                 # 10,000 targets, 10 rounds
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
source "$REPO_ROOT/bench/lib.sh"
A=${1:?usage: ab.sh PUBLISH_DIR_A PUBLISH_DIR_B}
B=${2:?usage: ab.sh PUBLISH_DIR_A PUBLISH_DIR_B}
ROUNDS=${ROUNDS:-10}
export TARGETS=${TARGETS:-10000} THREADS=2
with_work_dir

# start DIR DATA: a server on a free port, left in $PORT.
start() {
  PORT=$(free_port)
  GITOPS_DATA_DIR="$2" "$1/gitops-status-server" --urls "http://127.0.0.1:$PORT" >"$2.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$PORT/healthz"
}

# median PORT → seconds, the median of 30 requests
median() {
  for _ in $(seq 30); do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$1/status.json"; done | sort -n | sed -n 16p
}

start "$A" "$WORK/seed"
# Every target is written at least once: wrk cycles through them in order, about 10,000 reports a second here.
wrk -t2 -c16 -d"$((TARGETS / 2000 + 3))s" -s "$REPO_ROOT/bench/ingest/report.lua" "http://127.0.0.1:$PORT" >/dev/null
stop_pid "${PIDS[-1]}"
cp -r "$WORK/seed" "$WORK/a"
cp -r "$WORK/seed" "$WORK/b"
start "$A" "$WORK/a"; PORT_A=$PORT
start "$B" "$WORK/b"; PORT_B=$PORT
count=$(curl -sf "http://127.0.0.1:$PORT_A/status.json" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$(curl -sf "http://127.0.0.1:$PORT_A/status.json" | md5sum)" = "$(curl -sf "http://127.0.0.1:$PORT_B/status.json" | md5sum)" ] ||
  { echo "the two builds serve different bodies" >&2; exit 1; }
# Warm-up: tiered JIT compiles the hot path after ~30 calls.
for _ in 1 2; do median "$PORT_A" >/dev/null; median "$PORT_B" >/dev/null; done
RA=(); RB=()
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then a=$(median "$PORT_A"); b=$(median "$PORT_B")
  else b=$(median "$PORT_B"); a=$(median "$PORT_A"); fi
  RA+=("$a"); RB+=("$b")
  echo "round $r: A ${a}s, B ${b}s"
done
python3 - "$count" "${RA[*]}" "${RB[*]}" <<'PY'
import statistics, sys
count = sys.argv[1]
a, b = ([float(x) * 1000 for x in arg.split()] for arg in sys.argv[2:])
ratios = [y / x for x, y in zip(a, b)]
print(f"{count} targets: median A {statistics.median(a):.1f} ms, B {statistics.median(b):.1f} ms; median ratio B/A {statistics.median(ratios):.3f}; "
      f"B faster in {sum(r < 1 for r in ratios)} of {len(ratios)} rounds")
PY
