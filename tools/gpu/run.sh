#!/usr/bin/env bash
# On the GPU machine: unpacks what tools/gpu/pack.sh made (in DIR, default .gpu/) and runs the default test suite with
# CUDA required, the CUDA device-op benchmarks and two training-step profiles. Results go to $OUT (default ./gpu-out).
set -u
dir=${1:-.gpu}
out=${OUT:-$PWD/gpu-out}
mkdir -p "$out" /tmp/mt-dotnet /tmp/mt-builds
tar xJf "$dir/dotnet-runtime.tar.xz" -C /tmp/mt-dotnet
tar xJf "$dir/builds.tar.xz" -C /tmp/mt-builds
export DOTNET_ROOT=/tmp/mt-dotnet PATH=/tmp/mt-dotnet:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cli="dotnet /tmp/mt-builds/cli/MiniTransformer.Cli.dll"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
$cli devices | tee "$out/devices.txt"
(cd /tmp/mt-builds/tests && MT_REQUIRE_CUDA=1 timeout 600 dotnet MiniTransformer.Tests.dll -trait- Category=Slow -xml "$out/tests.xml" > "$out/tests.log" 2>&1)
grep -E "Total:|\[FAIL\]" "$out/tests.log"
for shape in "--vocab 1024 --width 128" "--vocab 8192 --width 512"; do
  for backend in cuda cpu; do timeout 120 $cli profile $shape --layers 2 --batch 32 --context 50 --backend $backend; done
done > "$out/profiles.txt" 2>&1
(cd /tmp/mt-builds/bench && MT_BENCH_BACKENDS=cuda timeout 420 dotnet MiniTransformer.Bench.dll --filter '*DeviceOp*' --job short --inProcess --artifacts "$out/bdn" > "$out/bench.log" 2>&1)
