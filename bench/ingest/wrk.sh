# Sourced by the ingestion benchmarks: one wrk run, read from the RESULT line our Lua scripts print; the peer, Pushgateway;
# and a process's or thread's CPU time, for CPU per report.

# run_wrk SCRIPT URL CONNS SECONDS → "rps p50_ms p99_ms non2xx" (uses $THREADS wrk threads, at most CONNS)
run_wrk() {
  local script=$1 url=$2 conns=$3 seconds=$4 threads=$THREADS
  [ "$conns" -lt "$threads" ] && threads=$conns
  local out line
  out=$(THREADS=$threads wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 10s -s "$script" "$url" 2>&1) || true
  # Without a RESULT line (wrk missing, or the server gone) say why instead of printing nothing.
  line=$(grep '^RESULT' <<<"$out") || { echo "wrk gave no result for $url: ${out:-no output}" >&2; return 1; }
  python3 - "$line" <<'PY'
import sys
kv = dict(p.split("=") for p in sys.argv[1].split()[1:])
req, dur = int(kv["requests"]), int(kv["duration_us"])
errors = int(kv["errors_status"]) + int(kv["errors_connect"]) + int(kv["errors_timeout"])
print(f'{req / dur * 1e6:.0f} {int(kv["p50_us"]) / 1000:.2f} {int(kv["p99_us"]) / 1000:.2f} {errors}')
PY
}

# start_pushgateway PORT DATA_FILE [FLAGS...]: Pushgateway on loopback, its pid appended to $PIDS (see with_work_dir).
start_pushgateway() {
  local port=$1 data=$2; shift 2
  prometheus-pushgateway --web.listen-address="127.0.0.1:$port" --persistence.file="$data" "$@" >"$data.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/-/ready"
}

# ticks STAT_FILE: CPU clock ticks (user + system) in a /proc stat file (/proc/PID/stat, /proc/PID/task/TID/stat); $HZ per second.
ticks() { awk '{print $14 + $15}' "$1"; }
HZ=$(getconf CLK_TCK)
