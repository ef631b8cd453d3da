using MiniTransformer.Compute;
using MiniTransformer.Compute.Cpu;

namespace MiniTransformer.Tests.Compute;

/// <summary>
/// The CPU GEMM's small-M path (B stored N×K, M ≤ 64: the decode step's linear layers) against the general path:
/// rows computed a few at a time must equal, bit for bit, the same rows computed inside a 100-row GEMM (which takes the
/// general path), for every vector width, with α ≠ 1, β ≠ 0 and both epilogues, K over several 256-deep blocks and N
/// not a multiple of the tile. This is what keeps a sampled sequence independent of the batch it is decoded in. (Both
/// paths are also checked against float64 by <see cref="GemmTests"/>, whose transposed-B shapes with M ≤ 64 take
/// this path.)
/// </summary>
public class GemmSmallMTests
{
    public static TheoryData<string> Paths() => new() { "Vector512", "Vector256", "Scalar" };

    [Theory]
    [MemberData(nameof(Paths))]
    public void RowsEqualTheSameRowsOfALargeGemm(string path)
    {
        var simd = Enum.Parse<CpuSimd>(path);
        if (simd > CpuBackend.BestSimd()) Assert.Skip($"{simd} is not supported on this processor");
        using var backend = new CpuBackend(2, simd);
        Compare(backend, n: 70, k: 600, alpha: 0.5f, beta: 0f, GemmEpilogue.BiasGelu, seed: 1);
        Compare(backend, n: 45, k: 23, alpha: 2f, beta: 0.5f, GemmEpilogue.Bias, seed: 2);
        Compare(backend, n: 96, k: 517, alpha: 1f, beta: 1f, GemmEpilogue.None, seed: 3);
    }

    private static void Compare(CpuBackend backend, int n, int k, float alpha, float beta, GemmEpilogue epilogue, int seed)
    {
        const int rows = 100;
        var a = TestData.Random(rows * k, seed);
        var initial = TestData.Random(rows * n, seed + 1);
        using var w = backend.UploadNew<float>(TestData.Random(n * k, seed + 2));
        using var bias = backend.UploadNew<float>(TestData.Random(n, seed + 3));
        bool gelu = epilogue == GemmEpilogue.BiasGelu;

        (float[] C, float[] Pre) Run(int first, int m)
        {
            using var input = backend.UploadNew<float>(a.AsSpan(first * k, m * k));
            using var c = backend.UploadNew<float>(initial.AsSpan(first * n, m * n));
            using var pre = backend.Allocate<float>((long)m * n);
            DeviceSlice<float>? biasSlice = null, preSlice = null;
            if (epilogue != GemmEpilogue.None) biasSlice = bias;
            if (gelu) preSlice = pre;
            backend.Gemm(new GemmSpec(m, n, k, TransB: true, Alpha: alpha, Beta: beta), input, w, c, epilogue, biasSlice, preSlice);
            return (backend.DownloadArray<float>(c), gelu ? backend.DownloadArray<float>(pre) : []);
        }

        var all = Run(0, rows);
        foreach (var (first, m) in new[] { (0, 1), (7, 8), (12, 13), (30, 64), (99, 1) })
        {
            var few = Run(first, m);
            Assert.True(all.C.AsSpan(first * n, m * n).SequenceEqual(few.C), $"{backend.Simd}: rows {first}…{first + m - 1} of C (n {n}, k {k})");
            if (gelu) Assert.True(all.Pre.AsSpan(first * n, m * n).SequenceEqual(few.Pre), $"{backend.Simd}: pre-activations of rows {first}…");
        }
    }
}
