#!/usr/bin/env python3
"""Measures a running `gitops-status watch` agent against the status server (bench/realtime/run.sh starts both).

measure.py MODE URL SERVER ACTUAL_DIR AGENT_PID AGENT_LOG  ->  JSON on stdout.
MODE realtime: 20 edits and 20 reverts (write -> /status.json latency), idle CPU over 60 s and RSS, a burst of
10,000 writes and its revert (reports sent, time to the right final state). MODE ssh: 20 edits and reverts only (an
SSH target, its files written here on the loopback "host"). MODE scheduled: 5 edits and reverts only.
"""
import json
import os
import statistics
import sys
import time
import urllib.request

mode, url, server, actual, pid, log = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(actual) for f in fs)
ticks = os.sysconf("SC_CLK_TCK")


def row():
    with urllib.request.urlopen(url + "/status.json", timeout=10) as r:
        for item in json.load(r):
            if item["server"] == server:
                return item
    return None


def until(condition, bound=180.0):
    start = time.monotonic()
    while time.monotonic() - start < bound:
        r = row()
        if r is not None and condition(r):
            return time.monotonic()
        time.sleep(0.005)
    raise SystemExit(f"{server}: /status.json did not reach the expected state within {bound} s")


def cpu_seconds():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks


def status_kb(name):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def reports():
    return sum(1 for line in open(log) if "change: " in line or "events lost" in line)


def latencies(count):
    edits, reverts = [], []
    for i in range(count):
        path = files[(i * 487) % len(files)]
        name = "/" + os.path.relpath(path, actual)
        original = open(path).read()
        start = time.monotonic()
        with open(path, "w") as f:
            f.write(f"edited {i}\n")
        edits.append(until(lambda r: r["sync_status"] == "OUT_OF_SYNC" and name in r["files"].split(", ")) - start)
        start = time.monotonic()
        with open(path, "w") as f:
            f.write(original)
        reverts.append(until(lambda r: r["sync_status"] == "SYNCED") - start)
    ms = lambda xs: {"median_ms": round(statistics.median(xs) * 1000, 1), "worst_ms": round(max(xs) * 1000, 1), "count": len(xs)}
    return {"edit": ms(edits), "revert": ms(reverts)}


out = {"mode": mode, "files": len(files)}
if mode in ("scheduled", "ssh"):
    out["latency"] = latencies(5 if mode == "scheduled" else 20)
    print(json.dumps(out))
    sys.exit(0)

out["latency"] = latencies(20)
time.sleep(2)
before, at = cpu_seconds(), time.monotonic()
time.sleep(60)
out["idle"] = {"cpu_percent_of_one_core": round((cpu_seconds() - before) / (time.monotonic() - at) * 100, 3),
               "rss_mb": round(status_kb("VmRSS") / 1024, 1), "peak_rss_mb": round(status_kb("VmHWM") / 1024, 1)}

originals = {p: open(p).read() for p in files}
sent = reports()
start = time.monotonic()
for p in files:
    with open(p, "a") as f:
        f.write("# burst\n")
wrote = time.monotonic() - start
done = until(lambda r: r["sync_status"] == "OUT_OF_SYNC" and r["drift_count"] == len(files))
burst = {"writes": len(files), "write_s": round(wrote, 2), "to_final_state_s": round(done - start, 2)}
time.sleep(2)
burst["reports"] = reports() - sent
sent = reports()
start = time.monotonic()
for p, text in originals.items():
    with open(p, "w") as f:
        f.write(text)
done = until(lambda r: r["sync_status"] == "SYNCED")
time.sleep(2)
burst["revert_to_synced_s"] = round(done - start, 2)
burst["revert_reports"] = reports() - sent
burst["peak_rss_mb"] = round(status_kb("VmHWM") / 1024, 1)
out["burst"] = burst
print(json.dumps(out))
