#!/usr/bin/env bash
# Realtime agent benchmark (issue 22): `gitops-status watch --realtime` (the Native AOT binary, as released) on a
# local target of 10,000 config files, delivering to the status server (Release build, SQLite) on loopback.
# Measures write → /status.json latency (median and worst over 20 edits and 20 reverts), idle CPU over 60 s and RSS
# with 10,000 watched files, a burst of 10,000 writes (reports sent, time to the correct final state), the same
# tree as an SSH target (a loopback sshd, inotifywait on the "host"), and the scheduled mode's latency on a 10 s
# schedule for comparison. Writes bench/results/realtime.md.
# Usage: nice -n 19 bench/realtime/run.sh   (as root: fanotify and sshd; run as the machine's other work allows)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO_ROOT=$PWD
. bench/lib.sh
bench/install-deps.sh
with_work_dir

echo "Publishing the checker (Native AOT) and the server (Release)…" >&2
dotnet publish src/GitOpsStatus.Cli -c Release -r linux-x64 -o "$WORK/cli" --nologo -v quiet >/dev/null
publish_server "$WORK/server"
gs="$WORK/cli/gitops-status"
version=$("$gs" --version)
machine=$(machine_line)

port=$(free_port)
url="http://127.0.0.1:$port"
mkdir -p "$WORK/data"
# 10,000 drifted files make a report of about 2 MB: the burst needs a body limit above the default 1 MiB.
GITOPS_DATA_DIR="$WORK/data" GITOPS_MAX_BODY_BYTES=16MB Logging__LogLevel__Default=Warning "$WORK/server/gitops-status-server" --urls "$url" >"$WORK/server.log" 2>&1 &
PIDS+=($!)
wait_http "$url/status.json" 600

# 10,000 files in 100 directories (bench/check/make-tree.py), the actual side equal to the desired one.
t="$WORK/t"
python3 bench/check/make-tree.py "$t" 10000 >&2
rm -rf "$t/actual" && cp -a "$t/desired" "$t/actual"
write_config() { # realtime? server [location lines]
  cat >"$t/gitops-status.yaml" <<YML
repo: bench
url: $url
realtime: $1
targets:
  - server: $2
    ${3:-path: actual}
    files:
      - { src: desired, dest: / }
YML
}

# start_agent LOG SCHEDULE: the agent in the background, waiting for its start-up check.
start_agent() {
  GITOPS_SPOOL_DIR="$WORK/spool" "$gs" watch --config "$t/gitops-status.yaml" --schedule "$2" --retries 0 >"$1" 2>&1 &
  AGENT=$!
  PIDS+=("$AGENT")
  for _ in $(seq 1200); do grep -q "run 1:" "$1" && return 0; kill -0 "$AGENT" 2>/dev/null || break; sleep 0.1; done
  echo "the agent did not finish its first check: $(cat "$1")" >&2
  return 1
}

write_config true realtime-lab
start_agent "$WORK/realtime.log" "0 0 * * *"
python3 bench/realtime/measure.py realtime "$url" realtime-lab "$t/actual" "$AGENT" "$WORK/realtime.log" >"$WORK/realtime.json"
stop_pid "$AGENT"

# The same tree as an SSH target: a loopback sshd, inotifywait on the host, a recheck over a new connection per change.
source bench/sshd.sh
start_sshd "$WORK/ssh"
PIDS+=("$SSHD_PID")
write_config true ssh-lab "ssh: $SSH_USER@127.0.0.1:$SSH_PORT
    root: $t/actual
    key: $SSH_KEY
    known_hosts: $SSH_KNOWN_HOSTS"
start_agent "$WORK/ssh.log" "0 0 * * *"
python3 bench/realtime/measure.py ssh "$url" ssh-lab "$t/actual" "$AGENT" "$WORK/ssh.log" >"$WORK/ssh.json"
stop_pid "$AGENT"
ssh_true_ms=$(python3 -c 'import subprocess,sys,time,statistics
ts=[]
for _ in range(10):
    s=time.monotonic(); subprocess.run(sys.argv[1:], check=True); ts.append(time.monotonic()-s)
print(round(statistics.median(ts)*1000))' ssh $SSH_OPTS "$SSH_USER@127.0.0.1" true)

# The scheduled mode (no realtime) on a 10 s schedule: what a change waits for without events.
write_config false scheduled-lab
start_agent "$WORK/scheduled.log" "*/10 * * * * *"
python3 bench/realtime/measure.py scheduled "$url" scheduled-lab "$t/actual" "$AGENT" "$WORK/scheduled.log" >"$WORK/scheduled.json"
stop_pid "$AGENT"

python3 bench/realtime/report.py "$WORK/realtime.json" "$WORK/scheduled.json" "$version" "$machine" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$(grep -m1 'realtime: watching' "$WORK/realtime.log" | sed 's/.*realtime: //')" "$WORK/ssh.json" "$ssh_true_ms" >bench/results/realtime.md
cat bench/results/realtime.md
