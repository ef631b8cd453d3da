using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MiniTransformer.Compute;
using MiniTransformer.Compute.Cpu;

namespace MiniTransformer.Bench;

/// <summary>
/// Every non-GEMM CPU op on the shapes of the width-128 step (batch 32 × context 50, 4 heads of 32, vocab 1,024),
/// in GB/s of declared compulsory traffic, beside a plain copy of the same order of size (the bandwidth ceiling)
/// and one far larger than the caches. Run:
/// dotnet run -c Release --project bench/MiniTransformer.Bench -- --filter '*CpuOpBenchmarks*'
/// </summary>
[Config(typeof(Config))]
public class CpuOpBenchmarks
{
    private const int B = 32, T = 50, C = 128, NH = 4, HS = 32, V = 1024, Rows = B * T, Hidden = 4 * C;
    private const int Parameters = 1 << 20, Queries = 256, Points = 16384, Dim = 32, K = 16;
    private const int Nodes = 4096, Degree = 8, Walks = 1024, WalkLength = T + 1;
    private const long SmallCopy = (long)Rows * V, LargeCopy = 1L << 26;

    private static readonly Dictionary<string, OpCost> Costs = new()
    {
        [nameof(CopyLogitsSized)] = OpCosts.Copy(SmallCopy),
        [nameof(CopyBeyondCaches)] = OpCosts.Copy(LargeCopy),
        [nameof(ResidualAdd)] = OpCosts.Add((long)Rows * C),
        [nameof(GeluForward)] = OpCosts.GeluForward((long)Rows * Hidden),
        [nameof(GeluBackward)] = OpCosts.GeluBackward((long)Rows * Hidden),
        [nameof(BiasGradient)] = OpCosts.ColumnSum(Rows, Hidden, accumulate: true),
        [nameof(LayerNormForward)] = OpCosts.LayerNormForward(Rows, C),
        [nameof(LayerNormBackward)] = OpCosts.LayerNormBackward(Rows, C),
        [nameof(Rope)] = OpCosts.Rope(B, T, NH, HS),
        [nameof(AttentionForward)] = OpCosts.AttentionForward(B, T, NH, HS),
        [nameof(AttentionBackward)] = OpCosts.AttentionBackward(B, T, NH, HS),
        [nameof(CrossEntropyWithGradient)] = OpCosts.CrossEntropy(Rows, V, withGradient: true),
        [nameof(EmbeddingForward)] = OpCosts.EmbeddingForward(B, T, C, positional: false),
        [nameof(EmbeddingBackward)] = OpCosts.EmbeddingBackward(B, T, C, positional: false),
        [nameof(AdamW)] = OpCosts.AdamW(Parameters),
        [nameof(SumOfSquares)] = OpCosts.Reduce(ReductionKind.SumOfSquares, Parameters),
        [nameof(DistanceTopK)] = OpCosts.SquaredDistanceTopK(Queries, Points, Dim, K),
        [nameof(SampleWalks)] = OpCosts.SampleWalks(Walks, WalkLength),
    };

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(ThroughputColumn.GBps(c => Costs.GetValueOrDefault(c.Descriptor.WorkloadMethod.Name)));
            AddColumn(ThroughputColumn.Gflops(c => Costs.GetValueOrDefault(c.Descriptor.WorkloadMethod.Name)));
        }
    }

    private CpuBackend _be = null!;
    private readonly List<IDisposable> _buffers = [];
    private DeviceBuffer<float> _copySrc = null!, _copyDst = null!, _bigSrc = null!, _bigDst = null!;
    private DeviceBuffer<float> _gelu = null!, _x = null!, _y = null!, _h = null!, _dh = null!, _colSum = null!, _w = null!, _bias = null!;
    private DeviceBuffer<float> _mean = null!, _rstd = null!, _dx = null!, _dw = null!, _db = null!;
    private DeviceBuffer<float> _qkv = null!, _dqkv = null!, _att = null!, _attOut = null!;
    private DeviceBuffer<float> _logits = null!, _dLogits = null!, _losses = null!, _wte = null!, _dWte = null!;
    private DeviceBuffer<float> _params = null!, _grads = null!, _m = null!, _v = null!, _scalar = null!;
    private DeviceBuffer<float> _queries = null!, _points = null!, _distances = null!;
    private DeviceBuffer<int> _tokens = null!, _targets = null!, _indices = null!, _walkTokens = null!;
    private DeviceWalkTables _tables = null!;

    private DeviceBuffer<float> Floats(long n, int seed)
    {
        var rng = new Random(seed);
        var buffer = _be.UploadNew<float>(Enumerable.Range(0, (int)n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray());
        _buffers.Add(buffer);
        return buffer;
    }

    private DeviceBuffer<int> Ints(int[] values)
    {
        var buffer = _be.UploadNew<int>(values);
        _buffers.Add(buffer);
        return buffer;
    }

    [GlobalSetup]
    public void Setup()
    {
        _be = new CpuBackend();
        _copySrc = Floats(SmallCopy, 1); _copyDst = Floats(SmallCopy, 2);
        _bigSrc = Floats(LargeCopy, 3); _bigDst = Floats(LargeCopy, 4);
        _x = Floats((long)Rows * C, 5); _y = Floats((long)Rows * C, 6);
        _h = Floats((long)Rows * Hidden, 7); _dh = Floats((long)Rows * Hidden, 8); _gelu = Floats((long)Rows * Hidden, 35); _colSum = Floats(Hidden, 9);
        _w = Floats(C, 10); _bias = Floats(C, 11); _mean = Floats(Rows, 12); _rstd = Floats(Rows, 13);
        _dx = Floats((long)Rows * C, 14); _dw = Floats(C, 15); _db = Floats(C, 16);
        _qkv = Floats(3L * Rows * C, 17); _dqkv = Floats(3L * Rows * C, 18); _att = Floats((long)B * NH * T * T, 19); _attOut = Floats((long)Rows * C, 20);
        _logits = Floats((long)Rows * V, 21); _dLogits = Floats((long)Rows * V, 22); _losses = Floats(Rows, 23);
        _wte = Floats((long)V * C, 24); _dWte = Floats((long)V * C, 25);
        _params = Floats(Parameters, 26); _grads = Floats(Parameters, 27); _m = Floats(Parameters, 28); _v = Floats(Parameters, 29);
        _be.Fill(_v, 0.01f);
        _scalar = Floats(1, 30);
        _queries = Floats((long)Queries * Dim, 31); _points = Floats((long)Points * Dim, 32); _distances = Floats((long)Queries * K, 33);
        var rng = new Random(34);
        _tokens = Ints(Enumerable.Range(0, Rows).Select(_ => rng.Next(V)).ToArray());
        _targets = Ints(Enumerable.Range(0, Rows).Select(_ => rng.Next(V)).ToArray());
        _indices = Ints(new int[Queries * K]);
        _walkTokens = Ints(new int[Walks * WalkLength]);
        _be.LayerNormForward(_y, _mean, _rstd, _x, _w, _bias, Rows, C);
        _be.AttentionForward(_attOut, _att, _qkv, B, T, NH, HS, 1f / MathF.Sqrt(HS));
        // A ring lattice: node i links to i ± 1 … i ± Degree/2, uniformly (every alias slot always kept).
        int[] offsets = Enumerable.Range(0, Nodes + 1).Select(i => i * Degree).ToArray();
        int[] neighbors = Enumerable.Range(0, Nodes * Degree)
            .Select(e => ((e / Degree) + (e % Degree < Degree / 2 ? e % Degree + 1 : -(e % Degree - Degree / 2 + 1)) + Nodes) % Nodes).ToArray();
        uint[] always = Enumerable.Repeat(uint.MaxValue, Nodes * Degree).ToArray();
        _tables = new DeviceWalkTables(Nodes, Ints(offsets), Ints(neighbors), Uints(always), Ints(Enumerable.Range(0, Nodes * Degree).ToArray()),
            Uints(always[..Nodes]), Ints(Enumerable.Range(0, Nodes).ToArray()));
    }

    private DeviceBuffer<uint> Uints(uint[] values)
    {
        var buffer = _be.UploadNew<uint>(values);
        _buffers.Add(buffer);
        return buffer;
    }

    [Benchmark(Baseline = true)] public void CopyLogitsSized() => _be.Copy(_copyDst, _copySrc);
    [Benchmark] public void CopyBeyondCaches() => _be.Copy(_bigDst, _bigSrc);
    [Benchmark] public void ResidualAdd() => _be.Add(_dx, _x, _y, (long)Rows * C);
    [Benchmark] public void GeluForward() => _be.GeluForward(_gelu, _h, (long)Rows * Hidden);
    [Benchmark] public void GeluBackward() => _be.GeluBackward(_gelu, _h, _dh, (long)Rows * Hidden); // not in place: repeated calls would shrink dh into denormals
    [Benchmark] public void BiasGradient() => _be.ColumnSum(_colSum, _h, Rows, Hidden, accumulate: true);
    [Benchmark] public void LayerNormForward() => _be.LayerNormForward(_y, _mean, _rstd, _x, _w, _bias, Rows, C);
    [Benchmark] public void LayerNormBackward() => _be.LayerNormBackward(_dx, _dw, _db, _y, _x, _w, _mean, _rstd, Rows, C);
    [Benchmark] public void Rope() => _be.Rope(_qkv, B, T, NH, HS, 10000f, inverse: false);
    [Benchmark] public void AttentionForward() => _be.AttentionForward(_attOut, _att, _qkv, B, T, NH, HS, 1f / MathF.Sqrt(HS));
    [Benchmark] public void AttentionBackward() => _be.AttentionBackward(_dqkv, _attOut, _qkv, _att, B, T, NH, HS, 1f / MathF.Sqrt(HS));
    [Benchmark] public void CrossEntropyWithGradient() => _be.CrossEntropy(_losses, _dLogits, _logits, _targets, Rows, V, 1f / Rows);
    [Benchmark] public void EmbeddingForward() => _be.EmbeddingForward(_x, _tokens, _wte, null, B, T, C);
    [Benchmark] public void EmbeddingBackward() => _be.EmbeddingBackward(_dWte, null, _dx, _tokens, B, T, C);
    [Benchmark] public void AdamW() => _be.AdamW(_params, _grads, _m, _v, new AdamWStep(1e-3f, 10));
    [Benchmark] public void SumOfSquares() => _be.Reduce(ReductionKind.SumOfSquares, _scalar, _params, Parameters);
    [Benchmark] public void DistanceTopK() => _be.SquaredDistanceTopK(_indices, _distances, _queries, _points, Queries, Points, Dim, K);
    [Benchmark] public void SampleWalks() => _be.SampleWalks(_walkTokens, _tables, WalkLength, 0, Walks, 42);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var b in _buffers) b.Dispose();
        _be.Dispose();
    }
}
