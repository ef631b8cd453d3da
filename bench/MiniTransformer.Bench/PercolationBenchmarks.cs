using BenchmarkDotNet.Attributes;
using MiniTransformer.Percolation;

namespace MiniTransformer.Bench;

/// <summary>
/// Bethe-lattice cluster generation at z = 200, p = p_c (growth + random-walk targets of the kept clusters), the
/// workload of tools/percolation_reference.py with the same arguments. Sites/s = GrownSites (printed in the global
/// setup; a discarded cluster counts as max-size, as on the numpy side) / mean time. Also one Newman–Ziff sweep of
/// a 512² square lattice.
/// </summary>
[MemoryDiagnoser]
public class PercolationBenchmarks
{
    private static readonly BetheSpec Spec = new(200, 1.0 / 199, MinSize: 100, MaxSize: 100_000, Clusters: 100, Seed: 0);
    private readonly HypercubicLattice _square = new(2, 512, periodic: false);

    /// <summary>1: one core (numpy's binomial and normal draws are single-threaded); −1: all cores.</summary>
    [Params(1, -1)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var set = BetheClusterGenerator.Generate(Spec, Threads);
        Console.WriteLine($"// bethe: grown_sites = {set.Info.GrownSites}, kept {set.Count} clusters / {set.TotalSites} sites, discarded {set.Info.Discarded}, trials {set.Info.Trials}");
    }

    [Benchmark]
    public long BetheGenerate() => BetheClusterGenerator.Generate(Spec, Threads).Info.GrownSites;

    [Benchmark]
    public int NewmanZiffSweep512() => NewmanZiffSweep.Run(_square, 1).FirstSpanning;
}
