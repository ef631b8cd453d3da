using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

public class CrossEntropyTests
{
    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void LossAndGradientMatchFloat64(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (rows, vocab) in new[] { (1, 1), (1, 2), (5, 17), (33, 1031), (7, 8192) })
        {
            var logits = TestData.Random(rows * vocab, rows + vocab, 8f);
            var rng = new Random(vocab);
            var targets = Enumerable.Range(0, rows).Select(_ => rng.Next(vocab)).ToArray();
            float gradScale = 1f / rows;
            var (lossRef, dRef) = Reference64.CrossEntropy(TestData.ToDouble(logits), targets, rows, vocab, gradScale);
            using var x = backend.UploadNew<float>(logits);
            using var tg = backend.UploadNew<int>(targets);
            using var losses = TestData.Poisoned(backend, rows);
            using var d = TestData.Poisoned(backend, rows * vocab);
            string what = $"cross-entropy {rows}x{vocab}";

            backend.CrossEntropy(losses, null, x, tg, rows, vocab, gradScale);
            TestData.AssertClose(lossRef, backend.DownloadArray<float>(losses), 1e-5, what + " loss (no gradient)");

            backend.Fill(losses, float.NaN);
            backend.CrossEntropy(losses, d, x, tg, rows, vocab, gradScale);
            TestData.AssertClose(lossRef, backend.DownloadArray<float>(losses), 1e-5, what + " loss");
            TestData.AssertClose(dRef, backend.DownloadArray<float>(d), 1e-5, what + " dlogits");

            backend.CrossEntropy(losses, x, x, tg, rows, vocab, gradScale); // gradient written over the logits
            TestData.AssertClose(lossRef, backend.DownloadArray<float>(losses), 1e-5, what + " loss (aliased)");
            TestData.AssertClose(dRef, backend.DownloadArray<float>(x), 1e-5, what + " dlogits (aliased)");
        }
    }
}
