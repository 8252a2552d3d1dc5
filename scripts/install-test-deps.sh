#!/usr/bin/env bash
# Installs, with apt-get, the real components the test suite runs against, skipping what is
# already there: OpenSSH (sshd for the checker), Ansible, Chromium (dashboard tests),
# promtool (from Debian's prometheus package), PostgreSQL, rsync; clang and lld (the Native AOT builds of the release
# tests), systemd (systemd-analyze for the example unit), curl (the pipelines' tarball install), inotify-tools (inotifywait on
# the SSH host of the realtime agent's tests); then Spectral (npm)
# for the OpenAPI lint.
set -euo pipefail

packages=(openssh-server openssh-client ansible chromium prometheus postgresql rsync python3 git clang lld systemd curl inotify-tools)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Run as root or install sudo: the tests need ${missing[*]:-a test user}." >&2; exit 1; }
  sudo="sudo"
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing test dependencies: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PostgreSQL refuses to run as root: the tests start their throw-away clusters as this user.
id gitops-pg >/dev/null 2>&1 || $sudo useradd --system --no-create-home --shell /usr/sbin/nologin gitops-pg
# The checker's fault tests log in over SSH as a non-root user, for whom chmod 000 really means unreadable.
id gitops-check >/dev/null 2>&1 || $sudo useradd --system --no-create-home --home-dir / --shell /bin/sh --password '*' gitops-check

# Spectral, the OpenAPI linter OpenApiTests runs on the served document: npm's package, pinned in
# tests/spectral/package-lock.json, installed into tests/spectral/node_modules.
command -v npm >/dev/null || { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
[ -x "$(dirname "$0")/../tests/spectral/node_modules/.bin/spectral" ] || npm ci --prefix "$(dirname "$0")/../tests/spectral" --no-audit --no-fund --loglevel=error
