#!/usr/bin/env python3
"""POSTs N drift reports (one per target) to a running gitops-status-server, over keep-alive
connections from a few threads. Roughly 1 in 10 targets is OUT_OF_SYNC with two files, 1 in 50
UNKNOWN, the rest SYNCED; every report has interval_seconds=120 and last_check = now.
With FILES > 0 every target is OUT_OF_SYNC with FILES drifted files instead: config-tree names
(~31 characters), half of them modified with a short unified diff, the rest missing, extra or mode.

  seed.py HOST PORT TARGETS [THREADS] [FILES]"""
import http.client, json, sys, threading, datetime

host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 16
files_per_target = int(sys.argv[5]) if len(sys.argv) > 5 else 0
now = datetime.datetime.now(datetime.timezone.utc).isoformat()
errors = []

def drifted_files(i):
    components = ["nginx", "rsyslog", "sshd", "postfix", "haproxy", "systemd", "sysctl.d", "logrotate.d"]
    files = []
    for f in range(files_per_target):
        name = f"etc/{components[f % len(components)]}/conf.d/{f:04d}-site-{i % 97:02d}.conf"
        kind = ["modified", "missing", "modified", "extra", "modified", "mode", "modified", "missing", "modified", "extra"][f % 10]
        entry = {"name": name, "change": kind}
        if kind == "modified":
            entry["diff"] = f"--- a/{name}\n+++ b/{name}\n@@ -3 +3 @@\n-worker_connections 512;\n+worker_connections {1024 + f};\n"
        files.append(entry)
    return files

def report(i):
    if files_per_target > 0:
        repo, server = f"infra/repo-{i // 1000:03d}", f"server-{i:06d}"
        files = drifted_files(i)
        return {"repo": repo, "server": server, "sync_status": "OUT_OF_SYNC", "drift_count": len(files), "files": files, "last_check": now, "interval_seconds": 120, "revision": "4f2a9c1"}
    repo, server = f"infra/repo-{i // 1000:03d}", f"server-{i:06d}"
    if i % 50 == 7:
        return {"repo": repo, "server": server, "sync_status": "UNKNOWN", "error": "ssh: connection refused", "last_check": now, "interval_seconds": 120}
    if i % 10 == 3:
        files = [{"name": "etc/rsyslog.conf", "change": "modified", "diff": "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n"}, {"name": "etc/app.conf", "change": "missing"}]
        return {"repo": repo, "server": server, "sync_status": "OUT_OF_SYNC", "drift_count": 2, "files": files, "last_check": now, "interval_seconds": 120, "revision": "4f2a9c1"}
    return {"repo": repo, "server": server, "sync_status": "SYNCED", "drift_count": 0, "files": [], "last_check": now, "interval_seconds": 120, "revision": "4f2a9c1"}

def worker(k):
    conn = http.client.HTTPConnection(host, port, timeout=60)
    for i in range(k, total, threads):
        conn.request("POST", "/api/status", json.dumps(report(i)), {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            errors.append(response.status)

workers = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
if errors:
    sys.exit(f"{len(errors)} reports were refused, e.g. HTTP {errors[0]}")
