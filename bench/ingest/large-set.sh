#!/usr/bin/env bash
# How long one report with a large drifted file set takes to store (the single writer is busy for all of it): three
# reports of FILES drifted files to one target, the second a new set, the third half new, against one server build.
#
#   bench/ingest/large-set.sh                    # this checkout's Release build, 10,000 files
#   FILES=40000 bench/ingest/large-set.sh /tmp/a # a published build
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
source "$REPO_ROOT/bench/lib.sh"
FILES=${FILES:-10000}
with_work_dir
SERVER=${1:-$WORK/server}
[ -n "${1:-}" ] || publish_server "$SERVER"
PORT=$(free_port)
GITOPS_DATA_DIR="$WORK/data" "$SERVER/gitops-status-server" --urls "http://127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$PORT/healthz"
python3 - "$PORT" "$FILES" <<'PY'
import datetime, json, sys, time, urllib.request
port, n = sys.argv[1], int(sys.argv[2])
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
sets = [[f"etc/a/{i}.conf" for i in range(n)], [f"etc/b/{i}.conf" for i in range(n)]]
sets.append(sets[1][: n // 2] + [f"etc/c/{i}.conf" for i in range(n - n // 2)])
for k, files in enumerate(sets):
    at = (now - datetime.timedelta(minutes=3 - k)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps({"repo": "bench/large", "server": "s1", "sync_status": "OUT_OF_SYNC", "drift_count": n,
                       "files": [{"name": f} for f in files], "last_check": at}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/status", data=body, headers={"Content-Type": "application/json"})
    start = time.monotonic()
    with urllib.request.urlopen(request, timeout=600) as response:
        outcome = json.load(response)["outcome"]
    print(f"report {k + 1} ({['first set', 'a new set', 'half new'][k]}): {n} files, {len(body)} bytes, {outcome}, {(time.monotonic() - start) * 1000:.0f} ms")
PY
