using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

/// <summary>GELU, residual add, fill, copy and column sums against float64, on lengths around the vector widths.</summary>
public class ElementwiseTests
{
    private static readonly int[] Lengths = [1, 15, 16, 17, 131, 1031];

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void GeluForwardAndBackward(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (int n in Lengths)
        {
            var x = TestData.Random(n, n, scale: 6f);
            x[0] = n > 1 ? -60f : 0.3f; // far tails: GELU → 0 (no ∞·0) and → x
            if (n > 2) x[1] = 40f;
            var dy = TestData.Random(n, n + 1);
            using var dx = backend.UploadNew<float>(x);
            using var ddy = backend.UploadNew<float>(dy);
            using var y = TestData.Poisoned(backend, n);
            using var dIn = TestData.Poisoned(backend, n);
            backend.GeluForward(y, dx, n);
            backend.GeluBackward(dIn, dx, ddy, n);
            TestData.AssertClose(x.Select(v => Reference64.Gelu(v)).ToArray(), backend.DownloadArray<float>(y), 1e-5, $"gelu n={n}");
            TestData.AssertClose(x.Select((v, i) => Reference64.GeluDerivative(v) * dy[i]).ToArray(), backend.DownloadArray<float>(dIn), 1e-5, $"gelu' n={n}");
            // dInput may alias dOutput
            backend.GeluBackward(ddy, dx, ddy, n);
            TestData.AssertClose(x.Select((v, i) => Reference64.GeluDerivative(v) * dy[i]).ToArray(), backend.DownloadArray<float>(ddy), 1e-5, $"gelu' aliased n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void AddFillCopy(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (int n in Lengths)
        {
            var a = TestData.Random(n, 2 * n);
            var b = TestData.Random(n, 2 * n + 1);
            var sum = a.Select((v, i) => (double)v + b[i]).ToArray();
            using var da = backend.UploadNew<float>(a);
            using var db = backend.UploadNew<float>(b);
            using var o = TestData.Poisoned(backend, n);
            backend.Add(o, da, db, n);
            TestData.AssertClose(sum, backend.DownloadArray<float>(o), 1e-6, "add");
            backend.Add(da, da, db, n);
            TestData.AssertClose(sum, backend.DownloadArray<float>(da), 1e-6, "add aliased");

            using var f = TestData.Poisoned(backend, n + 2);
            backend.Fill(f.Slice(1, n), 2.5f);
            var filled = backend.DownloadArray<float>(f);
            Assert.True(float.IsNaN(filled[0]) && float.IsNaN(filled[n + 1]), "fill wrote outside its slice");
            Assert.All(filled[1..(n + 1)], v => Assert.Equal(2.5f, v));

            using var c = TestData.Poisoned(backend, n);
            backend.Copy(c, db);
            Assert.Equal(b, backend.DownloadArray<float>(c));
        }
    }

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void ColumnSum(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (rows, cols) in new[] { (1, 1), (7, 3), (50, 17), (301, 130), (45, 600) })
        {
            var x = TestData.Random(rows * cols, rows + cols);
            var start = TestData.Random(cols, rows);
            var sums = new double[cols];
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < cols; j++) sums[j] += x[r * cols + j];
            using var dx = backend.UploadNew<float>(x);
            using var written = TestData.Poisoned(backend, cols);
            using var accumulated = backend.UploadNew<float>(start);
            backend.ColumnSum(written, dx, rows, cols, accumulate: false);
            backend.ColumnSum(accumulated, dx, rows, cols, accumulate: true);
            TestData.AssertClose(sums, backend.DownloadArray<float>(written), 1e-5, $"column sum {rows}x{cols}");
            TestData.AssertClose(sums.Select((v, j) => v + start[j]).ToArray(), backend.DownloadArray<float>(accumulated), 1e-5, "column sum +=");
        }
    }
}
