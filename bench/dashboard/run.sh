#!/usr/bin/env bash
# Dashboard benchmark: a Release server on a free 127.0.0.1 port with a fresh data directory,
# seeded with N targets (default 10000), then GET / timed; results into bench/results/read.md
# between <!-- dashboard:start --> and <!-- dashboard:end -->.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
targets="${1:-10000}"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build "$root/src/GitOpsStatus.Server" -c Release -o "$work/server" -v quiet -nologo >/dev/null
dotnet build "$root/bench/dashboard" -c Release -o "$work/bench" -v quiet -nologo >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
(cd "$work/server" && exec dotnet gitops-status-server.dll --urls "http://127.0.0.1:$port" --data-dir "$work/data" \
  --Logging:LogLevel:Default=Warning) > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
dotnet "$work/bench/DashboardBench.dll" "http://127.0.0.1:$port" "$targets" "$root/bench/results/read.md"
