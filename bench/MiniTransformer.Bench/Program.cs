using BenchmarkDotNet.Running;

// Every suite in this assembly is reachable by name: `dotnet run -c Release --project bench/MiniTransformer.Bench -- --filter '*Walk*'`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
