using BenchmarkDotNet.Running;
using MiniTransformer.Bench;

// Every suite in this assembly is reachable by name: `dotnet run -c Release --project bench/MiniTransformer.Bench -- --filter '*Walk*'`.
// `-- gemm-cputime [rounds] [shape regex]`: the GEMM shapes on one thread in CPU time (see GemmCpuTime).
if (args.Length > 0 && args[0] == "gemm-cputime") GemmCpuTime.Run(args[1..]);
else BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
