using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

public class ReductionTests
{
    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void SumMaxAndSumOfSquaresMatchFloat64(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (int n in new[] { 1, 17, 1000, 100_003 })
        {
            var x = TestData.Random(n, n, 3f).Select(v => v + 0.25f).ToArray(); // non-zero mean: no cancellation to zero
            using var bx = backend.UploadNew<float>(x);
            using var r = TestData.Poisoned(backend, 1);
            var expected = new Dictionary<ReductionKind, double>
            {
                [ReductionKind.Sum] = x.Sum(v => (double)v),
                [ReductionKind.Max] = x.Max(),
                [ReductionKind.SumOfSquares] = x.Sum(v => (double)v * v),
            };
            foreach (var (op, value) in expected)
            {
                backend.Fill(r, float.NaN);
                backend.Reduce(op, r, bx, n);
                TestData.AssertClose([value], backend.DownloadArray<float>(r), 1e-5, $"{op} n={n}");
            }
        }
    }
}
