using MiniTransformer.Compute;

namespace MiniTransformer.Knn;

public enum KnnWeights
{
    /// <summary>The mean of the k neighbours' values.</summary>
    Uniform,
    /// <summary>Weights 1/distance; a query that coincides with training points takes their mean (sklearn's convention).</summary>
    Distance,
}

/// <summary>
/// Euclidean k-nearest-neighbour regression on a compute backend: the brute-force squared-distance + top-k op
/// (<see cref="ComputeBackend.SquaredDistanceTopK"/>, the same contract on CPU, OpenCL and CUDA) finds the
/// neighbours, the host averages their values in float64. Buffers are kept and grown between calls, so a sweep
/// over many clusters allocates only when a cluster is larger than every one before it. Not thread-safe (one
/// backend stream).
/// </summary>
public sealed class EuclideanKnn(ComputeBackend backend) : IDisposable
{
    private DeviceBuffer<float>? _points, _queries, _distances;
    private DeviceBuffer<int>? _indices;
    private int[] _hostIndices = [];
    private float[] _hostDistances = [];

    public ComputeBackend Backend { get; } = backend;

    /// <summary>
    /// Predicts at <paramref name="queryCount"/> queries (row-major [Q, dim]) from <paramref name="pointCount"/>
    /// training points ([P, dim]) and their values, with k clipped to the number of points.
    /// </summary>
    public void Predict(ReadOnlySpan<float> points, ReadOnlySpan<double> values, int pointCount,
        ReadOnlySpan<float> queries, int queryCount, int dim, int k, KnnWeights weights, Span<double> predictions)
    {
        if (k < 1) throw new UserInputException($"k must be ≥ 1 (got {k})");
        if (pointCount < 1) throw new ArgumentException("k-NN needs at least one training point");
        if (queryCount == 0) return;
        int kk = Math.Min(k, pointCount);
        var pts = Grow(ref _points, (long)pointCount * dim);
        var qs = Grow(ref _queries, (long)queryCount * dim);
        var ds = Grow(ref _distances, (long)queryCount * kk);
        var ix = Grow(ref _indices, (long)queryCount * kk);
        Backend.Upload(points[..(pointCount * dim)], pts);
        Backend.Upload(queries[..(queryCount * dim)], qs);
        Backend.SquaredDistanceTopK(ix, ds, qs, pts, queryCount, pointCount, dim, kk);
        if (_hostIndices.Length < queryCount * kk) { _hostIndices = new int[queryCount * kk]; _hostDistances = new float[queryCount * kk]; }
        var hostIx = _hostIndices.AsSpan(0, queryCount * kk);
        var hostDs = _hostDistances.AsSpan(0, queryCount * kk);
        Backend.Download(ix, hostIx);
        Backend.Download(ds, hostDs);
        for (int q = 0; q < queryCount; q++)
            predictions[q] = Average(hostIx.Slice(q * kk, kk), hostDs.Slice(q * kk, kk), values, weights);
    }

    private static double Average(ReadOnlySpan<int> neighbours, ReadOnlySpan<float> squared, ReadOnlySpan<double> values, KnnWeights weights)
    {
        double sum = 0, weight = 0;
        if (weights == KnnWeights.Uniform || squared[0] == 0)
        {
            // Uniform, or an exact match under distance weights: average the neighbours at distance 0 only
            // (sorted ascending, so they come first).
            for (int j = 0; j < neighbours.Length; j++)
            {
                if (weights == KnnWeights.Distance && squared[j] != 0) break;
                sum += values[neighbours[j]];
                weight += 1;
            }
            return sum / weight;
        }
        for (int j = 0; j < neighbours.Length; j++)
        {
            double w = 1.0 / Math.Sqrt(squared[j]);
            sum += w * values[neighbours[j]];
            weight += w;
        }
        return sum / weight;
    }

    private DeviceSlice<T> Grow<T>(ref DeviceBuffer<T>? buffer, long length) where T : unmanaged
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer?.Dispose();
            buffer = Backend.Allocate<T>(Math.Max(length, 2 * (buffer?.Length ?? 0)));
        }
        return buffer.Slice(0, length);
    }

    public void Dispose()
    {
        _points?.Dispose(); _queries?.Dispose(); _distances?.Dispose(); _indices?.Dispose();
    }
}
