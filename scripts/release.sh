#!/usr/bin/env bash
# Builds every release artifact of the checker into artifacts/ (or --out DIR):
#   packages/GitOpsStatus.Cli.<v>.nupkg            the tool's pointer package (what `dotnet tool install` asks for)
#   packages/GitOpsStatus.Cli.<rid>.<v>.nupkg      the Native AOT binary per RID, picked by `dotnet tool install`
#   packages/GitOpsStatus.Cli.any.<v>.nupkg        the framework-dependent fallback for other platforms (needs .NET 10)
#   gitops-status-<v>-<rid>.tar.gz (+ .sha256)     the same AOT binary for hosts without .NET (the systemd agent)
#   SHA256SUMS                                     every file above
# Each binary is run before it is packed into a tarball: `--version` and a local check natively; linux-arm64 only
# `--version`, under qemu-user. Installs the compilers it needs with apt-get when missing (clang, lld; the aarch64 cross toolchain).
# Usage: scripts/release.sh [--rid RID]... [--out DIR] [--repository-url URL]
#   default RIDs: linux-x64 linux-arm64. linux-musl-x64 does not build here: NuGet serves no musl ILCompiler for .NET 10.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/artifacts"
rids=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rid) rids+=("$2"); shift 2 ;;
    --out) out="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --repository-url) extra+=("-p:RepositoryUrl=$2"); shift 2 ;;
    *) echo "release.sh: unknown argument '$1'; expected --rid RID, --out DIR or --repository-url URL" >&2; exit 2 ;;
  esac
done
[ ${#rids[@]} -gt 0 ] || rids=(linux-x64 linux-arm64)

need=()
command -v clang >/dev/null || need+=(clang)
command -v ld.lld >/dev/null || need+=(lld)
for rid in "${rids[@]}"; do
  case "$rid" in
    linux-x64) ;;
    linux-arm64)
      command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross)
      command -v qemu-aarch64 >/dev/null || need+=(qemu-user) ;;
    *) echo "release.sh: RID '$rid' is not built by this script; expected linux-x64 or linux-arm64" >&2; exit 2 ;;
  esac
done
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

project="$root/src/GitOpsStatus.Cli/GitOpsStatus.Cli.csproj"
version=$(dotnet msbuild "$project" -getProperty:Version)
packages="$out/packages"
rm -rf "$packages" "$out"/gitops-status-*.tar.gz* "$out/SHA256SUMS"
mkdir -p "$packages"
pack() { dotnet pack "$project" -c Release -o "$packages" -nologo -v quiet "${extra[@]}" "$@" >&2; }

echo "Packing GitOpsStatus.Cli $version: pointer and any" >&2
pack
pack -r any

smoke=$(mktemp -d)
trap 'rm -rf "$smoke"' EXIT
mkdir -p "$smoke/desired/etc" "$smoke/actual/etc"
echo "x" >"$smoke/desired/etc/a.conf"
echo "x" >"$smoke/actual/etc/a.conf"

for rid in "${rids[@]}"; do
  echo "Packing $rid (Native AOT)" >&2
  publish="$root/src/GitOpsStatus.Cli/bin/Release/net10.0/$rid/publish"
  rm -rf "$publish" # the package takes everything in it: no leftovers of an earlier build
  pack -r "$rid"
  bin="$publish/gitops-status"
  run=("$bin")
  [ "$rid" = linux-arm64 ] && [ "$(uname -m)" != aarch64 ] && run=("$(command -v qemu-aarch64)" -L /usr/aarch64-linux-gnu "$bin")
  # No .NET in reach: no DOTNET_ROOT, no dotnet on PATH.
  line=$(env -u DOTNET_ROOT PATH=/nonexistent "${run[@]}" --version)
  case "$line" in
    "gitops-status $version"*"(Native AOT, $rid)") echo "  $line" >&2 ;;
    *) echo "release.sh: the $rid binary answered --version with '$line'; expected the Native AOT build of $version" >&2; exit 1 ;;
  esac
  # A check too where the binary runs natively: under qemu-user a check does not finish (an emulator limit or an
  # arm64 fault: only arm64 hardware can tell), so the arm64 binary is started here, not exercised.
  if [ ${#run[@]} -eq 1 ]; then
    env -u DOTNET_ROOT PATH=/nonexistent "$bin" check --repo smoke --server smoke --desired "$smoke/desired" \
      --actual "$smoke/actual" --no-send >/dev/null
  fi

  stage="$smoke/$rid"
  mkdir -p "$stage"
  install -m 755 "$bin" "$stage/gitops-status"
  install -m 644 "$root/src/GitOpsStatus.Cli/README.md" "$stage/README.md"
  tarball="gitops-status-$version-$rid.tar.gz"
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$stage" -czf "$out/$tarball" gitops-status README.md
  (cd "$out" && sha256sum "$tarball" >"$tarball.sha256")
done

(cd "$out" && sha256sum packages/*.nupkg gitops-status-*.tar.gz >SHA256SUMS)
echo "Artifacts in $out:" >&2
(cd "$out" && ls -l packages/*.nupkg gitops-status-*.tar.gz SHA256SUMS) >&2
