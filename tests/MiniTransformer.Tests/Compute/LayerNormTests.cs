using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

public class LayerNormTests
{
    private static readonly (int Rows, int Cols)[] Shapes = [(1, 1), (1, 2), (3, 17), (13, 64), (37, 130)];

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void ForwardMatchesFloat64(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (rows, cols) in Shapes)
        {
            var x = TestData.Random(rows * cols, rows * cols, 3f).Select(v => v + 1.5f).ToArray(); // an offset mean
            var w = TestData.Random(cols, cols + 1);
            var b = TestData.Random(cols, cols + 2);
            var (y, mean, rstd) = Reference64.LayerNorm(TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(b), rows, cols, 1e-5);
            using var dx = backend.UploadNew<float>(x);
            using var dw = backend.UploadNew<float>(w);
            using var db = backend.UploadNew<float>(b);
            using var dy = TestData.Poisoned(backend, rows * cols);
            using var dm = TestData.Poisoned(backend, rows);
            using var dr = TestData.Poisoned(backend, rows);
            backend.LayerNormForward(dy, dm, dr, dx, dw, db, rows, cols);
            string what = $"layernorm {rows}x{cols}";
            TestData.AssertClose(y, backend.DownloadArray<float>(dy), 1e-5, what + " y");
            TestData.AssertClose(mean, backend.DownloadArray<float>(dm), 1e-5, what + " mean");
            TestData.AssertClose(rstd, backend.DownloadArray<float>(dr), 1e-5, what + " rstd");
        }
    }

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void BackwardAccumulatesTheFloat64Gradient(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (rows, cols) in Shapes.Where(s => s.Cols > 1))
        {
            var x = TestData.Random(rows * cols, 3 * rows + cols, 2f);
            var w = TestData.Random(cols, cols + 5);
            var g = TestData.Random(rows * cols, rows + 7);
            var (dxRef, dwRef, dbRef) = Reference64.LayerNormBackward(TestData.ToDouble(g), TestData.ToDouble(x), TestData.ToDouble(w), rows, cols, 1e-5);
            var (_, mean, rstd) = Reference64.LayerNorm(TestData.ToDouble(x), TestData.ToDouble(w), new double[cols], rows, cols, 1e-5);
            // The op accumulates: start every gradient from non-zero values.
            var dx0 = TestData.Random(rows * cols, 11);
            var dw0 = TestData.Random(cols, 12);
            var db0 = TestData.Random(cols, 13);
            using var bx = backend.UploadNew<float>(x);
            using var bw = backend.UploadNew<float>(w);
            using var bg = backend.UploadNew<float>(g);
            using var bm = backend.UploadNew<float>(TestData.ToFloat(mean));
            using var br = backend.UploadNew<float>(TestData.ToFloat(rstd));
            using var bdx = backend.UploadNew<float>(dx0);
            using var bdw = backend.UploadNew<float>(dw0);
            using var bdb = backend.UploadNew<float>(db0);
            backend.LayerNormBackward(bdx, bdw, bdb, bg, bx, bw, bm, br, rows, cols);
            string what = $"layernorm backward {rows}x{cols}";
            TestData.AssertClose(dxRef.Select((v, i) => v + dx0[i]).ToArray(), backend.DownloadArray<float>(bdx), 1e-4, what + " dx");
            TestData.AssertClose(dwRef.Select((v, i) => v + dw0[i]).ToArray(), backend.DownloadArray<float>(bdw), 1e-5, what + " dw");
            TestData.AssertClose(dbRef.Select((v, i) => v + db0[i]).ToArray(), backend.DownloadArray<float>(bdb), 1e-5, what + " db");
        }
    }
}
