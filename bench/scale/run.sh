#!/usr/bin/env bash
# Scale-out benchmark: POST /api/status against 1 and 2 server replicas on one PostgreSQL, beside one
# server on its SQLite file and Pushgateway, in one run, on this machine. Writes bench/results/scale.md.
#
#   bench/scale/run.sh                          # 10,000 targets per generator, 64 connections, 10 s per point
#   TARGETS=2000 DURATION=5 CONNS=32 bench/scale/run.sh
#
# PostgreSQL is a throw-away cluster started here as the non-root user gitops-pg (created by
# scripts/install-test-deps.sh) on a free loopback port, with fsync and synchronous_commit on (a 200
# means committed to disk), stopped and deleted at the end. CPU per process group is read from /proc.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
source "$REPO_ROOT/bench/lib.sh"
"$REPO_ROOT/bench/install-deps.sh"
"$REPO_ROOT/scripts/install-test-deps.sh"

TARGETS=${TARGETS:-10000}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-64}
OUT=${OUT:-$REPO_ROOT/bench/results/scale.md}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d)
chmod 755 "$WORK"
PIDS=()
PGDATA=""
cleanup() {
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
  [ -n "$PGDATA" ] && runuser -u gitops-pg -- "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export TARGETS REPORT_LUA="$REPO_ROOT/bench/ingest/report.lua"

echo "publishing the server (Release)..." >&2
publish_server "$WORK/server"

echo "starting PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')..." >&2
PGPORT=$(free_port)
mkdir "$WORK/pg" && chown gitops-pg: "$WORK/pg"
PGDATA="$WORK/pg/db"
runuser -u gitops-pg -- "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 >/dev/null
runuser -u gitops-pg -- "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg/log" -w -t 60 \
  -o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_wal_size=4GB -c fsync=on -c synchronous_commit=on" start >/dev/null
PG_PID=$(head -1 "$PGDATA/postmaster.pid")
psql() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qAt "$@"; }
DB="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=status"

# cpu_ticks PID... → user+system clock ticks of those processes (threads included); missing ones count 0.
cpu_ticks() {
  local total=0 pid stat
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    read -r -a f <<<"$stat"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
pg_pids() { echo "$PG_PID" $(pgrep -P "$PG_PID" || true); }

# wrk_on PORT CONNS SECONDS REPLICA → wrk's RESULT line (on stdout)
wrk_on() {
  local port=$1 conns=$2 seconds=$3 replica=$4 threads=2
  [ "$conns" -lt 2 ] && threads=1
  THREADS=$threads REPLICA=$replica wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 10s -s "$HERE/replica.lua" "http://127.0.0.1:$port" 2>&1 | grep '^RESULT'
}

start_server() {
  local port=$1 name=$2; shift 2
  env "$@" GITOPS_DATA_DIR="$WORK/$name" "$WORK/server/gitops-status-server" --urls "http://127.0.0.1:$port" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/readyz" 200
}

# measure NAME PORT... : warm-up, then one wrk per port in parallel (CONNS split between them), with
# CPU of the replicas, PostgreSQL and wrk, and PostgreSQL's commits and WAL over the measured seconds.
declare -A RESULT
measure() {
  local name=$1; shift
  local ports=("$@") n=$# conns=$((CONNS / $#)) i
  local warm=()
  for i in "${!ports[@]}"; do wrk_on "${ports[$i]}" "$conns" "$WARMUP" "$i" >/dev/null & warm+=($!); done
  wait "${warm[@]}"
  local servers=("${PIDS[@]: -$n}")
  local pg_before srv_before commits_before wal_before t0
  pg_before=$(cpu_ticks $(pg_pids)); srv_before=$(cpu_ticks "${servers[@]}")
  commits_before=$(psql -d status -c "SELECT xact_commit FROM pg_stat_database WHERE datname = 'status'" 2>/dev/null || echo 0)
  wal_before=$(psql -d status -c "SELECT pg_current_wal_lsn() - '0/0'" 2>/dev/null || echo 0)
  t0=$(date +%s.%N)
  : >"$WORK/wrk.out"
  local wrk_pids=()
  for i in "${!ports[@]}"; do wrk_on "${ports[$i]}" "$conns" "$DURATION" "$i" >>"$WORK/wrk.out" & wrk_pids+=($!); done
  local wrk_ticks=0
  # wrk's own CPU: sampled just before it exits (it is a child of a subshell; read its threads' ticks).
  sleep "$((DURATION - 1))"
  wrk_ticks=$(cpu_ticks $(pgrep -x wrk || true))
  wait "${wrk_pids[@]}"
  local elapsed pg_after srv_after commits_after wal_after
  elapsed=$(python3 -c "import time; print(time.time() - $t0)")
  pg_after=$(cpu_ticks $(pg_pids)); srv_after=$(cpu_ticks "${servers[@]}")
  commits_after=$(psql -d status -c "SELECT xact_commit FROM pg_stat_database WHERE datname = 'status'" 2>/dev/null || echo 0)
  wal_after=$(psql -d status -c "SELECT pg_current_wal_lsn() - '0/0'" 2>/dev/null || echo 0)
  RESULT[$name]=$(python3 - "$WORK/wrk.out" "$elapsed" "$((srv_after - srv_before))" "$((pg_after - pg_before))" "$wrk_ticks" \
    "$((commits_after - commits_before))" "$(python3 -c "print(int($wal_after - $wal_before))")" "$(getconf CLK_TCK)" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
runs = [dict(p.split("=") for p in l.split()[1:]) for l in lines if l.startswith("RESULT")]
elapsed, srv, pg, wrk, commits, wal, hz = float(sys.argv[2]), *map(int, sys.argv[3:9])
rps = sum(int(r["requests"]) / int(r["duration_us"]) * 1e6 for r in runs)
reqs = sum(int(r["requests"]) for r in runs)
p50 = max(int(r["p50_us"]) for r in runs) / 1000
p99 = max(int(r["p99_us"]) for r in runs) / 1000
errors = sum(int(r["errors_status"]) + int(r["errors_connect"]) + int(r["errors_timeout"]) for r in runs)
cores = lambda ticks: ticks / hz / elapsed
# wrk's ticks are cumulative since it started, ~DURATION-1 s into a DURATION s run
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {errors} {cores(srv):.2f} {cores(pg):.2f} {wrk / hz / max(float(sys.argv[2]) - 1, 1):.2f} "
      f"{commits / elapsed:.0f} {wal / max(reqs, 1):.0f}")
PY
)
  echo "  $name: ${RESULT[$name]}" >&2
}

