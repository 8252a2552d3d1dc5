#!/usr/bin/env python3
"""Writes bench/results/realtime.md from measure.py's JSON (bench/realtime/run.sh)."""
import json
import sys
import time

realtime, scheduled = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
version, machine, load_after, watching = sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
ssh, ssh_true_ms = json.load(open(sys.argv[7]))["latency"], sys.argv[8]
lat, idle, burst, sch = realtime["latency"], realtime["idle"], realtime["burst"], scheduled["latency"]


def met(ok):
    return "met" if ok else "MISSED"


print(f"""# Realtime agent benchmark (issue 22)

Produced by `nice -n 19 bench/realtime/run.sh` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {machine}; load average at the end {load_after}.
Everything ran under `nice -n 19` on a machine shared with other work, so the figures are upper bounds of what an idle host shows.
`{version}` (Native AOT, `dotnet publish -r linux-x64`), `watch --realtime` on a local target of {realtime['files']:,} config files
(`bench/check/make-tree.py`, 100 directories), {watching}; the status server is the Release build with SQLite on loopback.
Latency is from the write (Python `open`/`write`/`close`) to the first `GET /status.json` (polled every 5 ms) that shows the file
OUT_OF_SYNC by name, or the target SYNCED again after the revert.

| measure | result | bound (issue 22) | |
|---|---|---|---|
| edit → OUT_OF_SYNC, median of {lat['edit']['count']} | {lat['edit']['median_ms']} ms | < 500 ms (stretch < 100 ms) | {met(lat['edit']['median_ms'] < 500)} |
| edit → OUT_OF_SYNC, worst of {lat['edit']['count']} | {lat['edit']['worst_ms']} ms | < 1,500 ms | {met(lat['edit']['worst_ms'] < 1500)} |
| revert → SYNCED, median of {lat['revert']['count']} | {lat['revert']['median_ms']} ms | as fast | {met(lat['revert']['median_ms'] < 500)} |
| revert → SYNCED, worst of {lat['revert']['count']} | {lat['revert']['worst_ms']} ms | < 1,500 ms | {met(lat['revert']['worst_ms'] < 1500)} |
| idle CPU over 60 s, {realtime['files']:,} files watched | {idle['cpu_percent_of_one_core']} % of one core | < 1 % | {met(idle['cpu_percent_of_one_core'] < 1)} |
| RSS idle (peak so far) | {idle['rss_mb']} MB ({idle['peak_rss_mb']} MB) | < 100 MB | {met(idle['peak_rss_mb'] < 100)} |
| burst of {burst['writes']:,} writes (one per file, {burst['write_s']} s) | {burst['reports']} reports; all {burst['writes']:,} OUT_OF_SYNC {burst['to_final_state_s']} s after the first write | bounded, correct final state | {met(burst['reports'] < 100)} |
| the burst reverted | {burst['revert_reports']} reports; SYNCED {burst['revert_to_synced_s']} s after the first write | correct final state | met |
| peak RSS after the bursts | {burst['peak_rss_mb']} MB | < 100 MB | {met(burst['peak_rss_mb'] < 100)} |

The same tree as an **SSH target** (a loopback sshd started by the script; `inotifywait` streams the host's events over one
long-lived session, and each change is rechecked over a new connection, so every figure includes an SSH login, which takes
{ssh_true_ms} ms here as `ssh host true`): edit → OUT_OF_SYNC median {ssh['edit']['median_ms']} ms, worst {ssh['edit']['worst_ms']} ms;
revert → SYNCED median {ssh['revert']['median_ms']} ms, worst {ssh['revert']['worst_ms']} ms, over {ssh['edit']['count']} of each.

The same tree without realtime, `watch --schedule "*/10 * * * * *"` (a full check every 10 s): edit → OUT_OF_SYNC median
{sch['edit']['median_ms'] / 1000:.1f} s, worst {sch['edit']['worst_ms'] / 1000:.1f} s over {sch['edit']['count']} edits (revert → SYNCED median
{sch['revert']['median_ms'] / 1000:.1f} s); each edit is made just after the run that showed the previous one, so it waits
nearly a whole period: the worst case, where a random moment waits half a period on average. With the default `*/2 * * * *` schedule a change waits for the next run: on average half of
120 s, at worst 120 s plus the check (issue 22 measured 116.6 s).

Anchors (documented, not measured here): Wazuh FIM realtime mode (inotify) reports a change in about 2 s; Salt's inotify
beacon about 1 s. Neither names a git revision; Wazuh names the user only with auditd "who-data".
""")
