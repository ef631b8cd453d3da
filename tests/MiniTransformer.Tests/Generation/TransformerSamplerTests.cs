using MathNet.Numerics.Distributions;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.Generation;
using MiniTransformer.Language;
using MiniTransformer.Model;

namespace MiniTransformer.Tests.Generation;

/// <summary>
/// Sampling from a tiny random transformer: next-token frequencies against the model's own softmax (χ² goodness of
/// fit, fixed seed), the −ln p accounting against float64 recomputation from a full forward pass, and the
/// determinism contract of <see cref="ISequenceSampler"/> (seed, chunking, batch size, host threads).
/// </summary>
public class TransformerSamplerTests
{
    private static readonly GptConfig Config = new(12, 8, 1, 32, Parameterization.Sp);

    public static TheoryData<double, int> Options => new() { { 1.0, 0 }, { 0.6, 0 }, { 1.7, 0 }, { 1.0, 4 }, { 0.8, 1 } };

    [Theory]
    [MemberData(nameof(Options))]
    public void NextTokenFrequenciesMatchTheSoftmax(double temperature, int topK)
    {
        using var backend = new CpuBackend(2);
        var parameters = KvCacheDecoderTests.RandomParameters(new ParameterLayout(Config), seed: 11);
        using var sampler = new TransformerSampler(backend, Config, parameters, batchSize: 500);
        const int n = 30000, first = 5;
        var options = new SamplingOptions(temperature, topK);
        var tokens = new int[n * 2];
        var nlp = new double[n];
        sampler.Sample(Enumerable.Repeat(first, n).ToArray(), 2, options, seed: 1234, firstSequenceIndex: 0, tokens, nlp);

        var p = Probabilities(FullForwardLogits(backend, parameters, [first])[0], options);
        var counts = new double[Config.VocabSize];
        for (int i = 0; i < n; i++) counts[tokens[2 * i + 1]]++;
        double chi2 = 0;
        int cells = 0;
        for (int j = 0; j < p.Length; j++)
        {
            if (p[j] == 0) { Assert.Equal(0, counts[j]); continue; }   // outside the top k: never drawn
            chi2 += (counts[j] - n * p[j]) * (counts[j] - n * p[j]) / (n * p[j]);
            cells++;
        }
        Assert.True(p.Min(x => x == 0 ? 1 : x) * n > 20, "every kept cell needs a healthy expected count");
        if (cells > 1)
        {
            double pValue = 1 - ChiSquared.CDF(cells - 1, chi2);
            Assert.True(pValue > 1e-3, $"χ² = {chi2:F2} on {cells - 1} d.f. (p = {pValue:E2}) at T = {temperature}, k = {topK}");
        }
        for (int i = 0; i < n; i++) Assert.Equal(-Math.Log(p[tokens[2 * i + 1]]), nlp[i], 1e-5);
    }

