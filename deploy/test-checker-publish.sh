#!/usr/bin/env bash
# Exercises deploy/checker.Dockerfile without a Docker engine, as test-publish.sh does the server's: copies what its
# COPY lines take into a clean directory, runs the Dockerfile's own `dotnet publish` line there (only /app/publish is
# replaced by a temp directory), then runs the binary the image would hold with no .NET in reach (--version must name
# the Native AOT build; a local check must pass) and checks that every package the runtime stage installs exists in
# Debian. Exit 0 when all hold.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dockerfile="$root/deploy/checker.Dockerfile"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

publish=$(grep -A1 '^# publish-command' "$dockerfile" | sed -n 's/^RUN //p')
[ -n "$publish" ] || { echo "deploy/checker.Dockerfile has no RUN line after '# publish-command'" >&2; exit 1; }

mkdir -p "$work/src" "$work/out"
cp "$root/global.json" "$root/Directory.Build.props" "$root/Directory.Packages.props" "$root/.editorconfig" "$work/src/"
(cd "$root" && tar --exclude='bin' --exclude='obj' --exclude='data' -cf - src) | tar -xf - -C "$work/src"

echo "publish: ${publish/\/app\/publish/$work/out}" >&2
(cd "$work/src" && eval "${publish/\/app\/publish/$work/out}") >"$work/publish.log" 2>&1 || { cat "$work/publish.log" >&2; exit 1; }
bin="$work/out/gitops-status"
[ -x "$bin" ] || { echo "publish produced no gitops-status binary" >&2; ls -l "$work/out" >&2; exit 1; }
# The runtime stage copies this one file: nothing else may be needed beside it.
[ "$(ls "$work/out")" = gitops-status ] || { echo "publish output holds more than the binary: $(ls "$work/out")" >&2; exit 1; }

version=$(env -i PATH=/nonexistent "$bin" --version)
case "$version" in
  *"(Native AOT, linux-"*) ;;
  *) echo "the image's binary answered --version with '$version'; expected the Native AOT build" >&2; exit 1 ;;
esac
mkdir -p "$work/t/desired" "$work/t/actual"
echo x >"$work/t/desired/a.conf"
echo x >"$work/t/actual/a.conf"
env -i PATH=/nonexistent "$bin" check --repo image --server image --desired "$work/t/desired" --actual "$work/t/actual" --no-send >/dev/null

# Every package the runtime stage installs (with ANSIBLE=true) must be one Debian has.
packages=$(sed -n '/^FROM debian/,$p' "$dockerfile" | grep -o 'install -y --no-install-recommends [^$]*' | sed 's/install -y --no-install-recommends //')
for p in $packages ansible; do
  apt-cache show "$p" >/dev/null 2>&1 || { echo "the runtime stage installs '$p', which apt-cache does not know" >&2; exit 1; }
done
echo "checker image: published $version; runtime packages $packages ansible exist"
