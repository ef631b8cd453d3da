using BenchmarkDotNet.Attributes;
using MiniTransformer.Compute;
using MiniTransformer.Percolation;

namespace MiniTransformer.Bench;

/// <summary>
/// Cluster labelling at fixed p on every backend available here (cpu, opencl on PoCL; cuda on a GPU machine): a
/// periodic 1024² square lattice at p = 0.5927 and a periodic 64³ cubic one at p = 0.3116 (both near p_c, the
/// hardest case for label propagation), <see cref="ComputeBackend.LabelClusters"/> against the sequential union–find
/// it must equal (<see cref="ClusterLabelling.UnionFind"/>); sites/s = L^d / mean.
/// Run: dotnet run -c Release --project bench/MiniTransformer.Bench -- --filter '*ClusterLabelling*' --job short
/// </summary>
public class ClusterLabellingBenchmarks
{
    public static IEnumerable<string> AvailableBackends() => DeviceOpBenchmarks.AvailableBackends();

    [ParamsSource(nameof(AvailableBackends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>"2d": 1024² at 0.5927; "3d": 64³ at 0.3116.</summary>
    [Params("2d", "3d")]
    public string Lattice { get; set; } = "2d";

    private ComputeBackend _backend = null!;
    private HypercubicLattice _lattice = null!;
    private bool[] _occupied = [];
    private int[] _initial = [];
    private DeviceBuffer<int> _labels = null!;

    [GlobalSetup]
    public void Setup()
    {
        _backend = Backends.Create(Backends.Parse(Backend));
        (_lattice, double p) = Lattice == "2d" ? (new HypercubicLattice(2, 1024, true), 0.5927) : (new HypercubicLattice(3, 64, true), 0.3116);
        _occupied = OccupationOrder.OccupiedAt(_lattice, 1, p);
        _initial = _occupied.Select(o => o ? 0 : -1).ToArray();
        _labels = _backend.UploadNew<int>(_initial);
        int passes = _backend.LabelClusters(_labels, _lattice.Dimension, _lattice.Side, _lattice.Periodic);
        Console.WriteLine($"// {Lattice} on {Backend}: {_lattice.SiteCount} sites, {passes} label passes");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _labels.Dispose();
        _backend.Dispose();
    }

    [Benchmark]
    public int LabelClusters()
    {
        _backend.Upload<int>(_initial, _labels);
        return _backend.LabelClusters(_labels, _lattice.Dimension, _lattice.Side, _lattice.Periodic);
    }

    /// <summary>The reference: sequential union–find on the host (the same for every Backend value).</summary>
    [Benchmark(Baseline = true)]
    public int UnionFindLabels() => ClusterLabelling.UnionFind(_lattice, _occupied)[^1];

}