echo "1 server on SQLite..." >&2
port=$(free_port); start_server "$port" sqlite
measure sqlite "$port"
stop_pid "${PIDS[-1]}"

psql -d postgres -c "CREATE DATABASE status"
echo "1 replica on PostgreSQL..." >&2
port=$(free_port); start_server "$port" pg1 GITOPS_DATABASE="$DB"
measure pg1 "$port"
stop_pid "${PIDS[-1]}"

echo "2 replicas on PostgreSQL..." >&2
port_a=$(free_port); start_server "$port_a" pg2a GITOPS_DATABASE="$DB"
port_b=$(free_port); start_server "$port_b" pg2b GITOPS_DATABASE="$DB"
measure pg2 "$port_a" "$port_b"
stop_pid "${PIDS[-1]}"; stop_pid "${PIDS[-2]}"

echo "Pushgateway --push.disable-consistency-check..." >&2
port=$(free_port)
prometheus-pushgateway --web.listen-address="127.0.0.1:$port" --persistence.file="$WORK/pgw" --push.disable-consistency-check >"$WORK/pgw.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$port/-/ready"
THREADS=2 wrk -t2 -c"$CONNS" -d"${WARMUP}s" -s "$REPO_ROOT/bench/ingest/pushgateway.lua" "http://127.0.0.1:$port" >/dev/null 2>&1
PGW=$(THREADS=2 wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s "$REPO_ROOT/bench/ingest/pushgateway.lua" "http://127.0.0.1:$port" 2>&1 | grep '^RESULT' |
  python3 -c 'import sys; kv = dict(p.split("=") for p in sys.stdin.read().split()[1:]); print("%.0f %.2f %.2f" % (int(kv["requests"]) / int(kv["duration_us"]) * 1e6, int(kv["p50_us"]) / 1000, int(kv["p99_us"]) / 1000))')
stop_pid "${PIDS[-1]}"

# Storage: what a target and a history event take, indexes and TOAST included.
STORAGE=$(psql -d status -F' ' -c "
  SELECT (SELECT count(*) FROM targets), pg_total_relation_size('targets'),
         (SELECT count(*) FROM events), pg_total_relation_size('events'),
         (SELECT avg(length(report))::int FROM targets)")
read -r n_targets targets_bytes n_events events_bytes report_bytes <<<"$STORAGE"

{
  echo "# Scale-out benchmark"
  echo
  echo "Generated by \`bench/scale/run.sh\` on $(date -u +%Y-%m-%dT%H:%MZ) at commit $(git -C "$REPO_ROOT" rev-parse --short HEAD)."
  echo "Machine: $(machine_line)."
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on the same machine: fsync=on, synchronous_commit=on, shared_buffers=256MB, max_wal_size=4GB."
  echo
  echo "Load: wrk on loopback, $CONNS connections in all ($((CONNS / 2)) per replica with two), ${DURATION} s per point after a ${WARMUP} s"
  echo "warm-up; each generator cycles over $TARGETS targets of its own, every report newer than the last for its target"
  echo "(the full write path, \`stored\`). A 200 means committed: SQLite with synchronous=FULL, PostgreSQL with"
  echo "synchronous_commit=on. Everything (load generator, replicas, PostgreSQL) shares the same $(nproc) cores:"
  echo "the CPU columns say who used them (cores busy over the measured seconds, from /proc)."
  echo
  echo "| setup | reports/s | p50 ms | p99 ms | errors | CPU: server(s) | CPU: PostgreSQL | CPU: wrk | PostgreSQL commits/s | WAL bytes/report |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for name in sqlite pg1 pg2; do
    read -r rps p50 p99 err srv pg wrk commits wal <<<"${RESULT[$name]}"
    case $name in
      sqlite) label="1 server, SQLite"; pg="–"; commits="–"; wal="–" ;;
      pg1) label="1 replica, PostgreSQL" ;;
      pg2) label="2 replicas, PostgreSQL" ;;
    esac
    echo "| $label | $rps | $p50 | $p99 | $err | $srv | $pg | $wrk | $commits | $wal |"
  done
  read -r prps pp50 pp99 <<<"$PGW"
  echo "| Pushgateway (--push.disable-consistency-check, in memory) | $prps | $pp50 | $pp99 | | | | | | |"
  echo
  echo "Target: 1,000,000 targets every 2 minutes = 8,334 reports/s."
  echo
  echo "Storage after the run (PostgreSQL, \`pg_total_relation_size\`, indexes and TOAST included):"
  echo "$n_targets targets take $targets_bytes bytes ($((targets_bytes / (n_targets > 0 ? n_targets : 1))) per target, reports averaging $report_bytes bytes of JSON);"
  echo "$n_events history events take $events_bytes bytes ($((events_bytes / (n_events > 0 ? n_events : 1))) per event)."
} >"$OUT"
cat "$OUT"
