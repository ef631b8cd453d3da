using BenchmarkDotNet.Attributes;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.Generation;
using MiniTransformer.Language;
using MiniTransformer.Model;

namespace MiniTransformer.Bench;

/// <summary>
/// Sampling throughput of a transformer generator on the CPU backend: vocab 8,192, 2 layers, width 256 (4 heads of 64),
/// μP (base 128), rotary, tied — GptInitializer weights, seed 1 — at temperature 1, no top-k. One invocation samples
/// Batch sequences of Length tokens; the tokens/s column is Batch·(Length − 1) drawn tokens / Median.
/// <see cref="Sample"/> is the whole <see cref="TransformerSampler"/>; <see cref="DecodeOnly"/> the same KV-cache steps
/// and logits download without the host draws, to show where the time goes.
/// Compare with tools/torch_sampling.py (same model, batch and length) run back to back.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(TokensConfig))]
public class SamplingBenchmarks
{
    private const int Vocab = 8192, Layers = 2, Width = 256, Length = 128;

    private CpuBackend _backend = null!;
    private TransformerSampler _sampler = null!;
    private KvCacheDecoder _decoder = null!;
    private Compute.DeviceBuffer<float> _decoderParameters = null!;
    private int[] _first = null!, _tokens = null!;
    private double[] _nlp = null!;
    private float[] _logits = null!;

    [Params(8, 64)]
    public int Batch { get; set; }

    [Params(2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var config = new GptConfig(Vocab, Length, Layers, Width);
        var layout = new ParameterLayout(config);
        _backend = new CpuBackend(Threads);
        var parameters = GptInitializer.Initialize(layout, 1);
        _sampler = new TransformerSampler(_backend, config, parameters, Batch, Threads);
        _decoderParameters = _backend.UploadNew<float>(parameters);
        _decoder = new KvCacheDecoder(_backend, config, _decoderParameters, Batch, Length);
        var rng = new Random(1);
        _first = Enumerable.Range(0, Batch).Select(_ => rng.Next(Vocab)).ToArray();
        _tokens = new int[Batch * Length];
        _nlp = new double[Batch];
        _logits = new float[Batch * Vocab];
    }

    [Benchmark]
    public void Sample() => _sampler.Sample(_first, Length, new SamplingOptions(), 7, 0, _tokens, _nlp);

    [Benchmark]
    public void DecodeOnly()
    {
        _decoder.Reset();
        for (int t = 0; t + 1 < Length; t++) _backend.Download(_decoder.Step(_first), _logits);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sampler.Dispose();
        _decoder.Dispose();
        _decoderParameters.Dispose();
        _backend.Dispose();
    }

    private sealed class TokensConfig : BenchmarkDotNet.Configs.ManualConfig
    {
        public TokensConfig() => AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median, new TokensPerSecondColumn());
    }

    /// <summary>Batch·(Length − 1) / Median: the drawn tokens per second of one invocation.</summary>
    private sealed class TokensPerSecondColumn : BenchmarkDotNet.Columns.IColumn
    {
        public string Id => nameof(TokensPerSecondColumn);
        public string ColumnName => "tokens/s";
        public bool AlwaysShow => true;
        public BenchmarkDotNet.Columns.ColumnCategory Category => BenchmarkDotNet.Columns.ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public BenchmarkDotNet.Columns.UnitType UnitType => BenchmarkDotNet.Columns.UnitType.Dimensionless;
        public string Legend => "sampled tokens per second: Batch·(Length − 1) / Median";
        public bool IsAvailable(BenchmarkDotNet.Reports.Summary summary) => true;
        public bool IsDefault(BenchmarkDotNet.Reports.Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;
        public string GetValue(BenchmarkDotNet.Reports.Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) =>
            GetValue(summary, benchmarkCase, summary.Style);
        public string GetValue(BenchmarkDotNet.Reports.Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase,
            BenchmarkDotNet.Reports.SummaryStyle style)
        {
            var stats = summary[benchmarkCase]?.ResultStatistics;
            int batch = (int)benchmarkCase.Parameters["Batch"];
            return stats is null ? "-" : (batch * (Length - 1) / (stats.Median * 1e-9)).ToString("N0");
        }
    }
}
