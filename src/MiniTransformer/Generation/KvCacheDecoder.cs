using MiniTransformer.Compute;
using MiniTransformer.Model;

namespace MiniTransformer.Generation;

/// <summary>
/// Incremental (KV-cache) decoding of the tiny GPT (<see cref="Gpt"/>'s architecture and parameter layout) for a batch
/// of B sequences advancing in step: <see cref="Step"/> feeds one token per sequence at position <see cref="Position"/>
/// and returns the next-token logits [B, V]. Each layer keeps its keys and values in device caches [B, NH, capacity, HS],
/// so a step costs O(position) attention instead of a full pass over the prefix. The forward is the same straight
/// line of backend ops as <see cref="Gpt.Forward"/> on B rows (embedding at the position, pre-LN blocks, RoPE at the
/// position, final LN, readout with the μP multiplier); only attention reads the cache. Parameters are not owned.
/// </summary>
public sealed class KvCacheDecoder : IDisposable
{
    private readonly DeviceBuffer<float> _activations, _caches;
    private readonly DeviceBuffer<int> _tokens;
    private readonly GptTensors _p;
    private readonly DeviceSlice<float> _x, _ln, _mean, _rstd, _qkv, _attY, _projection, _fcPre, _fcGelu;
    private readonly DeviceSlice<float>[] _keys, _values;

    /// <param name="parameters">A parameter buffer in <see cref="ParameterLayout"/> of <paramref name="config"/> (e.g. a trained Gpt's).</param>
    /// <param name="capacity">Longest sequence the caches hold; with learned positions at most the config's sequence length.</param>
    public KvCacheDecoder(ComputeBackend backend, GptConfig config, DeviceSlice<float> parameters, int batchSize, int capacity)
    {
        config.Validate();
        if (batchSize < 1) throw new UserInputException($"batch size {batchSize} must be at least 1");
        if (capacity < 1) throw new UserInputException($"decode length {capacity} must be at least 1");
        if (config.Positions == PositionEncoding.Learned && capacity > config.SequenceLength)
            throw new UserInputException($"a model with learned positions decodes at most its context of {config.SequenceLength} tokens, not {capacity}");
        var layout = new ParameterLayout(config);
        if (parameters.Length != layout.Count)
            throw new ArgumentException($"the parameter buffer holds {parameters.Length} floats, the model has {layout.Count}");
        Backend = backend;
        Config = config;
        BatchSize = batchSize;
        Capacity = capacity;
        _p = new GptTensors(layout, parameters);

        int b = batchSize, c = config.Width, h = GptConfig.MlpRatio * c;
        long[] sizes = [(long)b * c, (long)b * c, b, b, 3L * b * c, (long)b * c, (long)b * c, (long)b * h, (long)b * h, (long)b * config.VocabSize];
        _activations = backend.Allocate<float>(sizes.Sum());
        long offset = 0;
        DeviceSlice<float> Take(long n) { var s = _activations.Slice(offset, n); offset += n; return s; }
        _x = Take(sizes[0]); _ln = Take(sizes[1]); _mean = Take(sizes[2]); _rstd = Take(sizes[3]); _qkv = Take(sizes[4]);
        _attY = Take(sizes[5]); _projection = Take(sizes[6]); _fcPre = Take(sizes[7]); _fcGelu = Take(sizes[8]);
        Logits = Take(sizes[9]);

        long cache = (long)b * capacity * c;
        _caches = backend.Allocate<float>(2 * config.Layers * cache);
        _keys = Enumerable.Range(0, config.Layers).Select(l => _caches.Slice(2 * l * cache, cache)).ToArray();
        _values = Enumerable.Range(0, config.Layers).Select(l => _caches.Slice((2 * l + 1) * cache, cache)).ToArray();
        _tokens = backend.Allocate<int>(b);
    }

    public ComputeBackend Backend { get; }
    public GptConfig Config { get; }
    public int BatchSize { get; }
    public int Capacity { get; }

