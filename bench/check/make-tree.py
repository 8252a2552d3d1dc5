#!/usr/bin/env python3
"""Deterministic desired/actual trees of config-like files for the checker benchmark.

make-tree.py OUT N  ->  OUT/desired and OUT/actual with N files in N/100 directories;
in actual: 1% modified, 0.5% missing, 0.5% extra (chosen by index, so every run is the same).
"""
import os
import sys

out, n = sys.argv[1], int(sys.argv[2])
keys = ["listen", "timeout", "workers", "log_level", "user", "path", "retries", "buffer", "enabled", "mode"]


def content(i):
    # 10-40 lines of key = value, like a small service config (about 1 KiB).
    lines = [f"# service {i} managed by git\n", f"[section-{i % 7}]\n"]
    for j in range(10 + i % 31):
        lines.append(f"{keys[(i + j) % len(keys)]} = value-{(i * 31 + j * 17) % 9973}\n")
    return "".join(lines)


def path(i):
    return f"svc{i % max(1, n // 100):03d}/conf-{i:05d}.conf"


for side in ("desired", "actual"):
    for i in range(n):
        p = os.path.join(out, side, path(i))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(content(i))

modified = range(0, n, 100)          # 1 %
missing = range(50, n, 200)          # 0.5 %
for i in modified:
    with open(os.path.join(out, "actual", path(i)), "a") as f:
        f.write("edited_by_hand = true\n")
for i in missing:
    os.remove(os.path.join(out, "actual", path(i)))
for k, i in enumerate(range(n, n + n // 200)):  # 0.5 % extra
    p = os.path.join(out, "actual", path(i).replace("conf-", "extra-"))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(content(i))
print(f"{out}: {n} files, {len(modified)} modified, {len(missing)} missing, {n // 200} extra")
