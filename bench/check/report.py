#!/usr/bin/env python3
"""Turns the hyperfine JSON exports of run.sh into bench/results/check.md."""
import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone

work, runs = sys.argv[1], sys.argv[2]


def load(name):
    with open(os.path.join(work, name + ".json")) as f:
        return {r["command"]: r for r in json.load(f)["results"]}


def ms(r):
    return f"{r['mean'] * 1000:.0f} ms ± {r['stddev'] * 1000:.0f}" if r.get("stddev") is not None else f"{r['mean'] * 1000:.0f} ms"


def cpu(r):
    """Mean user + system CPU of the local processes (for SSH, the remote side's work is not in it)."""
    return f"{(r['user'] + r['system']) * 1000:.0f} ms"


def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "?"


out = ["# Checker benchmark", "",
       f"Produced by `bench/check/run.sh {runs}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
       f"{os.cpu_count()} cores, {platform.platform()}; {version(['rsync', '--version'])}; "
       f"{version(['ansible-playbook', '--version'])}; {version(['hyperfine', '--version'])}; "
       f"load average at the end {os.getloadavg()[0]:.1f} (other work on the machine widens the ± figures).",
       f"gitops-status is the tool as a user installs it: the packages `scripts/release.sh` makes, installed with "
       f"`dotnet tool install` (`{open(os.path.join(work, 'version.txt')).read().strip()}`). Trees are deterministic "
       "(`bench/check/make-tree.py`): config-like files of about 0.3–1 KiB in N/100 directories, with 1 % modified, "
       "0.5 % missing and 0.5 % extra on the actual side. Both tools compare by content (`rsync -c`, SHA-256) and "
       "report extra files (`--delete`, `--extra`). gitops-status also builds a unified diff of every modified file. "
       "Ratio = gitops-status time / the peer's time (≤ 1.0 means at least as fast).", ""]
verdicts = []
out += ["| files | where | gitops-status check | rsync -n -r -c --delete -i | ratio | target | CPU (user+sys) gitops-status / rsync |",
        "|---|---|---|---|---|---|---|"]
for n in (1000, 10000):
    for where, name in (("local", "local"), ("SSH (loopback sshd)", "ssh")):
        r = load(f"{name}-{n}")
        gs, rs = r["gitops-status check"], r["rsync -n -r -c --delete -i"]
        ratio = gs["mean"] / rs["mean"]
        ok = ratio <= 1.0
        verdicts.append(ok)
        out.append(f"| {n:,} | {where} | {ms(gs)} | {ms(rs)} | {ratio:.2f}× | {'met' if ok else 'MISSED'} (≤ 1.0×) | {cpu(gs)} / {cpu(rs)} |")
bare = load("ssh-bare")["ssh host true"]
start = load("startup")
out += ["", f"Start-up of the installed tool: `gitops-status --version` {ms(start['gitops-status --version'])}, "
        f"`gitops-status --help` {ms(start['gitops-status --help'])}."]
out += ["", f"A bare `ssh host true` to the same sshd takes {ms(bare)}: that much of every SSH figure is the connection itself.", ""]
a = load("ansible-100")["ansible-playbook --check --diff"]
g = load("gs-100")["gitops-status check"]
speedup = a["mean"] / g["mean"]
verdicts.append(speedup >= 100)
out += ["| files | where | gitops-status check | ansible-playbook --check --diff (copy) | speed-up | target |", "|---|---|---|---|---|---|",
        f"| 100 | SSH (loopback sshd) | {ms(g)} | {ms(a)} (1 run) | {speedup:.0f}× | {'met' if speedup >= 100 else 'MISSED'} (≥ 100×) |", ""]
out.append("All targets met." if all(verdicts) else "Not every target was met in this run; see the MISSED rows.")
print("\n".join(out))
