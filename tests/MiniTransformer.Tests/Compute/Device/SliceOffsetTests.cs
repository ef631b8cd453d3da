using MiniTransformer.Compute;
using MiniTransformer.Data.Walks;

namespace MiniTransformer.Tests.Compute.Device;

/// <summary>
/// Every op run twice: once on tensors that each own a buffer, once on tensors carved from one shared buffer at odd
/// element offsets with NaN gaps between them. The kernels take (pointer, offset) pairs, so both runs must give
/// identical bits — which also shows run-to-run determinism — and the gaps must stay NaN (nothing written outside
/// a tensor). Runs on every available backend.
/// </summary>
public class SliceOffsetTests
{
    /// <summary>Allocates op tensors either in separate buffers or packed, with NaN gaps, into shared ones.</summary>
    private sealed class Layout : IDisposable
    {
        private const int Gap = 3;
        private readonly ComputeBackend _backend;
        private readonly bool _shared;
        private readonly DeviceBuffer<float>? _floats;
        private readonly DeviceBuffer<int>? _ints;
        private readonly List<(long Offset, long Length)> _used = new();
        private readonly List<IDisposable> _owned = new();
        private long _floatTop = 1, _intTop = 5;

        public Layout(ComputeBackend backend, bool shared)
        {
            _backend = backend;
            _shared = shared;
            if (!shared) return;
            _floats = TestData.Poisoned(backend, 1 << 20);
            _ints = backend.Allocate<int>(1 << 16);
        }

        public DeviceSlice<float> F(float[] data)
        {
            var slice = FloatSlice(data.Length);
            _backend.Upload<float>(data, slice);
            return slice;
        }

        public DeviceSlice<float> Out(long length)
        {
            var slice = FloatSlice(length);
            _backend.Fill(slice, float.NaN);
            return slice;
        }

        public DeviceSlice<T> I<T>(T[] data) where T : unmanaged
        {
            DeviceSlice<T> slice;
            if (_shared && typeof(T) == typeof(int))
            {
                var ints = _ints!.Slice(_intTop, data.Length);
                _intTop += data.Length + Gap;
                slice = (DeviceSlice<T>)(object)ints;
            }
            else
            {
                var buffer = _backend.Allocate<T>(data.Length);
                _owned.Add(buffer);
                slice = buffer;
            }
            _backend.Upload<T>(data, slice);
            return slice;
        }

        private DeviceSlice<float> FloatSlice(long length)
        {
            if (!_shared)
            {
                var buffer = _backend.Allocate<float>(length);
                _owned.Add(buffer);
                return buffer;
            }
            var slice = _floats!.Slice(_floatTop, length);
            _used.Add((_floatTop, length));
            _floatTop += length + Gap;
            return slice;
        }

        /// <summary>Shared layout only: every float outside a tensor is still NaN.</summary>
        public void AssertGapsUntouched(string op)
        {
            if (!_shared) return;
            var all = _backend.DownloadArray<float>(_floats!.Slice(0, _floatTop));
            var inside = new bool[all.Length];
            foreach (var (offset, length) in _used)
                for (long i = offset; i < offset + length; i++) inside[i] = true;
            for (int i = 0; i < all.Length; i++)
                if (!inside[i] && !float.IsNaN(all[i])) Assert.Fail($"{op} wrote outside its tensors at shared offset {i}");
        }

        public void Dispose()
        {
            foreach (var d in _owned) d.Dispose();
            _floats?.Dispose();
            _ints?.Dispose();
        }
    }

    /// <summary>An op: builds its tensors in a layout, runs, returns the outputs to compare.</summary>
    private delegate DeviceSlice<float>[] Op(ComputeBackend backend, Layout layout);

