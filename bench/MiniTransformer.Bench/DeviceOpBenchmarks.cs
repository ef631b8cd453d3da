using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using MiniTransformer.Compute;
using MiniTransformer.Compute.Device;

namespace MiniTransformer.Bench;

/// <summary>
/// The op set on every backend available here (cpu, opencl; cuda on a GPU machine), at the shapes of one training
/// step of a 2-layer model: width 128 / vocab 1,024 and width 512 / vocab 8,192, 1,600 tokens (32 walks of 50).
/// Each iteration enqueues the op and synchronises. GFLOP/s and GB/s come from the op's declared cost
/// (<see cref="OpCosts"/>) over the measured mean; "copy" is the device's own copy bandwidth to compare GB/s against.
/// Run: dotnet run -c Release --project bench/MiniTransformer.Bench -- --filter '*DeviceOp*' --job short
/// (MT_BENCH_BACKENDS=cuda restricts the backends; --inProcess skips the per-case build and process start.)
/// </summary>
[Config(typeof(RateConfig))]
public class DeviceOpBenchmarks
{
    private const int Batch = 32, SeqLen = 50, Tokens = Batch * SeqLen, HeadSize = 32;

    /// <summary>Comma-separated backends to measure (e.g. "cuda" on a GPU machine); unset means every one that opens.</summary>
    public const string BackendsVariable = "MT_BENCH_BACKENDS";

