using BenchmarkDotNet.Attributes;
using MiniTransformer.Compute;
using MiniTransformer.Knn;
using MiniTransformer.Percolation;

namespace MiniTransformer.Bench;

/// <summary>
/// Euclidean 1-NN: 10^4 queries against 10^5 training points (uniform in [0, 1)^dim, float32) through
/// ComputeBackend.SquaredDistanceTopK on the CPU backend — the workload of tools/knn_faiss_reference.py (FAISS
/// IndexFlatL2) with the same shapes. Queries/s = 10^4 / mean time. Also the tree 1-NN sweep of a 10^6-site
/// critical Bethe cluster set (two passes over every site) for scale.
/// </summary>
public class KnnBenchmarks
{
    private const int Points = 100_000, Queries = 10_000;
    private ComputeBackend _backend = null!;
    private DeviceBuffer<float> _points = null!, _queries = null!, _distances = null!;
    private DeviceBuffer<int> _indices = null!;
    private ClusterSet _clusters = null!;
    private bool[] _mask = null!;
    private long[] _best = null!;

    [Params(2, 8)]
    public int Dim { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _backend = Backends.Create(BackendKind.Cpu);
        var rng = new Random(1);
        float[] Uniform(int n) { var x = new float[n]; for (int i = 0; i < n; i++) x[i] = (float)rng.NextDouble(); return x; }
        _points = _backend.UploadNew<float>(Uniform(Points * Dim));
        _queries = _backend.UploadNew<float>(Uniform(Queries * Dim));
        _distances = _backend.Allocate<float>(Queries);
        _indices = _backend.Allocate<int>(Queries);
        _clusters = BetheClusterGenerator.Generate(new BetheSpec(200, 1.0 / 199, 100, 1_000_000, 100, Seed: 0));
        _mask = new bool[_clusters.Parents.Length];
        for (int i = 0; i < _mask.Length; i++) _mask[i] = i % 100 == 0;
        _best = new long[_clusters.Info.Sizes.Max()];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _points.Dispose(); _queries.Dispose(); _distances.Dispose(); _indices.Dispose();
        _backend.Dispose();
    }

    [Benchmark]
    public void EuclideanTop1()
    {
        _backend.SquaredDistanceTopK(_indices, _distances, _queries, _points, Queries, Points, Dim, 1);
        _backend.Synchronize();
    }

    /// <summary>Nearest training site (1% of sites) for every site of every cluster: 2 sweeps over ~1.7·10^6 sites.</summary>
    [Benchmark]
    public long TreeNearestAllSites()
    {
        long checksum = 0;
        for (int k = 0; k < _clusters.Count; k++)
        {
            int size = _clusters.Size(k);
            TreeNearestTraining.Compute(_clusters.ParentsOf(k), _mask.AsSpan((int)_clusters.Offsets[k], size), _best.AsSpan(0, size));
            checksum += _best[size - 1];
        }
        return checksum;
    }
}
