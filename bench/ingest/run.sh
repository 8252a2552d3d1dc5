#!/usr/bin/env bash
# Ingestion benchmark: our durable POST /api/status against Prometheus Pushgateway, same run,
# same load tool (wrk), same targets, on loopback. Writes bench/results/ingest.md.
#
#   bench/ingest/run.sh                 # 10,000 targets, 1/16/64 connections, 5 alternating rounds of 10 s
#   TARGETS=1000 DURATION=5 ROUNDS=3 CONNS="16" bench/ingest/run.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
source "$REPO_ROOT/bench/lib.sh"
"$REPO_ROOT/bench/install-deps.sh"

TARGETS=${TARGETS:-10000}
DURATION=${DURATION:-10}
# A long-running server is measured in its steady state: on 2 cores shared with wrk, .NET's tiered JIT (dynamic PGO)
# takes about 30 s of load to finish optimising the hot path (5 s rounds measured 8k, 18k, 20k, 24k, 26k reports/s).
WARMUP=${WARMUP:-30}
CONNS=${CONNS:-"1 16 64"}
ROUNDS=${ROUNDS:-5}
THREADS=2
OUT=${OUT:-$REPO_ROOT/bench/results/ingest.md}
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do stop_pid "$p"; done; rm -rf "$WORK"; }
trap cleanup EXIT
export TARGETS THREADS

echo "publishing the server (Release)..." >&2
publish_server "$WORK/server"

# run_wrk SCRIPT URL CONNS SECONDS → "rps p50_ms p99_ms non2xx"
run_wrk() {
  local script=$1 url=$2 conns=$3 seconds=$4 threads=$THREADS
  [ "$conns" -lt "$threads" ] && threads=$conns
  local line
  line=$(THREADS=$threads wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 10s -s "$script" "$url" 2>&1 | grep '^RESULT')
  python3 - "$line" <<'PY'
import sys
kv = dict(p.split("=") for p in sys.argv[1].split()[1:])
req, dur = int(kv["requests"]), int(kv["duration_us"])
errors = int(kv["errors_status"]) + int(kv["errors_connect"]) + int(kv["errors_timeout"])
print(f'{req / dur * 1e6:.0f} {int(kv["p50_us"]) / 1000:.2f} {int(kv["p99_us"]) / 1000:.2f} {errors}')
PY
}

start_ours() {
  local port=$1 data=$2
  GITOPS_DATA_DIR="$data" "$WORK/server/gitops-status-server" --urls "http://127.0.0.1:$port" >"$data.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/healthz"
}

start_pushgateway() {
  local port=$1 data=$2; shift 2
  prometheus-pushgateway --web.listen-address="127.0.0.1:$port" --persistence.file="$data" "$@" >"$data.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/-/ready"
}

