#!/usr/bin/env bash
# A/B of two server builds on this noisy VM: both run side by side, each is warmed up, then they are
# measured in alternating rounds (the order flips every round) at one concurrency. Prints every round and
# the median ratio B/A, and each build's server CPU per report (all threads, and the group-commit writer thread's
# share), read from /proc: a writer-path cost that throughput on this noisy VM hides shows in the writer's share (A/A
# within 0.6 µs per report; the all-threads figure moves by up to ~6 µs between two instances). Run it twice with the
# same build (an A/A control) to see what "no difference" looks like: here it gave 0.99, 4 of 10.
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

# rate PID PORT SECONDS → "reports/s µs-per-report writer-µs-per-report" (server CPU from /proc, writer thread by its name)
rate() {
  local writer t0 w0 out
  writer=$(grep -l '^group-commit' /proc/"$1"/task/*/comm | head -1 | xargs dirname)
  t0=$(ticks /proc/"$1"/stat); w0=$(ticks "$writer/stat")
  out=$(run_wrk "$HERE/report.lua" "http://127.0.0.1:$2" "$CONNS" "$3" | cut -d' ' -f1)
  python3 -c 'import sys; r, s, t, w, hz = map(float, sys.argv[1:]); print(f"{r:.0f} {t / hz / (r * s) * 1e6:.1f} {w / hz / (r * s) * 1e6:.1f}")' \
    "$out" "$3" $(($(ticks /proc/"$1"/stat) - t0)) $(($(ticks "$writer/stat") - w0)) "$HZ"
}

start a "$A" "${ENV_A:-}"; PORT_A=$PORT; PID_A=${PIDS[-1]}
start b "$B" "${ENV_B:-}"; PORT_B=$PORT; PID_B=${PIDS[-1]}
rate "$PID_A" "$PORT_A" "$WARMUP" >/dev/null
rate "$PID_B" "$PORT_B" "$WARMUP" >/dev/null
RA=(); RB=()
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then a=$(rate "$PID_A" "$PORT_A" "$SECONDS_PER_ROUND"); b=$(rate "$PID_B" "$PORT_B" "$SECONDS_PER_ROUND")
  else b=$(rate "$PID_B" "$PORT_B" "$SECONDS_PER_ROUND"); a=$(rate "$PID_A" "$PORT_A" "$SECONDS_PER_ROUND"); fi
  RA+=("$a"); RB+=("$b")
  read -r ra ca wa <<<"$a"; read -r rb cb wb <<<"$b"
  echo "round $r: A $ra/s ($ca µs, writer $wa), B $rb/s ($cb µs, writer $wb)"
done
python3 - "${RA[*]}" "${RB[*]}" <<'PY'
import statistics, sys
a, b = ([[float(x) for x in arg.split()[i::3]] for i in range(3)] for arg in sys.argv[1:])
ratios = [y / x for x, y in zip(a[0], b[0])]
print(f"median A {statistics.median(a[0]):.0f}/s, B {statistics.median(b[0]):.0f}/s; median ratio B/A {statistics.median(ratios):.3f}; B faster in {sum(r > 1 for r in ratios)} of {len(ratios)} rounds")
print(f"server CPU per report, median: A {statistics.median(a[1]):.1f} µs (writer thread {statistics.median(a[2]):.1f}), B {statistics.median(b[1]):.1f} µs (writer thread {statistics.median(b[2]):.1f})")
PY
