#!/usr/bin/env bash
# Read-side benchmark: GET /metrics and GET /status.json with N stored targets (default 100,000).
# Seeds the targets through POST /api/status, restarts the server (so its peak memory is the read
# side's), then fetches each endpoint RUNS times with curl (time to first byte, total time, bytes)
# and reads the server's peak resident set (VmHWM) from /proc. Writes the figures into
# bench/results/read.md between <!-- api:start --> and <!-- api:end --> (other sections untouched).
#
#   bench/read/run.sh [targets] [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
targets=${1:-100000}
runs=${2:-5}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
data=$(mktemp -d /tmp/gitops-bench-read.XXXXXX)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

dotnet build src/GitOpsStatus.Server -c Release -v q -nologo >/dev/null
dll=src/GitOpsStatus.Server/bin/Release/net10.0/gitops-status-server.dll

start_server() {
  GITOPS_DATA_DIR="$data" Logging__LogLevel__Default=Warning dotnet "$dll" --urls "http://127.0.0.1:$port" >"$data/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "the server did not become ready; see $data/server.log" >&2
  exit 1
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

start_server
SECONDS=0
python3 bench/read/seed.py 127.0.0.1 "$port" "$targets" 16
seed_seconds=$SECONDS
stop_server
start_server

measure() { # path → lines "ttfb total bytes"
  for _ in $(seq 1 "$runs"); do
    curl -s -o /dev/null -w '%{time_starttransfer} %{time_total} %{size_download}\n' "http://127.0.0.1:$port$1"
  done
}
summarize() { # "ttfb total bytes" lines → "median ttfb, median total, max total, bytes"
  sort -k2 -n | awk '{t[NR]=$1; s[NR]=$2; b=$3} END {m=int((NR+1)/2); printf "%.0f ms | %.0f ms | %.0f ms | %.1f MB", t[m]*1000, s[m]*1000, s[NR]*1000, b/1e6}'
}
curl -s -o /dev/null "http://127.0.0.1:$port/metrics"  # warm-up: JIT, page cache
curl -s -o /dev/null "http://127.0.0.1:$port/status.json"
metrics=$(measure /metrics | summarize)
status=$(measure /status.json | summarize)
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
stop_server

section=$(cat <<MD
<!-- api:start -->
## /metrics and /status.json (issue 5)

\`bench/read/run.sh $targets $runs\` on $(date -u +%Y-%m-%d), $(nproc) cores ($(uname -m)), .NET $(dotnet --version), Release build.
$targets targets seeded through \`POST /api/status\` in $seed_seconds s (16 keep-alive clients; 10 % OUT_OF_SYNC,
2 % UNKNOWN), then the server restarted so its memory figures are the read side's. Each endpoint fetched
$runs times after one warm-up fetch, by curl on loopback; median and worst of the runs.

| endpoint | time to first byte (median) | total (median) | total (worst) | body |
| --- | --- | --- | --- | --- |
| \`GET /metrics\` | $metrics |
| \`GET /status.json\` | $status |

Server process after the reads: peak resident set (VmHWM) **$((peak_kb / 1024)) MB**, resident now $((rss_kb / 1024)) MB.
Target: each under 1 s and under 200 MB working set at 100,000 targets.
<!-- api:end -->
MD
)
results=bench/results/read.md
[ -f "$results" ] || printf '# Read-side benchmarks\n\n' >"$results"
python3 - "$results" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
pattern = re.compile(r"<!-- api:start -->.*?<!-- api:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "$section"
