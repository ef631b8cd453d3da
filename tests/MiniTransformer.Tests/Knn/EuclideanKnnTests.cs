using MiniTransformer.Compute;
using MiniTransformer.Knn;
using MiniTransformer.Tests.Compute;

namespace MiniTransformer.Tests.Knn;

/// <summary>Euclidean k-NN regression on every backend against a float64 brute-force reference.</summary>
public class EuclideanKnnTests
{
    /// <summary>Squared distances in float64, neighbours sorted by (distance, index), then the contract's averaging.</summary>
    private static double Reference(double[] points, double[] values, int count, double[] query, int dim, int k, KnnWeights weights)
    {
        var order = Enumerable.Range(0, count).Select(j =>
        {
            double d = 0;
            for (int a = 0; a < dim; a++) { double t = points[j * dim + a] - query[a]; d += t * t; }
            return (D: d, J: j);
        }).OrderBy(x => x.D).ThenBy(x => x.J).Take(Math.Min(k, count)).ToArray();
        if (weights == KnnWeights.Uniform) return order.Average(x => values[x.J]);
        var exact = order.Where(x => x.D == 0).ToArray();
        if (exact.Length > 0) return exact.Average(x => values[x.J]);
        return order.Sum(x => values[x.J] / Math.Sqrt(x.D)) / order.Sum(x => 1 / Math.Sqrt(x.D));
    }

    public static TheoryData<BackendKind, int, int, int, KnnWeights, bool> Cases()
    {
        var data = new TheoryData<BackendKind, int, int, int, KnnWeights, bool>();
        foreach (var kind in new[] { BackendKind.Cpu, BackendKind.OpenCL, BackendKind.Cuda })
            foreach (var (dim, points, k) in new[] { (1, 50, 1), (2, 300, 1), (2, 300, 4), (3, 500, 7), (8, 700, 3), (5, 2, 5) })
                foreach (var weights in new[] { KnnWeights.Uniform, KnnWeights.Distance })
                    foreach (bool lattice in new[] { true, false })
                        data.Add(kind, dim, points, k, weights, lattice);
        return data;
    }

    /// <summary>
    /// <paramref name="lattice"/>: small-integer coordinates (exact in float32, so the many exact ties must follow
    /// the lower-index rule and the predictions agree to rounding); otherwise Gaussian coordinates (1e−5 tolerance).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesFloat64Reference(BackendKind kind, int dim, int pointCount, int k, KnnWeights weights, bool lattice)
    {
        using var backend = BackendCases.Create(kind);
        using var knn = new EuclideanKnn(backend);
        var rng = new Random(dim * 1000 + pointCount + k);
        const int queryCount = 64;
        double Coordinate() => lattice ? rng.Next(-6, 7) : rng.NextDouble() * 2 - 1;
        var points = Enumerable.Range(0, pointCount * dim).Select(_ => Coordinate()).ToArray();
        var queries = Enumerable.Range(0, queryCount * dim).Select(_ => Coordinate()).ToArray();
        var values = Enumerable.Range(0, pointCount).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        var predictions = new double[queryCount];
        knn.Predict(TestData.ToFloat(points), values, pointCount, TestData.ToFloat(queries), queryCount, dim, k, weights, predictions);
        var query = new double[dim];
        for (int q = 0; q < queryCount; q++)
        {
            for (int a = 0; a < dim; a++) query[a] = (float)queries[q * dim + a];
            var pts = points.Select(v => (double)(float)v).ToArray();
            double expected = Reference(pts, values, pointCount, query, dim, k, weights);
            Assert.True(Math.Abs(expected - predictions[q]) <= 1e-5 * (1 + Math.Abs(expected)), $"query {q}: {predictions[q]} vs {expected}");
        }
    }
}

/// <summary>The CPU backend's AVX-512 column-block top-k against its per-point scan (forced with the scalar SIMD level).</summary>
public class CpuTopKPathTests
{
    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(2, 33, 5, 1)]
    [InlineData(3, 1000, 37, 1)]
    [InlineData(8, 1000, 37, 4)]
    [InlineData(15, 517, 9, 16)]
    [InlineData(5, 3, 6, 3)]
    public void VectorPathEqualsScalarPath(int dim, int pointCount, int queryCount, int k)
    {
        if (MiniTransformer.Compute.Cpu.CpuBackend.BestSimd() != MiniTransformer.Compute.Cpu.CpuSimd.Vector512) Assert.Skip("no AVX-512 on this processor");
        var rng = new Random(dim * 7 + pointCount);
        // Integer-valued coordinates make exact ties common, so the lower-index rule is exercised in both paths.
        float[] Coordinates(int n) => Enumerable.Range(0, n).Select(_ => (float)rng.Next(-4, 5)).ToArray();
        var points = Coordinates(pointCount * dim);
        var queries = Coordinates(queryCount * dim);
        (int[], float[]) Run(MiniTransformer.Compute.Cpu.CpuSimd simd)
        {
            using var backend = new MiniTransformer.Compute.Cpu.CpuBackend(2, simd);
            using var p = backend.UploadNew<float>(points);
            using var q = backend.UploadNew<float>(queries);
            using var i = backend.Allocate<int>(queryCount * k);
            using var d = backend.Allocate<float>(queryCount * k);
            backend.SquaredDistanceTopK(i, d, q, p, queryCount, pointCount, dim, k);
            return (backend.DownloadArray<int>(i), backend.DownloadArray<float>(d));
        }
        var (vi, vd) = Run(MiniTransformer.Compute.Cpu.CpuSimd.Vector512);
        var (si, sd) = Run(MiniTransformer.Compute.Cpu.CpuSimd.Scalar);
        Assert.Equal(si, vi);
        Assert.Equal(sd, vd);
    }
}
