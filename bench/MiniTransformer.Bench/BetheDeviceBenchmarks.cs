using BenchmarkDotNet.Attributes;
using MiniTransformer.Compute;
using MiniTransformer.Percolation;

namespace MiniTransformer.Bench;

/// <summary>
/// Bethe-lattice generation with <see cref="PercolationBenchmarks"/>' spec (z = 200, p = p_c, min 100, max 10^5, 100
/// clusters) grown level-parallel as kernels (<see cref="DeviceBetheGrowth"/>) on every backend available here, beside
/// the CPU-thread generator on one thread (the baseline). Sites/s = the grown_sites printed in the setup / mean.
/// Run: dotnet run -c Release --project bench/MiniTransformer.Bench -- --filter '*BetheDevice*' --job short
/// </summary>
public class BetheDeviceBenchmarks
{
    private static readonly BetheSpec Spec = new(200, 1.0 / 199, MinSize: 100, MaxSize: 100_000, Clusters: 100, Seed: 0);

    public static IEnumerable<string> AvailableBackends() => DeviceOpBenchmarks.AvailableBackends();

    [ParamsSource(nameof(AvailableBackends))]
    public string Backend { get; set; } = "cpu";

    private ComputeBackend _backend = null!;

    [GlobalSetup]
    public void Setup()
    {
        _backend = Backends.Create(Backends.Parse(Backend));
        Console.WriteLine($"// bethe on {Backend}: grown_sites = {BetheClusterGenerator.Generate(Spec, backend: _backend).Info.GrownSites}");
    }

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    [Benchmark]
    public long GenerateOnBackend() => BetheClusterGenerator.Generate(Spec, backend: _backend).Info.GrownSites;

    /// <summary>The CPU generator on one thread (the same for every Backend value).</summary>
    [Benchmark(Baseline = true)]
    public long GenerateOnCpuThreads() => BetheClusterGenerator.Generate(Spec, maxThreads: 1).Info.GrownSites;
}
