#!/usr/bin/env bash
# Packs what a GPU machine without the .NET SDK needs to run the tests, benchmarks and CLI: the .NET runtime of this
# machine and framework-dependent builds of the three projects, as two tar.xz files under OUT (default .gpu/, which
# should be git-ignored). Unpack and run there with tools/gpu/run.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.gpu}
mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dotnet publish tests/MiniTransformer.Tests -c Release -o "$stage/tests" >/dev/null
dotnet publish bench/MiniTransformer.Bench -c Release -o "$stage/bench" >/dev/null
dotnet publish src/MiniTransformer.Cli -c Release -o "$stage/cli" >/dev/null
# Only linux-x64 native assets, no satellite resources (cs/, de/, pt-BR/, …) and no coverage tooling: they are
# most of the size. kernels/ and the tests' Fixtures/ stay.
for d in "$stage"/tests "$stage"/bench "$stage"/cli; do
  find "$d" -mindepth 1 -maxdepth 1 -type d \( -name '??' -o -name '??-*' -o -name CodeCoverage -o -name InstrumentationEngine \
    -o -name alpine -o -name arm64 -o -name macos -o -name ubuntu -o -name x64 -o -name x86 \) -exec rm -rf {} +
  if [ -d "$d/runtimes" ]; then find "$d/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +; fi
done
tar cJf "$out/builds.tar.xz" -C "$stage" tests bench cli
root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime=$(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ {print $2}' | tail -n 1)
tar cf - -C "$root" dotnet host/fxr "shared/Microsoft.NETCore.App/$runtime" | xz -T0 -6 > "$out/dotnet-runtime.tar.xz"
ls -la "$out"
