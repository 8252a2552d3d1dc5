#!/usr/bin/env bash
# Exercises deploy/Dockerfile without a Docker engine: copies the files its COPY lines take into a
# clean directory, runs the Dockerfile's own `dotnet publish` line there (only /app/publish is
# replaced by a temp directory), then starts the output the way the image does (ASPNETCORE_URLS,
# GITOPS_DATA_DIR, dotnet gitops-status-server.dll) on a free 127.0.0.1 port and checks /healthz,
# /readyz and the dashboard. Exit 0 when all answer.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

publish=$(grep -A1 '^# publish-command' "$root/deploy/Dockerfile" | sed -n 's/^RUN //p')
[ -n "$publish" ] || { echo "deploy/Dockerfile has no RUN line after '# publish-command'" >&2; exit 1; }

mkdir -p "$work/src" "$work/out" "$work/data"
cp "$root/global.json" "$root/Directory.Build.props" "$root/Directory.Packages.props" "$root/.editorconfig" "$work/src/"
(cd "$root" && tar --exclude='bin' --exclude='obj' --exclude='data' -cf - src) | tar -xf - -C "$work/src"

echo "publish: ${publish/\/app\/publish/$work/out}" >&2
(cd "$work/src" && eval "${publish/\/app\/publish/$work/out}") > "$work/publish.log" 2>&1 || { cat "$work/publish.log" >&2; exit 1; }
[ -f "$work/out/gitops-status-server.dll" ] || { echo "publish produced no gitops-status-server.dll" >&2; exit 1; }
# Nothing from the build context's sources may leak into the image but the app.
[ ! -d "$work/out/Dashboard" ] || { echo "publish output holds source folders" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
(cd "$work/out" && ASPNETCORE_URLS="http://127.0.0.1:$port" GITOPS_DATA_DIR="$work/data" DOTNET_EnableDiagnostics=0 \
  exec dotnet gitops-status-server.dll) > "$work/server.log" 2>&1 &
pid=$!

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "the published server exited" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/healthz" | grep -qx ok || { cat "$work/server.log" >&2; echo "/healthz did not answer ok" >&2; exit 1; }
curl -fsS "http://127.0.0.1:$port/readyz" | grep -qx ready || { echo "/readyz did not answer ready" >&2; exit 1; }
curl -fsS "http://127.0.0.1:$port/" | grep '<table class="targets">' >/dev/null || { echo "/ did not render the dashboard" >&2; exit 1; }
curl -fsS "http://127.0.0.1:$port/assets/dashboard.css" | grep -- '--synced' >/dev/null || { echo "the embedded stylesheet is missing" >&2; exit 1; }
[ -f "$work/data/gitops-status.db" ] || { echo "no database under GITOPS_DATA_DIR" >&2; exit 1; }
echo "published server answered /healthz, /readyz and / on 127.0.0.1:$port"
