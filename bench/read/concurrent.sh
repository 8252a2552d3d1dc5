#!/usr/bin/env bash
# Memory under concurrent reads (issue 18): a store of TARGETS targets × FILES drifted files each (bench/read/seed.py:
# config-tree names, half modified with a diff), then READS concurrent GET /status.json and DASHBOARDS concurrent
# GET / (each on a freshly started server, so each peak is its own). Reports time, bytes, status codes and the
# server's peak resident set (VmHWM); writes them into bench/results/read.md between <!-- concurrent:start -->
# and <!-- concurrent:end -->.
#
#   bench/read/concurrent.sh [PUBLISH_DIR]     # default: a Release publish of this checkout
#   STORE=/tmp/store-10k-1000 bench/read/concurrent.sh   # keep the seeded store there and reuse it next time
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
source "$REPO_ROOT/bench/lib.sh"
TARGETS=${TARGETS:-10000}
FILES=${FILES:-1000}
READS=${READS:-16}
DASHBOARDS=${DASHBOARDS:-4}
with_work_dir
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

SERVER=${1:-}
if [ -z "$SERVER" ]; then
  SERVER="$WORK/server"
  publish_server "$SERVER"
fi

# start DATA: a server on a free port ($PORT, $PID); reports of FILES files need more than the default 1 MiB body.
start() {
  PORT=$(free_port)
  GITOPS_DATA_DIR="$1" GITOPS_MAX_BODY_BYTES=8MB Logging__LogLevel__Default=Warning \
    "$SERVER/gitops-status-server" --urls "http://127.0.0.1:$PORT" >>"$WORK/server.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  wait_http "http://127.0.0.1:$PORT/readyz" 300
}

store=${STORE:-$WORK/store}
if [ ! -f "$store/gitops-status.db" ]; then
  mkdir -p "$store"
  start "$store"
  SECONDS=0
  python3 "$HERE/seed.py" 127.0.0.1 "$PORT" "$TARGETS" 4 "$FILES"
  echo "seeded $TARGETS targets × $FILES files in $SECONDS s"
  stop_pid "$PID"
fi
db_mb=$(du -m "$store/gitops-status.db" | cut -f1)

# run N PATH → "N× PATH: codes …, median s, worst s, bytes per body, peak MB", on a fresh server over a copy of the store.
run() {
  local n=$1 path=$2
  rm -rf "$WORK/data"
  cp -r "$store" "$WORK/data"
  start "$WORK/data"
  local rss_before
  rss_before=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
  local curls=()
  for i in $(seq "$n"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' "http://127.0.0.1:$PORT$path" >"$WORK/curl.$i" &
    curls+=($!)
  done
  wait "${curls[@]}"
  local peak_kb
  peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
  stop_pid "$PID"
  cat "$WORK"/curl.* | sort -k2 -n | awk -v n="$n" -v path="$path" -v peak="$peak_kb" -v idle="$rss_before" '
    { code[$1]++; t[NR]=$2; b=$3 }
    END {
      codes=""; for (c in code) codes=codes sprintf("%s×%d ", c, code[c]);
      printf "| %d × `GET %s` | %s| %.1f s | %.1f s | %.0f MB | **%d MB** (%d MB idle) |\n", n, path, codes, t[int((NR+1)/2)], t[NR], b/1e6, peak/1024, idle/1024
    }'
  rm -f "$WORK"/curl.*
}

reads=$(run "$READS" /status.json)
dashboards=$(run "$DASHBOARDS" /)
echo "$reads"
echo "$dashboards"

section=$(cat <<MD
<!-- concurrent:start -->
## Concurrent reads of a large store (issue 18)

\`bench/read/concurrent.sh\` on $(date -u +%Y-%m-%d) at $(git -C "$REPO_ROOT" rev-parse --short HEAD), $(nproc) cores, .NET $(dotnet --version),
Release publish, SQLite, load before the run $load_before. $TARGETS targets × $FILES drifted files each
(\`bench/read/seed.py\`: config-tree names, half modified with a diff; database $db_mb MB). Each line on a freshly
started server (so its peak is its own), all requests sent at once by curl on loopback; default
\`GITOPS_MAX_CONCURRENT_READS\` and \`GITOPS_READ_QUEUE\`.

| reads | HTTP codes | median | worst | body | server peak resident set (VmHWM) |
| --- | --- | --- | --- | --- | --- |
$reads
$dashboards

Target: under 300 MB with 16 concurrent \`/status.json\` reads (before: 12 concurrent reads took 4.15 GB, 4 dashboard loads 5.73 GB).
<!-- concurrent:end -->
MD
)
results="$REPO_ROOT/bench/results/read.md"
python3 - "$results" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
pattern = re.compile(r"<!-- concurrent:start -->.*?<!-- concurrent:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "$section"
