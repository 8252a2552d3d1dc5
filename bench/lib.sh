# Shared helpers for the benchmark scripts: free loopback ports, readiness, cleanup.

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL [tries]: polls until URL answers 2xx, at most tries × 0.1 s.
wait_http() {
  local url=$1 tries=${2:-100}
  for _ in $(seq "$tries"); do
    curl -sf -o /dev/null "$url" && return 0
    sleep 0.1
  done
  echo "timed out waiting for $url" >&2
  return 1
}

# stop_pid PID: SIGTERM, then SIGKILL after 10 s; only ever a process this script started.
stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# with_work_dir: a temporary $WORK and a $PIDS list (append each server started); on exit every server in it is
# stopped by its PID and $WORK removed.
with_work_dir() {
  WORK=$(mktemp -d)
  PIDS=()
  trap 'for p in "${PIDS[@]}"; do stop_pid "$p"; done; rm -rf "$WORK"' EXIT
}

# publish_server DIR: a Release build of the status server, as deployed.
publish_server() {
  dotnet publish "$REPO_ROOT/src/GitOpsStatus.Server" -c Release -o "$1" --nologo -v quiet >/dev/null
}

machine_line() {
  echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), load before run: $(cut -d' ' -f1-3 /proc/loadavg)"
}
