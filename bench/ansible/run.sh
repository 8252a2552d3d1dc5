#!/usr/bin/env bash
# How long `gitops-status ansible --from` takes to turn a large ansible.posix.json output into reports:
# HOSTS hosts × TASKS file tasks, every 10th result changed with a 40-line before/after. Writes bench/results/ansible.md.
#   bench/ansible/run.sh [HOSTS=500] [TASKS=20] [RUNS=5]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
hosts="${1:-500}" tasks="${2:-20}" runs="${3:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$hosts" "$tasks" > "$work/out.json" <<'PY'
import json, sys
hosts, tasks = int(sys.argv[1]), int(sys.argv[2])
before = "".join(f"line {i}\n" for i in range(40))
after = before.replace("line 7\n", "line 7 changed\n")
plays = {"play": {"name": "bench", "duration": {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T00:01:00Z"}}, "tasks": []}
for t in range(tasks):
    results = {}
    for h in range(hosts):
        dest = f"/etc/app/{t}.conf"
        if (h + t) % 10 == 0:
            results[f"host-{h}"] = {"action": "copy", "changed": True, "dest": dest,
                                    "diff": [{"before": before, "after": after, "before_header": dest, "after_header": "src"}]}
        else:
            results[f"host-{h}"] = {"action": "copy", "changed": False, "dest": dest, "diff": {"before": {"path": dest}, "after": {"path": dest}}}
    plays["tasks"].append({"task": {"name": f"task {t}"}, "hosts": results})
stats = {f"host-{h}": {"ok": tasks, "changed": 0, "failures": 0, "unreachable": 0} for h in range(hosts)}
print(json.dumps({"plays": [plays], "stats": stats}))
PY

dotnet build "$root/src/GitOpsStatus.Cli" -c Release -v q -nologo >/dev/null
cli="$root/src/GitOpsStatus.Cli/bin/Release/net10.0/gitops-status"
size=$(stat -c %s "$work/out.json")
times=()
for _ in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  "$cli" ansible --from "$work/out.json" --repo bench --format json --no-send > "$work/reports.json" || true
  times+=($(( ($(date +%s%N) - start) / 1000000 )))
done
reports=$(python3 -c "import json,sys; r=json.load(open('$work/reports.json')); print(len(r), sum(x['drift_count'] for x in r))")
sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
mkdir -p "$root/bench/results"
cat > "$root/bench/results/ansible.md" <<MD
# gitops-status ansible --from: parse time

Command: \`bench/ansible/run.sh $hosts $tasks $runs\` ($(date -u +%Y-%m-%d), $(nproc) cores shared with other builds).

| input | reports (hosts, drifted files) | wall time per run, process start included (ms, sorted) | median |
| --- | --- | --- | --- |
| $hosts hosts × $tasks tasks, $(( size / 1024 / 1024 )) MiB of JSON | $reports | $sorted | $median ms |
MD
cat "$root/bench/results/ansible.md"
