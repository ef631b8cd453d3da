using MiniTransformer.Compute;
using MiniTransformer.Tests.Compute;

namespace MiniTransformer.Tests.Generation;

/// <summary>
/// The incremental-decoding ops (RopeAt, KvCacheAppend, AttentionDecode) on every backend against float64 references
/// written here from their definitions, with NaN-poisoned outputs and cache rows, and their declared costs against
/// counts made by walking the reference loops.
/// </summary>
public class DecodeOpTests
{
    private static readonly (int B, int NH, int HS, int Capacity, int Length)[] Shapes =
        [(1, 1, 2, 1, 1), (2, 3, 8, 9, 5), (3, 2, 18, 40, 40), (2, 4, 64, 300, 257), (1, 2, 3, 4, 2)];

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void RopeAtRotatesQAndKAtThePosition(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (b, nh, hs, _, _) in Shapes.Where(s => s.HS % 2 == 0))
            foreach (int position in new[] { 0, 1, 7, 299, 1500 })
            {
                int c = nh * hs;
                var qkv = TestData.Random(3 * b * c, position + hs);
                using var d = backend.UploadNew<float>(qkv);
                backend.RopeAt(d, b, nh, hs, position, 10000f);
                var expected = TestData.ToDouble(qkv);
                for (int bi = 0; bi < b; bi++)
                    for (int part = 0; part < 2; part++)
                        for (int h = 0; h < nh; h++)
                            for (int i = 0; i < hs / 2; i++)
                            {
                                long at = (long)bi * 3 * c + part * c + h * hs;
                                double angle = position * Math.Pow(10000.0, -2.0 * i / hs);
                                double x0 = qkv[at + i], x1 = qkv[at + i + hs / 2];
                                expected[at + i] = x0 * Math.Cos(angle) - x1 * Math.Sin(angle);
                                expected[at + i + hs / 2] = x1 * Math.Cos(angle) + x0 * Math.Sin(angle);
                            }
                TestData.AssertClose(expected, backend.DownloadArray<float>(d), 1e-5, $"rope_at B{b} NH{nh} HS{hs} t{position}");
            }
    }

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void RopeAtEqualsTheFullSequenceRotationOfThatToken(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        const int b = 2, t = 70, nh = 2, hs = 16, c = nh * hs;
        var sequence = TestData.Random(b * t * 3 * c, 5);
        using var full = backend.UploadNew<float>(sequence);
        backend.Rope(full, b, t, nh, hs, 500f, inverse: false);
        var rotated = backend.DownloadArray<float>(full);
        foreach (int position in new[] { 0, 33, t - 1 })
        {
            var token = new float[b * 3 * c];
            for (int bi = 0; bi < b; bi++) Array.Copy(sequence, ((long)bi * t + position) * 3 * c, token, bi * 3 * c, 3 * c);
            using var d = backend.UploadNew<float>(token);
            backend.RopeAt(d, b, nh, hs, position, 500f);
            var got = backend.DownloadArray<float>(d);
            for (int bi = 0; bi < b; bi++)
                Assert.Equal(rotated.AsSpan((int)(((long)bi * t + position) * 3 * c), 3 * c).ToArray(), got.AsSpan(bi * 3 * c, 3 * c).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void KvCacheAppendWritesOnlyThePositionRow(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (b, nh, hs, capacity, length) in Shapes)
        {
            int c = nh * hs, position = length - 1;
            var qkv = TestData.Random(3 * b * c, capacity);
            long cache = (long)b * nh * capacity * hs;
            using var d = backend.UploadNew<float>(qkv);
            using var k = TestData.Poisoned(backend, cache);
            using var v = TestData.Poisoned(backend, cache);
            backend.KvCacheAppend(k, v, d, b, nh, hs, capacity, position);
            var (gotK, gotV) = (backend.DownloadArray<float>(k), backend.DownloadArray<float>(v));
            for (int bi = 0; bi < b; bi++)
                for (int h = 0; h < nh; h++)
                    for (int t = 0; t < capacity; t++)
                        for (int i = 0; i < hs; i++)
                        {
                            long at = (((long)bi * nh + h) * capacity + t) * hs + i;
                            float wantK = t == position ? qkv[bi * 3 * c + c + h * hs + i] : float.NaN;
                            float wantV = t == position ? qkv[bi * 3 * c + 2 * c + h * hs + i] : float.NaN;
                            Assert.Equal(wantK, gotK[at]);
                            Assert.Equal(wantV, gotV[at]);
                        }
        }
    }

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void AttentionDecodeMatchesFloat64(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (b, nh, hs, capacity, length) in Shapes)
            foreach (float scale in new[] { 1f / MathF.Sqrt(hs), 1f / hs })
            {
                int c = nh * hs;
                long cache = (long)b * nh * capacity * hs;
                var qkv = TestData.Random(3 * b * c, length, 2f);
                var keys = TestData.Random((int)cache, length + 1, 2f);
                var values = TestData.Random((int)cache, length + 2);
                // Rows past the visible length are NaN: reading any of them would poison the output.
                for (int bh = 0; bh < b * nh; bh++)
                    for (long at = ((long)bh * capacity + length) * hs; at < (long)(bh + 1) * capacity * hs; at++)
                        keys[at] = values[at] = float.NaN;
                var expected = Reference(qkv, keys, values, b, nh, hs, capacity, length, scale);
                using var dq = backend.UploadNew<float>(qkv);
                using var k = backend.UploadNew<float>(keys);
                using var v = backend.UploadNew<float>(values);
                using var o = TestData.Poisoned(backend, b * c);
                backend.AttentionDecode(o, dq, k, v, b, nh, hs, capacity, length, scale);
                TestData.AssertClose(expected, backend.DownloadArray<float>(o), 1e-4, $"attention_decode B{b} NH{nh} HS{hs} L{length}/{capacity}");
            }
    }

    [Fact]
    public void ArgumentsOutsideTheCacheAreRejected()
    {
        using var backend = new MiniTransformer.Compute.Cpu.CpuBackend(1);
        using var qkv = backend.Allocate<float>(3 * 8);
        using var k = backend.Allocate<float>(8 * 4);
        using var v = backend.Allocate<float>(8 * 4);
        using var o = backend.Allocate<float>(8);
        Assert.Throws<ArgumentException>(() => backend.KvCacheAppend(k, v, qkv, 1, 2, 4, 4, 4));
        Assert.Throws<ArgumentException>(() => backend.AttentionDecode(o, qkv, k, v, 1, 2, 4, 4, 5, 1f));
        Assert.Throws<ArgumentException>(() => backend.AttentionDecode(o, qkv, k, v, 1, 2, 4, 4, 0, 1f));
        Assert.Throws<ArgumentException>(() => backend.AttentionDecode(o, qkv, k, v, 1, 2, 4, 5, 5, 1f)); // caches too small
        Assert.Throws<ArgumentException>(() => backend.RopeAt(qkv, 1, 2, 4, -1, 10000f));
    }

    [Fact]
    public void DeclaredCostsMatchLoopCounts()
    {
        const int b = 2, nh = 3, hs = 5, capacity = 9, length = 7;
        int c = nh * hs;
        var attention = new Traffic();
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < nh; h++)
            {
                for (int t = 0; t < length; t++)
                {
                    for (int d = 0; d < hs; d++) { attention.Read("q", bi * 3 * c + h * hs + d); attention.Read("k", (((long)bi * nh + h) * capacity + t) * hs + d); }
                    attention.Flops += 2 * hs;   // q·k
                    attention.Flops += 1 + 1;    // ·scale, max
                }
                for (int t = 0; t < length; t++) attention.Flops += 2 + 1; // exp(x − max), sum
                attention.Flops += 1;                                       // 1/sum
                for (int t = 0; t < length; t++) attention.Flops += 1;     // weight·(1/sum)
                for (int t = 0; t < length; t++)
                    for (int d = 0; d < hs; d++) { attention.Read("v", (((long)bi * nh + h) * capacity + t) * hs + d); attention.Flops += 2; }
                for (int d = 0; d < hs; d++) attention.Write("out", bi * c + h * hs + d);
            }
        Assert.Equal(attention.Cost, OpCosts.AttentionDecode(b, nh, hs, length));

        var append = new Traffic();
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < nh; h++)
                for (int d = 0; d < hs; d++)
                {
                    append.Read("qkv", bi * 3 * c + c + h * hs + d); append.Read("qkv", bi * 3 * c + 2 * c + h * hs + d);
                    append.Write("k", h * hs + d + bi * c); append.Write("v", h * hs + d + bi * c);
                }
        Assert.Equal(append.Cost, OpCosts.KvCacheAppend(b, nh, hs));

        // RopeAt is Rope on one position: 6 FLOPs per rotated pair of q and k, each rotated element read and written.
        var rope = new Traffic();
        for (int bi = 0; bi < b; bi++)
            for (int part = 0; part < 2; part++)
                for (int h = 0; h < nh; h++)
                    for (int i = 0; i < 2; i++)
                    {
                        long at = bi * 3 * c + part * c + h * 4;
                        rope.Read("qkv", at + i); rope.Read("qkv", at + i + 2);
                        rope.Write("qkv", at + i); rope.Write("qkv", at + i + 2);
                        rope.Flops += 6;
                    }
        var ledger = new OpLedger();
        using var backend = new MiniTransformer.Compute.Cpu.CpuBackend(1) { Ledger = ledger };
        using var qkv = backend.Allocate<float>(3 * b * nh * 4);
        backend.RopeAt(qkv, b, nh, 4, 3, 10000f);
        Assert.Equal(rope.Cost, ledger.Total);
    }

    private static double[] Reference(float[] qkv, float[] keys, float[] values, int b, int nh, int hs, int capacity, int length, double scale)
    {
        int c = nh * hs;
        var output = new double[b * c];
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < nh; h++)
            {
                long cacheAt = ((long)bi * nh + h) * capacity * hs;
                var scores = new double[length];
                for (int t = 0; t < length; t++)
                {
                    double s = 0;
                    for (int d = 0; d < hs; d++) s += (double)qkv[bi * 3 * c + h * hs + d] * keys[cacheAt + (long)t * hs + d];
                    scores[t] = s * scale;
                }
                double max = scores.Max(), sum = scores.Sum(s => Math.Exp(s - max));
                for (int t = 0; t < length; t++)
                    for (int d = 0; d < hs; d++)
                        output[bi * c + h * hs + d] += Math.Exp(scores[t] - max) / sum * values[cacheAt + (long)t * hs + d];
            }
        return output;
    }

    /// <summary>Distinct (tensor, index) pairs read and written while walking an op's loops (as in OpCostTests).</summary>
    private sealed class Traffic
    {
        private readonly HashSet<(string, long)> _reads = [], _writes = [];
        public long Flops;
        public void Read(string tensor, long index) => _reads.Add((tensor, index));
        public void Write(string tensor, long index) => _writes.Add((tensor, index));
        public OpCost Cost => new(Flops, 4 * _reads.Count, 4 * _writes.Count);
    }
}