    [Theory]
    [MemberData(nameof(Options))]
    public void NegativeLogProbabilitiesAreThoseOfTheSampledDistribution(double temperature, int topK)
    {
        using var backend = new CpuBackend(2);
        var parameters = KvCacheDecoderTests.RandomParameters(new ParameterLayout(Config), seed: 12);
        using var sampler = new TransformerSampler(backend, Config, parameters, batchSize: 5);
        const int n = 13, length = 8;
        var options = new SamplingOptions(temperature, topK);
        var firsts = Enumerable.Range(0, n).Select(i => i % Config.VocabSize).ToArray();
        var tokens = new int[n * length];
        var nlp = new double[n];
        sampler.Sample(firsts, length, options, seed: 9, firstSequenceIndex: 100, tokens, nlp);

        var logits = FullForwardLogits(backend, parameters, tokens, length);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(firsts[i], tokens[i * length]);
            double expected = 0;
            for (int t = 0; t + 1 < length; t++)
            {
                var p = Probabilities(logits[i * length + t], options);
                int next = tokens[i * length + t + 1];
                Assert.True(p[next] > 0, $"sequence {i} drew token {next} outside the top {topK} at position {t + 1}");
                expected -= Math.Log(p[next]);
            }
            Assert.Equal(expected, nlp[i], 1e-4);
        }
    }

    [Fact]
    public void ChunkedBatchedAndThreadedSamplingEqualsOneShot()
    {
        using var backend = new CpuBackend(2);
        var parameters = KvCacheDecoderTests.RandomParameters(new ParameterLayout(Config), seed: 13);
        const int n = 23, length = 9;
        var firsts = Enumerable.Range(0, n).Select(i => i * 5 % Config.VocabSize).ToArray();
        var options = new SamplingOptions(1.3, 7);

        (int[] Tokens, double[] Nlp) Run(int batch, int threads, params int[] chunks)
        {
            using var sampler = new TransformerSampler(backend, Config, parameters, batch, threads);
            var tokens = new int[n * length];
            var nlp = new double[n];
            int start = 0;
            foreach (int size in chunks.Append(n - chunks.Sum()))
            {
                sampler.Sample(firsts.AsSpan(start, size), length, options, seed: 77, firstSequenceIndex: 40 + start,
                    tokens.AsSpan(start * length, size * length), nlp.AsSpan(start, size));
                start += size;
            }
            return (tokens, nlp);
        }

        var oneShot = Run(64, 1);
        foreach (var other in new[] { Run(4, 2, 3, 8), Run(1, 1, 10), Run(23, 2, 1, 1, 1), Run(7, 2, 0, 13) })
        {
            Assert.Equal(oneShot.Tokens, other.Tokens);
            Assert.Equal(oneShot.Nlp, other.Nlp);
        }
    }

    [Fact]
    public void SamplesDependOnTheSeedAndTheSequenceIndexOnly()
    {
        using var backend = new CpuBackend(2);
        var parameters = KvCacheDecoderTests.RandomParameters(new ParameterLayout(Config), seed: 14);
        using var sampler = new TransformerSampler(backend, Config, parameters, batchSize: 8);
        int[] Draw(ulong seed, long index)
        {
            var tokens = new int[4 * 8];
            sampler.Sample([1, 1, 1, 1], 8, new SamplingOptions(), seed, index, tokens, new double[4]);
            return tokens;
        }
        Assert.Equal(Draw(5, 0), Draw(5, 0));
        Assert.NotEqual(Draw(5, 0), Draw(6, 0));
        // Sequences 1..3 of a run from index 0 are sequences 0..2 of a run from index 1.
        Assert.Equal(Draw(5, 0).AsSpan(8).ToArray(), Draw(5, 1).AsSpan(0, 24).ToArray());
        // Same first token, different streams: the four sequences are not copies of one another.
        var four = Draw(5, 0);
        Assert.Contains(Enumerable.Range(1, 3), i => !four.AsSpan(i * 8, 8).SequenceEqual(four.AsSpan(0, 8)));
    }

    [Fact]
    public void BadOptionsAreUserErrors()
    {
        using var backend = new CpuBackend(1);
        var parameters = new float[new ParameterLayout(Config).Count];
        using var sampler = new TransformerSampler(backend, Config, parameters, batchSize: 2);
        void Try(SamplingOptions o, int first = 0, int length = 3) =>
            sampler.Sample([first], length, o, 1, 0, new int[length], new double[1]);
        Assert.Throws<UserInputException>(() => Try(new SamplingOptions(0)));
        Assert.Throws<UserInputException>(() => Try(new SamplingOptions(double.NaN)));
        Assert.Throws<UserInputException>(() => Try(new SamplingOptions(1, -1)));
        Assert.Throws<UserInputException>(() => Try(new SamplingOptions(1, 13)));
        Assert.Throws<UserInputException>(() => Try(new SamplingOptions(), first: 12));
        Assert.Throws<UserInputException>(() => Try(new SamplingOptions(), length: 0));
        Assert.Throws<UserInputException>(() => new TransformerSampler(backend, Config, new float[3]));
    }

    /// <summary>Float64 softmax of logits/T over the kept tokens (the k largest, ties to the lower index).</summary>
    internal static double[] Probabilities(float[] logits, SamplingOptions o)
    {
        var order = Enumerable.Range(0, logits.Length).OrderByDescending(j => logits[j]).ThenBy(j => j).ToArray();
        int keep = o.TopK == 0 ? logits.Length : o.TopK;
        var p = new double[logits.Length];
        double max = logits.Max();
        foreach (int j in order.Take(keep)) p[j] = Math.Exp((logits[j] - max) / o.Temperature);
        double sum = p.Sum();
        for (int j = 0; j < p.Length; j++) p[j] /= sum;
        return p;
    }

    /// <summary>Full-forward logits of each sequence's first token (one row per sequence).</summary>
    private static float[][] FullForwardLogits(CpuBackend backend, float[] parameters, int[] firstTokens) =>
        FullForwardLogits(backend, parameters, firstTokens.SelectMany(t => Enumerable.Repeat(t, Config.SequenceLength)).ToArray(), Config.SequenceLength)
            .Where((_, i) => i % Config.SequenceLength == 0).ToArray();

    /// <summary>Logits of every position of sequences of <paramref name="length"/> ≤ context, from <see cref="Gpt.Forward"/>.</summary>
    private static float[][] FullForwardLogits(CpuBackend backend, float[] parameters, int[] tokens, int length)
    {
        int n = tokens.Length / length, t = Config.SequenceLength, v = Config.VocabSize;
        using var gpt = new Gpt(backend, Config, n);
        backend.Upload<float>(parameters, gpt.Parameters);
        var inputs = new int[n * t];
        for (int i = 0; i < n; i++) Array.Copy(tokens, i * length, inputs, i * t, Math.Min(length, t));
        gpt.SetBatch(inputs, new int[n * t]);
        gpt.Forward(training: false);
        var all = backend.DownloadArray<float>(gpt.Activations.Logits);
        return Enumerable.Range(0, n * length).Select(r => all.AsSpan(((r / length) * t + r % length) * v, v).ToArray()).ToArray();
    }
}