    private static readonly (string Name, Op Run)[] Ops =
    [
        ("gemm NT bias-gelu", (b, l) =>
        {
            var s = new GemmSpec(37, 70, 45, TransB: true);
            var c = l.Out(s.ExtentC); var pre = l.Out(s.ExtentC);
            b.Gemm(s, l.F(TestData.Random((int)s.ExtentA, 1)), l.F(TestData.Random((int)s.ExtentB, 2)), c, GemmEpilogue.BiasGelu, l.F(TestData.Random(70, 3)), pre);
            return [c, pre];
        }),
        ("gemm TN batched beta", (b, l) =>
        {
            var s = new GemmSpec(19, 23, 66, TransA: true, Beta: 0.5f, Batch: 3, StrideB: 0);
            var c = l.F(TestData.Random((int)s.ExtentC, 4));
            b.Gemm(s, l.F(TestData.Random((int)s.ExtentA, 5)), l.F(TestData.Random((int)s.ExtentB, 6)), c);
            return [c];
        }),
        ("gelu", (b, l) =>
        {
            var x = l.F(TestData.Random(1001, 7, 4f)); var y = l.Out(1001); var dx = l.Out(1001);
            b.GeluForward(y, x, 1001);
            b.GeluBackward(dx, x, l.F(TestData.Random(1001, 8)), 1001);
            return [y, dx];
        }),
        ("add + column sum", (b, l) =>
        {
            var o = l.Out(300); var cs = l.F(TestData.Random(30, 9));
            b.Add(o, l.F(TestData.Random(300, 10)), l.F(TestData.Random(300, 11)), 300);
            b.ColumnSum(cs, o, 10, 30, accumulate: true);
            return [o, cs];
        }),
        ("layernorm", (b, l) =>
        {
            const int rows = 13, cols = 301;
            var x = l.F(TestData.Random(rows * cols, 12)); var w = l.F(TestData.Random(cols, 13)); var bias = l.F(TestData.Random(cols, 14));
            var y = l.Out(rows * cols); var mean = l.Out(rows); var rstd = l.Out(rows);
            b.LayerNormForward(y, mean, rstd, x, w, bias, rows, cols);
            var dx = l.F(TestData.Random(rows * cols, 15)); var dw = l.F(TestData.Random(cols, 16)); var db = l.F(TestData.Random(cols, 17));
            b.LayerNormBackward(dx, dw, db, l.F(TestData.Random(rows * cols, 18)), x, w, mean, rstd, rows, cols);
            return [y, mean, rstd, dx, dw, db];
        }),
        ("rope + attention", (b, l) =>
        {
            const int batch = 2, T = 11, nh = 3, hs = 6;
            var qkv = l.F(TestData.Random(batch * T * 3 * nh * hs, 19));
            b.Rope(qkv, batch, T, nh, hs, 10000f, inverse: false);
            var o = l.Out(batch * T * nh * hs); var att = l.Out(batch * nh * T * T); var dqkv = l.Out(batch * T * 3 * nh * hs);
            b.AttentionForward(o, att, qkv, batch, T, nh, hs, 0.4f);
            b.AttentionBackward(dqkv, l.F(TestData.Random(batch * T * nh * hs, 20)), qkv, att, batch, T, nh, hs, 0.4f);
            b.Rope(dqkv, batch, T, nh, hs, 10000f, inverse: true);
            return [qkv, o, att, dqkv];
        }),
        ("cross-entropy", (b, l) =>
        {
            const int rows = 9, vocab = 517;
            var losses = l.Out(rows); var d = l.Out(rows * vocab);
            var targets = Enumerable.Range(0, rows).Select(r => r * 57 % vocab).ToArray();
            b.CrossEntropy(losses, d, l.F(TestData.Random(rows * vocab, 21, 5f)), l.I(targets), rows, vocab, 0.25f);
            return [losses, d];
        }),
        ("embedding", (b, l) =>
        {
            const int batch = 3, T = 7, C = 20, V = 11;
            var tokens = l.I(Enumerable.Range(0, batch * T).Select(i => i * 5 % V).ToArray());
            var o = l.Out(batch * T * C); var dwte = l.F(TestData.Random(V * C, 22)); var dwpe = l.F(TestData.Random(T * C, 23));
            b.EmbeddingForward(o, tokens, l.F(TestData.Random(V * C, 24)), l.F(TestData.Random(T * C, 25)), batch, T, C);
            b.EmbeddingBackward(dwte, dwpe, l.F(TestData.Random(batch * T * C, 26)), tokens, batch, T, C);
            return [o, dwte, dwpe];
        }),
        ("adamw", (b, l) =>
        {
            var p = l.F(TestData.Random(999, 27)); var m = l.F(TestData.Random(999, 28, 0.1f));
            var v = l.F(TestData.Random(999, 29).Select(Math.Abs).ToArray());
            b.AdamW(p, l.F(TestData.Random(999, 30)), m, v, new AdamWStep(1e-2f, 7));
            return [p, m, v];
        }),
        ("reduce", (b, l) =>
        {
            var x = l.F(TestData.Random(100_003, 31));
            var sum = l.Out(1); var max = l.Out(1); var sq = l.Out(1);
            b.Reduce(ReductionKind.Sum, sum, x, 100_003);
            b.Reduce(ReductionKind.Max, max, x, 100_003);
            b.Reduce(ReductionKind.SumOfSquares, sq, x, 100_003);
            return [sum, max, sq];
        }),
        ("distance top-k", (b, l) =>
        {
            var idx = l.I(new int[5 * 4]); var dist = l.Out(5 * 4);
            b.SquaredDistanceTopK(idx, dist, l.F(TestData.Random(5 * 3, 32)), l.F(TestData.Random(40 * 3, 33)), 5, 40, 3, 4);
            var asFloat = l.Out(5 * 4);
            b.Upload<float>(b.DownloadArray<int>(idx).Select(i => (float)i).ToArray(), asFloat);
            return [dist, asFloat];
        }),
    ];

