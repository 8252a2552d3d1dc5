#!/usr/bin/env bash
# Checker benchmark: `gitops-status check` against `rsync -n -r -c --delete -i` (locally and over SSH to a
# loopback sshd this script starts) on deterministic trees of 1,000 and 10,000 config-like files, and against
# `ansible-playbook --check --diff` (copy module) on a 100-file tree over the same sshd. Writes
# bench/results/check.md. Usage: bench/check/run.sh [runs-per-command]   (needs root for sshd; apt for tools)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
runs=${1:-10}

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v rsync >/dev/null || need+=(rsync)
command -v ansible-playbook >/dev/null || need+=(ansible)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]}" >&2
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/gitops-status-bench.XXXXXX)
sshd_pid=""
cleanup() {
  [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The benchmarked tool is what a user installs: the packages scripts/release.sh packs, installed with
# `dotnet tool install` (which picks the Native AOT linux-x64 package), exactly as the README says.
echo "Packing and installing gitops-status (scripts/release.sh, dotnet tool install)…" >&2
scripts/release.sh --rid linux-x64 --out "$work/release" >/dev/null 2>"$work/release.log" || { cat "$work/release.log" >&2; exit 1; }
dotnet tool install GitOpsStatus.Cli --tool-path "$work/tools" --source "$work/release/packages" >/dev/null
gs="$work/tools/gitops-status"
"$gs" --version | tee "$work/version.txt" >&2

for n in 100 1000 10000; do python3 bench/check/make-tree.py "$work/t$n" "$n" >&2; done

# A loopback sshd with its own host key, user key and known_hosts.
source bench/sshd.sh
start_sshd "$work/ssh"
sshd_pid=$SSHD_PID port=$SSH_PORT user=$SSH_USER ssh_opts=$SSH_OPTS

check_args="--repo bench --server lab --extra --no-send --format json"
for n in 1000 10000; do
  t="$work/t$n"
  hyperfine -N -w 2 -r "$runs" --export-json "$work/local-$n.json" \
    -n "gitops-status check" "$gs check $check_args --desired $t/desired --actual $t/actual" \
    -n "rsync -n -r -c --delete -i" "rsync -n -r -c --delete -i $t/desired/ $t/actual/" >&2
  hyperfine -w 2 -r "$runs" --export-json "$work/ssh-$n.json" \
    -n "gitops-status check" "$gs check $check_args --desired $t/desired --actual ssh://$user@127.0.0.1:$port$t/actual --ssh-key $work/ssh/user --known-hosts $work/ssh/known_hosts >/dev/null" \
    -n "rsync -n -r -c --delete -i" "rsync -n -r -c --delete -i -e 'ssh $ssh_opts' $t/desired/ $user@127.0.0.1:$t/actual/ >/dev/null" >&2
done
hyperfine -N -w 2 -r "$runs" --export-json "$work/ssh-bare.json" -n "ssh host true" "ssh $ssh_opts $user@127.0.0.1 true" >&2
# Start-up: what a cron run pays before any work.
hyperfine -N -w 3 -r "$runs" --export-json "$work/startup.json" -n "gitops-status --version" "$gs --version" -n "gitops-status --help" "$gs --help" >&2

# Ansible's check mode with the copy module, one task iteration per file, over the same sshd.
t="$work/t100"
cat >"$work/inventory.ini" <<INV
lab ansible_host=127.0.0.1 ansible_port=$port ansible_user=$user ansible_ssh_private_key_file=$work/ssh/user ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='-o UserKnownHostsFile=$work/ssh/known_hosts -o StrictHostKeyChecking=yes'
INV
cat >"$work/check.yml" <<YML
- hosts: lab
  gather_facts: false
  tasks:
    - name: config files match the repo
      ansible.builtin.copy:
        src: "{{ item }}"
        dest: "$t/actual/svc000/{{ item | basename }}"
      loop: "{{ query('ansible.builtin.fileglob', '$t/desired/svc000/*') }}"
YML
hyperfine -r 1 --export-json "$work/ansible-100.json" -i \
  -n "ansible-playbook --check --diff" "ANSIBLE_HOST_KEY_CHECKING=True ansible-playbook -i $work/inventory.ini --check --diff $work/check.yml >/dev/null" >&2
hyperfine -w 2 -r "$runs" --export-json "$work/gs-100.json" \
  -n "gitops-status check" "$gs check $check_args --desired $t/desired --actual ssh://$user@127.0.0.1:$port$t/actual --ssh-key $work/ssh/user --known-hosts $work/ssh/known_hosts >/dev/null" >&2

python3 bench/check/report.py "$work" "$runs" >bench/results/check.md
cat bench/results/check.md
