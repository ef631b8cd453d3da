using MiniTransformer.Compute;
using MiniTransformer.Compute.Cpu;

namespace MiniTransformer.Tests.Compute;

/// <summary>
/// The CPU backend's bits do not depend on the thread count, and its narrower vector paths (AVX2 + FMA, scalar)
/// are as correct as the widest one.
/// </summary>
public class CpuDeterminismTests
{
    private static float[] Run(int threads, Func<CpuBackend, float[]> op)
    {
        using var backend = new CpuBackend(threads);
        return op(backend);
    }

    private static void AssertSameBitsForOneAndManyThreads(Func<CpuBackend, float[]> op)
    {
        var one = Run(1, op);
        foreach (int threads in new[] { 2, 3, 8 })
        {
            var many = Run(threads, op);
            Assert.Equal(one.Select(BitConverter.SingleToInt32Bits), many.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void Gemm() => AssertSameBitsForOneAndManyThreads(backend =>
    {
        var s = new GemmSpec(301, 257, 700, TransB: true, Alpha: 0.5f, Beta: 0.25f, Batch: 2);
        using var a = backend.UploadNew<float>(TestData.Random((int)s.ExtentA, 1));
        using var b = backend.UploadNew<float>(TestData.Random((int)s.ExtentB, 2));
        using var c = backend.UploadNew<float>(TestData.Random((int)s.ExtentC, 3));
        backend.Gemm(s, a, b, c);
        // A weight-gradient shape: few output rows, long K, so the split over threads is by single A strips.
        var w = new GemmSpec(50, 64, 1600, TransA: true);
        using var wa = backend.UploadNew<float>(TestData.Random((int)w.ExtentA, 4));
        using var wb = backend.UploadNew<float>(TestData.Random((int)w.ExtentB, 5));
        using var wc = backend.Allocate<float>(w.ExtentC);
        backend.Gemm(w, wa, wb, wc);
        // A weight gradient with more rows than columns: A stored K×M packed k-major inside the tasks instead.
        var x = new GemmSpec(601, 40, 700, TransA: true, Alpha: 0.5f);
        using var xa = backend.UploadNew<float>(TestData.Random((int)x.ExtentA, 6));
        using var xb = backend.UploadNew<float>(TestData.Random((int)x.ExtentB, 7));
        using var xc = backend.Allocate<float>(x.ExtentC);
        backend.Gemm(x, xa, xb, xc);
        return [.. backend.DownloadArray<float>(c), .. backend.DownloadArray<float>(wc), .. backend.DownloadArray<float>(xc)];
    });

    [Fact]
    public void LayerNormBackward() => AssertSameBitsForOneAndManyThreads(backend =>
    {
        const int rows = 333, cols = 200;
        using var dx = backend.UploadNew<float>(TestData.Random(rows * cols, 1));
        using var dw = backend.UploadNew<float>(TestData.Random(cols, 2));
        using var db = backend.UploadNew<float>(TestData.Random(cols, 3));
        using var dy = backend.UploadNew<float>(TestData.Random(rows * cols, 4));
        using var x = backend.UploadNew<float>(TestData.Random(rows * cols, 5));
        using var w = backend.UploadNew<float>(TestData.Random(cols, 6));
        using var y = backend.Allocate<float>(rows * cols);
        using var mean = backend.Allocate<float>(rows);
        using var rstd = backend.Allocate<float>(rows);
        backend.LayerNormForward(y, mean, rstd, x, w, db, rows, cols);
        backend.LayerNormBackward(dx, dw, db, dy, x, w, mean, rstd, rows, cols);
        return [.. backend.DownloadArray<float>(dx), .. backend.DownloadArray<float>(dw), .. backend.DownloadArray<float>(db)];
    });

    [Fact]
    public void Reductions() => AssertSameBitsForOneAndManyThreads(backend =>
    {
        const int n = 1_000_003;
        using var x = backend.UploadNew<float>(TestData.Random(n, 7));
        using var r = backend.Allocate<float>(3);
        backend.Reduce(ReductionKind.Sum, r.Slice(0, 1), x, n);
        backend.Reduce(ReductionKind.Max, r.Slice(1, 1), x, n);
        backend.Reduce(ReductionKind.SumOfSquares, r.Slice(2, 1), x, n);
        using var cs = backend.Allocate<float>(1000);
        backend.ColumnSum(cs, x, 1000, 1000, accumulate: false);
        return [.. backend.DownloadArray<float>(r), .. backend.DownloadArray<float>(cs)];
    });

    [Fact]
    public void AttentionBackward() => AssertSameBitsForOneAndManyThreads(backend =>
    {
        const int batch = 3, seqLen = 50, heads = 4, headSize = 16, c = heads * headSize;
        using var qkv = backend.UploadNew<float>(TestData.Random(3 * batch * seqLen * c, 8));
        using var dOut = backend.UploadNew<float>(TestData.Random(batch * seqLen * c, 9));
        using var o = backend.Allocate<float>(batch * seqLen * c);
        using var att = backend.Allocate<float>(batch * heads * seqLen * seqLen);
        using var d = backend.Allocate<float>(3 * batch * seqLen * c);
        backend.AttentionForward(o, att, qkv, batch, seqLen, heads, headSize, 0.25f);
        backend.AttentionBackward(d, dOut, qkv, att, batch, seqLen, heads, headSize, 0.25f);
        return [.. backend.DownloadArray<float>(o), .. backend.DownloadArray<float>(d)];
    });

    [Fact]
    public void EmbeddingBackward() => AssertSameBitsForOneAndManyThreads(backend =>
    {
        const int batch = 8, seqLen = 50, channels = 200, vocab = 13; // few tokens: many rows hit each table row
        var rng = new Random(10);
        using var tokens = backend.UploadNew<int>(Enumerable.Range(0, batch * seqLen).Select(_ => rng.Next(vocab)).ToArray());
        using var dy = backend.UploadNew<float>(TestData.Random(batch * seqLen * channels, 11));
        using var dwte = backend.UploadNew<float>(TestData.Random(vocab * channels, 12));
        using var dwpe = backend.UploadNew<float>(TestData.Random(seqLen * channels, 13));
        backend.EmbeddingBackward(dwte, dwpe, dy, tokens, batch, seqLen, channels);
        return [.. backend.DownloadArray<float>(dwte), .. backend.DownloadArray<float>(dwpe)];
    });

    [Theory]
    [InlineData("Vector256")]
    [InlineData("Scalar")]
    public void NarrowerGemmPathsMatchFloat64(string path)
    {
        var simd = Enum.Parse<CpuSimd>(path);
        if (simd > CpuBackend.BestSimd()) Assert.Skip($"{simd} is not supported on this processor");
        using var backend = new CpuBackend(null, simd);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (13, 17, 19), (37, 61, 300) })
            foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false) })
                GemmTests.Check(backend, new GemmSpec(m, n, k, ta, tb, Alpha: 1.5f, Beta: 0.5f), GemmEpilogue.None, m + n);
        GemmTests.Check(backend, new GemmSpec(45, 13, 40, TransA: true, Alpha: 1.5f), GemmEpilogue.None, 4);
        GemmTests.Check(backend, new GemmSpec(40, 33, 20, TransB: true), GemmEpilogue.BiasGelu, 3);
    }

    /// <summary>The CPU's vector exp (softmax, GELU) against float64 over its whole finite range.</summary>
    [Fact]
    public unsafe void VectorExpIsWithinTwoUlps()
    {
        var x = Enumerable.Range(0, 160_000).Select(i => -87.3f + i * (176f / 160_000)).Append(88.72f).ToArray();
        var y = new float[(x.Length + 15) / 16 * 16];
        fixed (float* px = x.Concat(new float[y.Length - x.Length]).ToArray(), py = y)
            for (int i = 0; i < y.Length; i += 16)
                System.Runtime.Intrinsics.Vector512.Store(VectorMath.Exp(System.Runtime.Intrinsics.Vector512.Load(px + i)), py + i);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Exp(x[i]);
            Assert.True(Math.Abs(y[i] - expected) <= 2.4e-7 * expected, $"exp({x[i]:R}) = {y[i]:R}, expected {expected:R}");
        }
    }

    /// <summary>The row maximum behind softmax, cross-entropy and the max reduction: every length around the 64-float
    /// unrolled block and the 16-float tail, against a scalar scan; a NaN anywhere makes the result NaN.</summary>
    [Fact]
    public unsafe void VectorMaxMatchesAScalarScanAndPropagatesNaN()
    {
        var rng = new Random(11);
        for (int n = 1; n <= 200; n++)
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 200 - 100)).ToArray();
            int place = rng.Next(n);
            x[place] = 1000f + n; // the maximum in every possible lane position over the lengths
            fixed (float* px = x)
            {
                Assert.Equal(1000f + n, VectorMath.Max(px, n));
                x[rng.Next(n)] = float.NaN;
                Assert.True(float.IsNaN(VectorMath.Max(px, n)), $"a NaN in {n} floats was dropped");
            }
        }
        fixed (float* px = new[] { float.NegativeInfinity, float.NegativeInfinity })
            Assert.Equal(float.NegativeInfinity, VectorMath.Max(px, 2));
    }
}