    public static TheoryData<BackendKind, string> Cases()
    {
        var data = new TheoryData<BackendKind, string>();
        foreach (var kind in new[] { BackendKind.Cpu, BackendKind.OpenCL, BackendKind.Cuda })
            foreach (var (name, _) in Ops) data.Add(kind, name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OffsetsGiveTheSameBitsAndStayInside(BackendKind kind, string op)
    {
        using var backend = BackendCases.Create(kind);
        var run = Ops.Single(o => o.Name == op).Run;
        float[][] Outputs(bool shared)
        {
            using var layout = new Layout(backend, shared);
            var outputs = run(backend, layout).Select(s => backend.DownloadArray<float>(s)).ToArray();
            layout.AssertGapsUntouched(op);
            return outputs;
        }
        var packed = Outputs(shared: false);
        var carved = Outputs(shared: true);
        for (int i = 0; i < packed.Length; i++)
        {
            Assert.All(packed[i], v => Assert.False(float.IsNaN(v), $"{op} output {i} has an unwritten element"));
            Assert.Equal(packed[i].Select(BitConverter.SingleToInt32Bits), carved[i].Select(BitConverter.SingleToInt32Bits));
        }
    }

    /// <summary>Random but valid tables (indices in range; thresholds arbitrary): bit-identity needs no probabilities.</summary>
    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void WalksOnARandomGraphAreBitIdenticalToTheHost(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        var rng = new Random(5);
        const int nodes = 1500;
        var offsets = new int[nodes + 1];
        for (int u = 0; u < nodes; u++) offsets[u + 1] = offsets[u] + rng.Next(1, 12);
        int edges = offsets[nodes];
        var neighbors = Enumerable.Range(0, edges).Select(_ => rng.Next(nodes)).ToArray();
        var threshold = Enumerable.Range(0, edges).Select(_ => (uint)rng.NextInt64(0, 1L << 32)).ToArray();
        var alias = new int[edges];
        for (int u = 0; u < nodes; u++)
            for (int j = offsets[u]; j < offsets[u + 1]; j++) alias[j] = rng.Next(offsets[u], offsets[u + 1]);
        var startThreshold = Enumerable.Range(0, nodes).Select(_ => (uint)rng.NextInt64(0, 1L << 32)).ToArray();
        var startAlias = Enumerable.Range(0, nodes).Select(_ => rng.Next(nodes)).ToArray();
        var host = new WalkTables(offsets, neighbors, threshold, alias, startThreshold, startAlias);

        using var dOffsets = backend.UploadNew<int>(offsets);
        using var dNeighbors = backend.UploadNew<int>(neighbors);
        using var dThreshold = backend.UploadNew<uint>(threshold);
        using var dAlias = backend.UploadNew<int>(alias);
        using var dStartThreshold = backend.UploadNew<uint>(startThreshold);
        using var dStartAlias = backend.UploadNew<int>(startAlias);
        var tables = new DeviceWalkTables(nodes, dOffsets, dNeighbors, dThreshold, dAlias, dStartThreshold, dStartAlias);
        const int count = 2000, length = 51;
        const long first = 3_000_000_123L;
        const ulong seed = 0x0123456789ABCDEFUL;
        using var tokens = backend.Allocate<int>(count * length);
        backend.SampleWalks(tokens, tables, length, first, count, seed);
        var expected = new int[count * length];
        for (int w = 0; w < count; w++) host.SampleWalk(seed, first + w, expected.AsSpan(w * length, length));
        Assert.Equal(expected, backend.DownloadArray<int>(tokens));
    }
}
