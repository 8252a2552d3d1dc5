#!/usr/bin/env bash
# A/B of two server builds on this noisy VM: both run side by side, each is warmed up, then they are
# measured in alternating rounds (the order flips every round) at one concurrency. Prints every round and
# the median ratio B/A. Run it twice with the same build (an A/A control) to see what "no difference" looks
# like: here it gave 0.99, 4 of 10.
#
#   dotnet publish src/GitOpsStatus.Server -c Release -o /tmp/a   # on the base commit
#   dotnet publish src/GitOpsStatus.Server -c Release -o /tmp/b   # on the change
#   bench/ingest/ab.sh /tmp/a /tmp/b                               # 10 rounds of 5 s, 16 connections
#   ROUNDS=20 CONNS=64 ENV_B="DOTNET_TieredPGO=0" bench/ingest/ab.sh /tmp/a /tmp/a
#   DRIFT_EVERY=0 CONNS=64 bench/ingest/ab.sh /tmp/a /tmp/b      # no target OUT_OF_SYNC (default: one in 10)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
source "$REPO_ROOT/bench/lib.sh"
source "$HERE/wrk.sh"
command -v wrk >/dev/null || "$REPO_ROOT/bench/install-deps.sh"
A=${1:?usage: ab.sh PUBLISH_DIR_A PUBLISH_DIR_B}
B=${2:?usage: ab.sh PUBLISH_DIR_A PUBLISH_DIR_B}
ROUNDS=${ROUNDS:-10}
CONNS=${CONNS:-16}
WARMUP=${WARMUP:-30}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-5}
export TARGETS=${TARGETS:-10000} THREADS=2
with_work_dir

# start NAME DIR ENV: starts a server on a free port, left in $PORT (not a subshell, so PIDS keeps its pid).
start() {
  PORT=$(free_port)
  mkdir -p "$WORK/$1"
  env $3 GITOPS_DATA_DIR="$WORK/$1" "$2/gitops-status-server" --urls "http://127.0.0.1:$PORT" >"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$PORT/healthz"
}

# rate PORT SECONDS → reports/s
rate() { run_wrk "$HERE/report.lua" "http://127.0.0.1:$1" "$CONNS" "$2" | cut -d' ' -f1; }

start a "$A" "${ENV_A:-}"; PORT_A=$PORT
start b "$B" "${ENV_B:-}"; PORT_B=$PORT
rate "$PORT_A" "$WARMUP" >/dev/null
rate "$PORT_B" "$WARMUP" >/dev/null
RA=(); RB=()
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then a=$(rate "$PORT_A" "$SECONDS_PER_ROUND"); b=$(rate "$PORT_B" "$SECONDS_PER_ROUND")
  else b=$(rate "$PORT_B" "$SECONDS_PER_ROUND"); a=$(rate "$PORT_A" "$SECONDS_PER_ROUND"); fi
  RA+=("$a"); RB+=("$b")
  echo "round $r: A $a/s, B $b/s"
done
python3 - "${RA[*]}" "${RB[*]}" <<'PY'
import statistics, sys
a, b = ([float(x) for x in arg.split()] for arg in sys.argv[1:])
ratios = [y / x for x, y in zip(a, b)]
print(f"median A {statistics.median(a):.0f}/s, B {statistics.median(b):.0f}/s; median ratio B/A {statistics.median(ratios):.3f}; B faster in {sum(r > 1 for r in ratios)} of {len(ratios)} rounds")
PY
