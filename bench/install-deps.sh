#!/usr/bin/env bash
# Installs, with apt-get, what the benchmarks run beside our own binaries, skipping what is there:
# the peers (Pushgateway, rsync, ansible), the load tools (wrk, hyperfine) and inotifywait (the realtime SSH host).
set -euo pipefail
packages=(wrk hyperfine prometheus-pushgateway rsync ansible openssh-server curl python3 inotify-tools)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
