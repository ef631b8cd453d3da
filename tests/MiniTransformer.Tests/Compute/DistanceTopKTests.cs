using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

public class DistanceTopKTests
{
    /// <summary>
    /// Small-integer coordinates make every squared distance exact in float32, so the expected neighbours (sorted by
    /// distance, then index) are exact too — ties included, of which such data has many.
    /// </summary>
    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void NearestByDistanceThenLowerIndex(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (queries, points, dim, k) in new[] { (1, 1, 1, 1), (3, 10, 2, 10), (17, 300, 5, 7), (5, 2000, 33, 64) })
        {
            var rng = new Random(points + dim);
            var q = Enumerable.Range(0, queries * dim).Select(_ => (float)rng.Next(-3, 4)).ToArray();
            var p = Enumerable.Range(0, points * dim).Select(_ => (float)rng.Next(-3, 4)).ToArray();
            using var bq = backend.UploadNew<float>(q);
            using var bp = backend.UploadNew<float>(p);
            using var idx = backend.Allocate<int>(queries * k);
            backend.Upload<int>(Enumerable.Repeat(-1, queries * k).ToArray(), idx);
            using var dist = TestData.Poisoned(backend, queries * k);
            backend.SquaredDistanceTopK(idx, dist, bq, bp, queries, points, dim, k);
            var gotIdx = backend.DownloadArray<int>(idx);
            var gotDist = backend.DownloadArray<float>(dist);
            for (int i = 0; i < queries; i++)
            {
                var expected = Enumerable.Range(0, points)
                    .Select(j => (Dist: Enumerable.Range(0, dim).Sum(d => Math.Pow(q[i * dim + d] - p[j * dim + d], 2)), Index: j))
                    .OrderBy(e => e.Dist).ThenBy(e => e.Index).Take(k).ToArray();
                Assert.Equal(expected.Select(e => e.Index), gotIdx[(i * k)..((i + 1) * k)]);
                Assert.Equal(expected.Select(e => (float)e.Dist), gotDist[(i * k)..((i + 1) * k)]);
            }
        }
    }
}
