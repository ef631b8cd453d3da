using MiniTransformer.Compute;
using MiniTransformer.Language;
using MiniTransformer.Model;
using MiniTransformer.Randomness;
using MiniTransformer.Training;

namespace MiniTransformer.Generation;

/// <summary>
/// Samples token sequences from a trained tiny GPT with <see cref="KvCacheDecoder"/>: sequences go through the decoder
/// <see cref="BatchSize"/> at a time, all advancing one position per step; after each step the [B, V] logits come to
/// the host and each row is drawn by <see cref="NextTokenDistribution"/> with the uniform of Philox(seed,
/// stream = sequence index, index = position). A sequence's tokens therefore depend only on (parameters, its first
/// token, seed, its index) — not on the batch it shared, the chunking of the corpus or the host thread count — and the
/// decoder's rows are independent of one another (every op works row by row), so on a given backend the same
/// sequences come out for any batch size.
/// </summary>
public sealed class TransformerSampler : ISequenceSampler, IDisposable
{
    private readonly DeviceBuffer<float> _parameters;
    private readonly ParallelOptions _hostParallel;
    private KvCacheDecoder? _decoder;

    /// <param name="parameters">The model's parameters in <see cref="ParameterLayout"/> order (e.g. from a checkpoint).</param>
    /// <param name="batchSize">Sequences decoded together (more amortises each step's weight traffic).</param>
    /// <param name="hostThreads">Threads for the per-row host sampling (default: all processors); results do not depend on it.</param>
    public TransformerSampler(ComputeBackend backend, GptConfig config, ReadOnlySpan<float> parameters, int batchSize = 64, int? hostThreads = null)
    {
        config.Validate();
        if (batchSize < 1) throw new UserInputException($"sampling batch size {batchSize} must be at least 1");
        long count = new ParameterLayout(config).Count;
        if (parameters.Length != count)
            throw new UserInputException($"the parameters hold {parameters.Length} floats, a model of this config has {count}");
        Backend = backend;
        Config = config;
        BatchSize = batchSize;
        _hostParallel = new ParallelOptions { MaxDegreeOfParallelism = hostThreads ?? Environment.ProcessorCount };
        _parameters = backend.UploadNew(parameters);
    }

    /// <summary>A sampler over the parameters (and config, from the run options in its header) of a training checkpoint.</summary>
    public static TransformerSampler Load(ComputeBackend backend, string checkpointPath, int batchSize = 64, int? hostThreads = null)
    {
        var (header, parameters, _, _) = Checkpoint.Read(checkpointPath);
        return new TransformerSampler(backend, header.Options.Model, parameters, batchSize, hostThreads);
    }

    public ComputeBackend Backend { get; }
    public GptConfig Config { get; }
    public int BatchSize { get; }
    public int VocabSize => Config.VocabSize;

    public void Sample(ReadOnlySpan<int> firstTokens, int length, SamplingOptions options, ulong seed, long firstSequenceIndex,
        Span<int> tokens, Span<double> negLogProb)
    {
        int n = firstTokens.Length, v = VocabSize;
        if (length < 1) throw new UserInputException($"sequence length {length} must be at least 1");
        if (!(options.Temperature > 0) || double.IsInfinity(options.Temperature))
            throw new UserInputException($"temperature {options.Temperature} must be positive and finite");
        if (options.TopK < 0 || options.TopK > v) throw new UserInputException($"top-k {options.TopK} must be in [0, {v}] (0 keeps every token)");
        if (firstSequenceIndex < 0) throw new UserInputException($"first sequence index {firstSequenceIndex} must be ≥ 0");
        if (tokens.Length != (long)n * length || negLogProb.Length != n)
            throw new ArgumentException($"{n} sequences of {length} need {(long)n * length} tokens and {n} log-probabilities");
        foreach (int t in firstTokens)
            if ((uint)t >= (uint)v) throw new UserInputException($"first token {t} is outside the vocabulary of {v}");

        var decoder = DecoderFor(length);
        int b = BatchSize;
        var batchTokens = new int[(long)b * length];
        var nlp = new double[b];
        var logits = new float[(long)b * v];
        var step = new int[b];
        var scratch = new NextTokenDistribution.Scratch[b];   // per row, so rows never share state
        for (int i = 0; i < b; i++) scratch[i] = new NextTokenDistribution.Scratch(v, options.TopK);
        for (int start = 0; start < n; start += b)
        {
            int rows = Math.Min(b, n - start);
            Array.Clear(batchTokens);
            Array.Clear(nlp);
            for (int i = 0; i < rows; i++) batchTokens[(long)i * length] = firstTokens[start + i];
            decoder.Reset();
            for (int t = 0; t + 1 < length; t++)
            {
                for (int i = 0; i < b; i++) step[i] = batchTokens[(long)i * length + t];
                Backend.Download(decoder.Step(step), logits);
                long sequence0 = firstSequenceIndex + start;
                Parallel.For(0, rows, _hostParallel, i =>
                {
                    var (r0, r1, _, _) = Philox.Draw(seed, (ulong)(sequence0 + i), (ulong)(t + 1));
                    int next = NextTokenDistribution.Draw(logits.AsSpan(i * v, v), options, Philox.ToUnitDouble(r0, r1),
                        scratch[i], out double minusLnP);
                    batchTokens[(long)i * length + t + 1] = next;
                    nlp[i] += minusLnP;
                });
            }
            batchTokens.AsSpan(0, rows * length).CopyTo(tokens.Slice(start * length, rows * length));
            nlp.AsSpan(0, rows).CopyTo(negLogProb.Slice(start, rows));
        }
    }

    /// <summary>The decoder, grown when a call needs longer sequences (a step feeds positions 0 … length − 2).</summary>
    private KvCacheDecoder DecoderFor(int length)
    {
        int capacity = Math.Max(1, length - 1);
        if (_decoder is { } d && d.Capacity >= capacity) return d;
        _decoder?.Dispose();
        _decoder = null;
        return _decoder = new KvCacheDecoder(Backend, Config, _parameters, BatchSize, capacity);
    }

    public void Dispose()
    {
        _decoder?.Dispose();
        _parameters.Dispose();
    }
}
