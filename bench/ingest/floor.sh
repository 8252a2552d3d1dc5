#!/usr/bin/env bash
# Where ingestion's CPU goes, against what the framework and the group commit cost by themselves: server CPU per report
# (µs, from /proc/PID/stat over each wrk run) and reports/s for gitops-status, the floor app (bench/ingest/floor: a minimal
# ASP.NET Core app that parses the report and answers, with no store; then with a writer thread; then with that writer's
# page write per report and fsync per batch) and Pushgateway's fastest form, each in turn, ROUNDS times, at CONNS.
# Prints a Markdown table (medians) and every round.
#
#   bench/ingest/floor.sh                        # 16 and 64 connections, 4 rounds of 8 s
#   CONNS=16 ROUNDS=6 bench/ingest/floor.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
source "$REPO_ROOT/bench/lib.sh"
source "$HERE/wrk.sh"
"$REPO_ROOT/bench/install-deps.sh"
CONNS=${CONNS:-"16 64"}
ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-20}
export TARGETS=${TARGETS:-10000} THREADS=2
with_work_dir

echo "publishing the server and the floor app (Release)..." >&2
publish_server "$WORK/server"
dotnet publish "$HERE/floor" -c Release -o "$WORK/floor" --nologo -v quiet >/dev/null

# start NAME ENV COMMAND...: one server on a free port; NAME's port and pid are kept.
declare -A PORT_OF PID_OF
start() {
  local name=$1 environment=$2; shift 2
  local port; port=$(free_port)
  mkdir -p "$WORK/$name"
  env $environment GITOPS_DATA_DIR="$WORK/$name" FLOOR_DIR="$WORK/$name" "$@" --urls "http://127.0.0.1:$port" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  PORT_OF[$name]=$port PID_OF[$name]=$!
  wait_http "http://127.0.0.1:$port/healthz"
}
start ours "" "$WORK/server/gitops-status-server"
start floor-plain FLOOR_MODE=plain "$WORK/floor/ingest-floor"
start floor-writer FLOOR_MODE=writer "$WORK/floor/ingest-floor"
start floor-fsync FLOOR_MODE=fsync "$WORK/floor/ingest-floor"
port=$(free_port); start_pushgateway "$port" "$WORK/pgw" --push.disable-consistency-check
PORT_OF[pushgateway]=$port PID_OF[pushgateway]=${PIDS[-1]}
NAMES="ours floor-plain floor-writer floor-fsync pushgateway"
script() { [ "$1" = pushgateway ] && echo "$HERE/pushgateway.lua" || echo "$HERE/report.lua"; }

# measure NAME CONNS SECONDS → "reports/s µs-per-report"
measure() {
  local pid=${PID_OF[$1]} before after rate
  before=$(ticks "/proc/$pid/stat")
  rate=$(run_wrk "$(script "$1")" "http://127.0.0.1:${PORT_OF[$1]}" "$2" "$3" | cut -d' ' -f1)
  after=$(ticks "/proc/$pid/stat")
  echo "$rate $(python3 -c "print(round(($after - $before) / $HZ / ($rate * $3) * 1e6, 1))")"
}

echo "| connections | server | reports/s | server CPU µs per report |"
echo "| ---: | --- | ---: | ---: |"
ROUNDS_TEXT=""
for c in $CONNS; do
  for n in $NAMES; do measure "$n" "$c" "$WARMUP" >/dev/null; done
  declare -A RATES=() CPUS=()
  for r in $(seq "$ROUNDS"); do
    for n in $NAMES; do
      read -r rate cpu < <(measure "$n" "$c" "$DURATION")
      RATES[$n]+="$rate " CPUS[$n]+="$cpu "
    done
  done
  for n in $NAMES; do
    python3 - "$c" "$n" "${RATES[$n]}" "${CPUS[$n]}" <<'PY'
import statistics, sys
c, n, rates, cpus = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3].split()], [float(x) for x in sys.argv[4].split()]
print(f"| {c} | {n} | {statistics.median(rates):,.0f} | {statistics.median(cpus):.1f} |")
PY
    ROUNDS_TEXT+="- $c connections, $n: reports/s ${RATES[$n]}; µs per report ${CPUS[$n]}"$'\n'
  done
done
echo
echo "Every round, in the order they ran:"
echo
printf '%s' "$ROUNDS_TEXT"
