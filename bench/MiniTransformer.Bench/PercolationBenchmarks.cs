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

    private ClusterSet _set = null!;
    private readonly GrowthScratch _scratch = new();
    private float[] _values = [];

    [GlobalSetup]
    public void Setup()
    {
        _set = BetheClusterGenerator.Generate(Spec, Threads);
        _values = new float[_set.Info.Sizes.Max()];
        Console.WriteLine($"// bethe: grown_sites = {_set.Info.GrownSites}, kept {_set.Count} clusters / {_set.TotalSites} sites, discarded {_set.Info.Discarded}, trials {_set.Info.Trials}");
    }

    [Benchmark]
    public long BetheGenerate() => BetheClusterGenerator.Generate(Spec, Threads).Info.GrownSites;

    /// <summary>The growth part alone: the same trials, one thread (sites/s = grown_sites / time).</summary>
    [Benchmark]
    public long BetheGrowOnly()
    {
        var growth = new BetheGrowth(Spec.Z, Spec.P, Spec.Seed);
        long grown = 0;
        for (long t = 0; t < _set.Info.Trials; t++)
        {
            int size = growth.Grow(t, Spec.MaxSize, _scratch);
            grown += size < 0 ? Spec.MaxSize : size;
        }
        return grown;
    }

    /// <summary>The target part alone: random walks of the kept clusters, one thread (sites/s = kept sites / time).</summary>
    [Benchmark]
    public float BetheTargetsOnly()
    {
        for (int k = 0; k < _set.Count; k++)
            RandomWalkTarget.Compute(_set.ParentsOf(k), Spec.Seed, (ulong)_set.Info.ClusterIds[k], _values);
        return _values[0];
    }

    [Benchmark]
    public int NewmanZiffSweep512() => NewmanZiffSweep.Run(_square, 1).FirstSpanning;
}