declare -A OURS PGW_FAST PGW_DEFAULT OURS_ROUNDS PGW_ROUNDS RATIO ERRORS
STATUS_JSON=""
for c in $CONNS; do
  # Both servers run side by side and are warmed up at this concurrency, then measured in alternating
  # rounds, so a drift in this shared VM's speed (±20 % over minutes, for Pushgateway too) hits both alike.
  echo "$c connections: warming up gitops-status and pushgateway --push.disable-consistency-check..." >&2
  ours_port=$(free_port); start_ours "$ours_port" "$WORK/ours-$c"; ours_pid=${PIDS[-1]}
  pgw_port=$(free_port); start_pushgateway "$pgw_port" "$WORK/pgw-fast-$c" --push.disable-consistency-check; pgw_pid=${PIDS[-1]}
  run_wrk "$HERE/report.lua" "http://127.0.0.1:$ours_port" "$c" "$WARMUP" >/dev/null
  run_wrk "$HERE/pushgateway.lua" "http://127.0.0.1:$pgw_port" "$c" "$WARMUP" >/dev/null
  ours_rounds=(); pgw_rounds=()
  for r in $(seq "$ROUNDS"); do
    echo "  round $r of $ROUNDS" >&2
    ours_rounds+=("$(run_wrk "$HERE/report.lua" "http://127.0.0.1:$ours_port" "$c" "$DURATION")")
    pgw_rounds+=("$(run_wrk "$HERE/pushgateway.lua" "http://127.0.0.1:$pgw_port" "$c" "$DURATION")")
  done
  # Each side's median round (by throughput) gives its row; the ratio is the median of the per-round ratios.
  read -r OURS[$c] PGW_FAST[$c] RATIO[$c] OURS_ROUNDS[$c] PGW_ROUNDS[$c] ERRORS[$c] < <(python3 - "${ours_rounds[@]}" "${pgw_rounds[@]}" <<'PY'
import statistics, sys
rounds = [line.split() for line in sys.argv[1:]]
n = len(rounds) // 2
ours, pgw = rounds[:n], rounds[n:]
median = lambda rs: sorted(rs, key=lambda r: float(r[0]))[len(rs) // 2]
ratio = statistics.median(float(o[0]) / max(float(p[0]), 1) for o, p in zip(ours, pgw))
errors = lambda rs: sum(int(r[3]) for r in rs)
print(",".join(median(ours)), ",".join(median(pgw)), f"{ratio:.2f}", "/".join(r[0] for r in ours), "/".join(r[0] for r in pgw),
      f"{errors(ours)},{errors(pgw)}")
PY
)
  if [ -z "$STATUS_JSON" ]; then
    count=$(curl -sf "http://127.0.0.1:$ours_port/status.json" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
    times=$(for _ in $(seq 30); do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$ours_port/status.json"; done)
    bytes=$(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$ours_port/status.json")
    STATUS_JSON=$(echo "$times" | sort -n | awk -v n="$count" -v b="$bytes" '{t[NR]=$1} END {printf "%d %.1f %.1f %d", n, t[int(NR/2)+1]*1000, t[int(NR*0.95)]*1000, b}')
  fi
  stop_pid "$ours_pid"
  # Stop it cleanly so it writes its groups: the defaults run below starts holding all of them.
  stop_pid "$pgw_pid"
  cp "$WORK/pgw-fast-$c" "$WORK/pgw-default-$c"

  echo "pushgateway defaults (consistency check on, holding $TARGETS groups), $c connections..." >&2
  port=$(free_port); start_pushgateway "$port" "$WORK/pgw-default-$c"
  PGW_DEFAULT[$c]=$(run_wrk "$HERE/pushgateway.lua" "http://127.0.0.1:$port" "$c" "$DURATION")
  stop_pid "${PIDS[-1]}"
done

{
  echo "# Ingestion benchmark"
  echo
  echo "Generated by \`bench/ingest/run.sh\` on $(date -u +%Y-%m-%dT%H:%MZ) at commit $(git -C "$REPO_ROOT" rev-parse --short HEAD)."
  echo "Machine: $(machine_line)."
  echo
  echo "Load: wrk on loopback, $TARGETS distinct targets. At each concurrency both servers run side by side, each is"
  echo "warmed up for ${WARMUP} s (which also lets .NET's tiered JIT finish), then they are measured in $ROUNDS alternating"
  echo "rounds of ${DURATION} s: this shared VM's speed drifts by ±20 % over minutes, for Pushgateway too, so only rounds"
  echo "taken side by side compare. A row shows each side's median round; the ratio is the median of the per-round"
  echo "ratios; every round's figure is listed below the table. Every report is newer than the last for its target,"
  echo "so each one takes the full write path (\`stored\`)."
  echo "gitops-status answers 200 only after the report's batch is committed with \`synchronous=FULL\` (fsync)."
  echo "Pushgateway pushes an equivalent 4-metric group per target (PUT /metrics/job/…/repo/…/server/…); it keeps"
  echo "groups in memory and writes its persistence file every 5 minutes, so a SIGKILL loses every push since."
  echo
  echo "| connections | gitops-status reports/s | p50 ms | p99 ms | Pushgateway fastest (no consistency check) pushes/s | p50 ms | p99 ms | Pushgateway defaults pushes/s | p99 ms | ratio vs fastest | ratio vs defaults |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for c in $CONNS; do
    IFS=, read -r ors op50 op99 _ <<<"${OURS[$c]}"
    IFS=, read -r frs fp50 fp99 _ <<<"${PGW_FAST[$c]}"
    read -r drs dp50 dp99 derr <<<"${PGW_DEFAULT[$c]}"
    echo "| $c | $ors | $op50 | $op99 | $frs | $fp50 | $fp99 | $drs | $dp99 | ${RATIO[$c]} | $(python3 -c "print(f'{$ors/max($drs,1):.0f}')") |"
  done
  echo
  echo "Every round, reports/s (gitops-status) against pushes/s (Pushgateway fastest), in the order they ran:"
  echo
  for c in $CONNS; do
    IFS=, read -r oerr ferr <<<"${ERRORS[$c]}"
    read -r _ _ _ derr <<<"${PGW_DEFAULT[$c]}"
    echo "- $c connections: ${OURS_ROUNDS[$c]//\// · } against ${PGW_ROUNDS[$c]//\// · }; errors (non-2xx, connect, timeout): ours $oerr, fastest $ferr, defaults $derr."
  done
  echo
  read -r n p50 p95 bytes <<<"$STATUS_JSON"
  echo "\`GET /status.json\` with $n targets stored ($bytes bytes): median ${p50} ms, p95 ${p95} ms (curl time_total over 30 requests)."
} >"$OUT"
cat "$OUT"