    public static IEnumerable<string> AvailableBackends()
    {
        var wanted = Environment.GetEnvironmentVariable(BackendsVariable) is { Length: > 0 } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Backends.Parse).ToArray()
            : [BackendKind.Cpu, BackendKind.OpenCL, BackendKind.Cuda];
        foreach (var kind in wanted)
        {
            try { Backends.Create(kind).Dispose(); }
            catch (BackendUnavailableException) { continue; }
            yield return kind.ToString().ToLowerInvariant();
        }
    }

    [ParamsSource(nameof(AvailableBackends))]
    public string Backend { get; set; } = "cpu";

    [Params(128, 512)]
    public int Width { get; set; }

    private ComputeBackend _b = null!;
    private int Vocab => Width == 128 ? 1024 : 8192;
    private int Heads => Width / HeadSize;
    private DeviceBuffer<float> _x = null!, _y = null!, _qkv = null!, _dqkv = null!, _att = null!, _hidden = null!, _pre = null!;
    private DeviceBuffer<float> _wQkv = null!, _wFc = null!, _bias = null!, _wte = null!, _logits = null!, _losses = null!;
    private DeviceBuffer<float> _lnW = null!, _lnB = null!, _dLnW = null!, _dLnB = null!, _mean = null!, _rstd = null!, _params = null!, _grads = null!, _m = null!, _v = null!;
    private DeviceBuffer<float> _copySource = null!, _copyTarget = null!, _scalar = null!;
    private DeviceBuffer<int> _tokens = null!, _walks = null!;
    private DeviceWalkTables _tables = null!;
    private readonly List<IDisposable> _owned = new();

    [GlobalSetup]
    public void Setup()
    {
        _b = Backends.Create(Backends.Parse(Backend));
        if (_b is KernelBackend kernels)
            foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "kernels"), "*.cl"))
                kernels.Prepare(Path.GetFileName(file)); // compile outside the measurement
        int c = Width;
        _x = Random(Tokens * c, 1); _y = Random(Tokens * c, 2);
        _qkv = Random(3 * Tokens * c, 3, 0.3f); _dqkv = Random(3 * Tokens * c, 4);
        _att = Random(Batch * Heads * SeqLen * SeqLen, 5);
        _hidden = Random(Tokens * 4 * c, 6); _pre = Random(Tokens * 4 * c, 7);
        _wQkv = Random(3 * c * c, 8, 0.05f); _wFc = Random(4 * c * c, 9, 0.05f); _bias = Random(4 * c, 10);
        _wte = Random(Vocab * c, 11, 0.05f); _logits = Random(Tokens * Vocab, 12); _losses = Random(Tokens, 13);
        _lnW = Random(c, 14); _lnB = Random(c, 15); _dLnW = Random(c, 26); _dLnB = Random(c, 27); _mean = Random(Tokens, 16); _rstd = Random(Tokens, 17);
        long parameters = (long)Vocab * c + 2L * 12 * c * c;
        _params = Random(parameters, 18); _grads = Random(parameters, 19); _m = Random(parameters, 20, 0.01f); _v = Random(parameters, 21, 0.01f);
        _copySource = Random(parameters, 22); _copyTarget = Random(parameters, 23); _scalar = Random(1, 24);
        var rng = new Random(25);
        _tokens = Own(_b.UploadNew<int>(Enumerable.Range(0, Tokens).Select(_ => rng.Next(Vocab)).ToArray()));
        _walks = Own(_b.Allocate<int>(Tokens));
        _tables = RandomGraph(Vocab, 13, rng);
        _b.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var d in _owned) d.Dispose();
        _owned.Clear();
        _b.Dispose();
    }

    [Benchmark] public void Copy() { _b.Copy(_copyTarget, _copySource); _b.Synchronize(); }
    [Benchmark] public void GemmQkv() { _b.Gemm(new GemmSpec(Tokens, 3 * Width, Width, TransB: true), _x, _wQkv, _qkv, GemmEpilogue.None); _b.Synchronize(); }
    [Benchmark] public void GemmFcBiasGelu() { _b.Gemm(new GemmSpec(Tokens, 4 * Width, Width, TransB: true), _x, _wFc, _hidden, GemmEpilogue.BiasGelu, _bias, _pre); _b.Synchronize(); }
    [Benchmark] public void GemmLogits() { _b.Gemm(new GemmSpec(Tokens, Vocab, Width, TransB: true), _x, _wte, _logits); _b.Synchronize(); }
    [Benchmark] public void GemmWeightGradTN() { _b.Gemm(new GemmSpec(4 * Width, Width, Tokens, TransA: true, Beta: 1f), _hidden, _x, _wFc); _b.Synchronize(); }
    [Benchmark] public void LayerNormForward() { _b.LayerNormForward(_y, _mean, _rstd, _x, _lnW, _lnB, Tokens, Width); _b.Synchronize(); }
    [Benchmark] public void LayerNormBackward() { _b.LayerNormBackward(_y, _dLnW, _dLnB, _x, _x, _lnW, _mean, _rstd, Tokens, Width); _b.Synchronize(); }
    [Benchmark] public void AttentionForward() { _b.AttentionForward(_y, _att, _qkv, Batch, SeqLen, Heads, HeadSize, 1f / HeadSize); _b.Synchronize(); }
    [Benchmark] public void AttentionBackward() { _b.AttentionBackward(_dqkv, _y, _qkv, _att, Batch, SeqLen, Heads, HeadSize, 1f / HeadSize); _b.Synchronize(); }
    [Benchmark] public void Rope() { _b.Rope(_qkv, Batch, SeqLen, Heads, HeadSize, 10000f, inverse: false); _b.Synchronize(); }
    [Benchmark] public void CrossEntropyWithGradient() { _b.CrossEntropy(_losses, _logits, _logits, _tokens, Tokens, Vocab, 1f / Tokens); _b.Synchronize(); }
    [Benchmark] public void EmbeddingBackward() { _b.EmbeddingBackward(_wte, null, _x, _tokens, Batch, SeqLen, Width); _b.Synchronize(); }
    [Benchmark] public void AdamW() { _b.AdamW(_params, _grads, _m, _v, new AdamWStep(1e-3f, 10)); _b.Synchronize(); }
    [Benchmark] public void ReduceSumOfSquares() { _b.Reduce(ReductionKind.SumOfSquares, _scalar, _grads, _grads.Length); _b.Synchronize(); }
    [Benchmark] public void SampleWalks() { _b.SampleWalks(_walks, _tables, SeqLen, 0, Batch, 7); _b.Synchronize(); }

    /// <summary>The declared cost of one invocation of each benchmark, for the rate columns.</summary>
    internal static OpCost Cost(string method, int width)
    {
        int vocab = width == 128 ? 1024 : 8192, heads = width / HeadSize;
        long parameters = (long)vocab * width + 2L * 12 * width * width;
        return method switch
        {
            nameof(Copy) => OpCosts.Copy(parameters),
            nameof(GemmQkv) => OpCosts.Gemm(new GemmSpec(Tokens, 3 * width, width, TransB: true), GemmEpilogue.None),
            nameof(GemmFcBiasGelu) => OpCosts.Gemm(new GemmSpec(Tokens, 4 * width, width, TransB: true), GemmEpilogue.BiasGelu),
            nameof(GemmLogits) => OpCosts.Gemm(new GemmSpec(Tokens, vocab, width, TransB: true), GemmEpilogue.None),
            nameof(GemmWeightGradTN) => OpCosts.Gemm(new GemmSpec(4 * width, width, Tokens, TransA: true, Beta: 1f), GemmEpilogue.None),
            nameof(LayerNormForward) => OpCosts.LayerNormForward(Tokens, width),
            nameof(LayerNormBackward) => OpCosts.LayerNormBackward(Tokens, width),
            nameof(AttentionForward) => OpCosts.AttentionForward(Batch, SeqLen, heads, HeadSize),
            nameof(AttentionBackward) => OpCosts.AttentionBackward(Batch, SeqLen, heads, HeadSize),
            nameof(Rope) => OpCosts.Rope(Batch, SeqLen, heads, HeadSize),
            nameof(CrossEntropyWithGradient) => OpCosts.CrossEntropy(Tokens, vocab, true),
            nameof(EmbeddingBackward) => OpCosts.EmbeddingBackward(Batch, SeqLen, width, false),
            nameof(AdamW) => OpCosts.AdamW(parameters),
            nameof(ReduceSumOfSquares) => OpCosts.Reduce(ReductionKind.SumOfSquares, parameters),
            nameof(SampleWalks) => OpCosts.SampleWalks(Batch, SeqLen),
            _ => default,
        };
    }

    private DeviceBuffer<float> Random(long n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var data = new float[n];
        for (long i = 0; i < n; i++) data[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return Own(_b.UploadNew<float>(data));
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>A random graph with uniform alias tables (every slot kept): the walk kernel's memory pattern, no builder needed.</summary>
    private DeviceWalkTables RandomGraph(int nodes, int degree, Random rng)
    {
        var offsets = Enumerable.Range(0, nodes + 1).Select(u => u * degree).ToArray();
        var neighbors = Enumerable.Range(0, nodes * degree).Select(_ => rng.Next(nodes)).ToArray();
        var keep = Enumerable.Repeat(uint.MaxValue, nodes * degree).ToArray();
        var self = Enumerable.Range(0, nodes * degree).ToArray();
        return new DeviceWalkTables(nodes,
            Own(_b.UploadNew<int>(offsets)), Own(_b.UploadNew<int>(neighbors)), Own(_b.UploadNew<uint>(keep)), Own(_b.UploadNew<int>(self)),
            Own(_b.UploadNew<uint>(keep.AsSpan(0, nodes))), Own(_b.UploadNew<int>(self.AsSpan(0, nodes))));
    }

    private sealed class RateConfig : ManualConfig
    {
        public RateConfig()
        {
            static OpCost? CostOf(BenchmarkCase c) => Cost(c.Descriptor.WorkloadMethod.Name, ThroughputColumn.Param<int>(c, nameof(Width)));
            AddColumn(ThroughputColumn.Gflops(CostOf), ThroughputColumn.GBps(CostOf));
        }
    }
}
