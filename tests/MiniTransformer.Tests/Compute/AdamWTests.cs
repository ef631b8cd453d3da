using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

public class AdamWTests
{
    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void FiveStepsMatchPyTorchFormulaInFloat64(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (int n in new[] { 1, 17, 1000 })
        {
            var theta = TestData.Random(n, n);
            var m = new float[n];
            var v = new float[n];
            double[] t64 = TestData.ToDouble(theta), m64 = new double[n], v64 = new double[n];
            using var bt = backend.UploadNew<float>(theta);
            using var bm = backend.UploadNew<float>(m);
            using var bv = backend.UploadNew<float>(v);
            for (int step = 1; step <= 5; step++)
            {
                var grad = TestData.Random(n, 100 * n + step);
                var s = new AdamWStep(LearningRate: 1e-2f, Step: step, WeightDecay: 0.1f, GradScale: 0.5f);
                using var bg = backend.UploadNew<float>(grad);
                backend.AdamW(bt, bg, bm, bv, s);
                Reference64.AdamW(t64, TestData.ToDouble(grad), m64, v64, s);
                TestData.AssertClose(t64, backend.DownloadArray<float>(bt), 1e-5, $"adamw θ n={n} step {step}");
                TestData.AssertClose(m64, backend.DownloadArray<float>(bm), 1e-5, $"adamw m n={n} step {step}");
                TestData.AssertClose(v64, backend.DownloadArray<float>(bv), 1e-5, $"adamw v n={n} step {step}");
            }
        }
    }
}