    /// <summary>Tokens consumed so far per sequence: the position the next <see cref="Step"/> feeds.</summary>
    public int Position { get; private set; }

    /// <summary>[B, V] logits of the last step (valid after <see cref="Step"/>, until the next one).</summary>
    public DeviceSlice<float> Logits { get; }

    /// <summary>Starts new sequences: the caches are overwritten position by position, so nothing needs clearing.</summary>
    public void Reset() => Position = 0;

    /// <summary>Feeds token[b] at <see cref="Position"/> to sequence b and computes the next-token logits of every sequence.</summary>
    public DeviceSlice<float> Step(ReadOnlySpan<int> tokens)
    {
        if (tokens.Length != BatchSize) throw new ArgumentException($"a step takes {BatchSize} tokens, got {tokens.Length}");
        if (Position >= Capacity) throw new InvalidOperationException($"the caches hold {Capacity} positions; call Reset to start new sequences");
        var b = Backend;
        var cfg = Config;
        int rows = BatchSize, C = cfg.Width, V = cfg.VocabSize, NH = cfg.HeadCount, HS = cfg.HeadSize, h = GptConfig.MlpRatio * C;
        int t = Position;
        b.Upload(tokens, _tokens);

        // Learned positions: row t of wpe is the one table row a single-position "sequence" adds.
        var wpe = _p.Wpe is { } table ? table.Slice((long)t * C, C) : (DeviceSlice<float>?)null;
        b.EmbeddingForward(_x, _tokens, _p.Wte, wpe, rows, 1, C);
        for (int l = 0; l < cfg.Layers; l++)
        {
            var p = _p.Blocks[l];
            b.LayerNormForward(_ln, _mean, _rstd, _x, p.Ln1W, p.Ln1B, rows, C);
            Linear(_qkv, _ln, p.QkvW, p.QkvB, rows, C, 3 * C);
            if (cfg.Positions == PositionEncoding.Rotary) b.RopeAt(_qkv, rows, NH, HS, t, cfg.RopeTheta);
            b.KvCacheAppend(_keys[l], _values[l], _qkv, rows, NH, HS, Capacity, t);
            b.AttentionDecode(_attY, _qkv, _keys[l], _values[l], rows, NH, HS, Capacity, t + 1, cfg.AttentionScale);
            Linear(_projection, _attY, p.AttProjW, p.AttProjB, rows, C, C);
            b.Add(_x, _x, _projection, (long)rows * C);
            b.LayerNormForward(_ln, _mean, _rstd, _x, p.Ln2W, p.Ln2B, rows, C);
            b.Gemm(new GemmSpec(rows, h, C, TransB: true), _ln, p.FcW, _fcGelu, GemmEpilogue.BiasGelu, p.FcB, _fcPre);
            Linear(_projection, _fcGelu, p.FcProjW, p.FcProjB, rows, h, C);
            b.Add(_x, _x, _projection, (long)rows * C);
        }
        b.LayerNormForward(_ln, _mean, _rstd, _x, _p.LnfW, _p.LnfB, rows, C);
        b.Gemm(new GemmSpec(rows, V, C, TransB: true, Alpha: cfg.ReadoutMultiplier), _ln, _p.Readout, Logits);
        Position++;
        return Logits;
    }

    /// <summary>y = x·Wᵀ + bias with W stored [out, in], as <see cref="Gpt"/>.</summary>
    private void Linear(DeviceSlice<float> output, DeviceSlice<float> input, DeviceSlice<float> weight, DeviceSlice<float> bias,
        int rows, int inFeatures, int outFeatures) =>
        Backend.Gemm(new GemmSpec(rows, outFeatures, inFeatures, TransB: true), input, weight, output, GemmEpilogue.Bias, bias);

    public void Dispose()
    {
        _activations.Dispose();
        _caches.Dispose();
        _tokens.Dispose();
    }
}
