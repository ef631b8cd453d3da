using System.Text.Json.Nodes;
using MiniTransformer.Data;
using MiniTransformer.Randomness;

namespace MiniTransformer.Language;

/// <summary>
/// Samples a generated corpus from any <see cref="ISequenceSampler"/> into a token file. Conventions:
/// <list type="bullet">
/// <item>sequence s (s = first sequence … first + count − 1) uses Philox stream s under the seed; its first token is
/// drawn from the corpus unigram distribution (the generator's training-token counts) with draw index 0, its token
/// t by the generator with draw index t — so disjoint sequence ranges of one seed are disjoint i.i.d. samples, and
/// the output is the same for any chunking or thread count;</item>
/// <item>the sidecar's <c>entropy_rate_nats</c> is the Monte-Carlo entropy estimate: the mean −ln p of the sampled
/// tokens 1 … T−1 under the distribution they were drawn from (after temperature and top-k), the loss floor of a
/// model trained on these sequences; its standard error (from the spread of per-sequence means, sequences being
/// independent) is recorded beside it.</item>
/// </list>
/// </summary>
public static class LanguageSampling
{
    public const string GeneratorKind = "language-samples";
    private const int ChunkTokens = 1 << 22;

    public sealed record Spec(long Count, int Length, SamplingOptions Options, ulong Seed, long FirstSequence = 0);

    /// <summary>First token of sequence <paramref name="sequence"/>: inverse CDF of the unigram counts at Philox draw 0.</summary>
    public static int FirstToken(long[] cumulativeCounts, ulong seed, long sequence)
    {
        var (w0, w1, _, _) = Philox.Draw(seed, (ulong)sequence, 0);
        long r = (long)(Philox.ToUnitDouble(w0, w1) * cumulativeCounts[^1]); // < total, exact below 2⁵³
        int lo = 0, hi = cumulativeCounts.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cumulativeCounts[mid] > r) hi = mid; else lo = mid + 1;
        }
        return lo;
    }

    public static long[] Cumulative(long[] counts)
    {
        var cumulative = new long[counts.Length];
        long sum = 0;
        for (int i = 0; i < counts.Length; i++) cumulative[i] = sum += counts[i];
        if (sum <= 0 || sum >= 1L << 53) throw new UserInputException($"the first-token counts must total between 1 and 2^53 (got {sum})");
        return cumulative;
    }

    /// <summary>Samples <paramref name="spec"/> into <paramref name="outPath"/> (+ sidecar); <paramref name="generator"/> describes the generator for the sidecar.</summary>
    public static TokenSidecar Generate(ISequenceSampler sampler, long[] firstTokenCounts, JsonObject generator, Spec spec, string outPath, bool force)
    {
        if (spec.Length < 2) throw new UserInputException($"the sequence length must be at least 2 (got {spec.Length})");
        if (spec.Count < 1) throw new UserInputException($"the number of sequences must be positive (got {spec.Count})");
        if (spec.FirstSequence < 0) throw new UserInputException($"the first sequence index must be non-negative (got {spec.FirstSequence})");
        if (!(spec.Options.Temperature > 0) || double.IsInfinity(spec.Options.Temperature))
            throw new UserInputException($"the temperature must be positive and finite (got {spec.Options.Temperature})");
        if (spec.Options.TopK < 0) throw new UserInputException($"top-k must be 0 (off) or positive (got {spec.Options.TopK})");
        if (firstTokenCounts.Length != sampler.VocabSize)
            throw new UserInputException($"the first-token counts cover {firstTokenCounts.Length} tokens, the generator's vocabulary is {sampler.VocabSize}");
        var cumulative = Cumulative(firstTokenCounts);

        using var writer = new TokenStreamWriter(outPath, force);
        int chunk = (int)Math.Clamp(ChunkTokens / spec.Length, 1, spec.Count);
        var first = new int[chunk];
        var tokens = new int[chunk * spec.Length];
        var negLogProb = new double[chunk];
        double sum = 0, sumOfSquares = 0; // of per-sequence mean −ln p, in sequence order
        for (long done = 0; done < spec.Count; done += chunk)
        {
            int n = (int)Math.Min(chunk, spec.Count - done);
            long firstIndex = spec.FirstSequence + done;
            for (int i = 0; i < n; i++) first[i] = FirstToken(cumulative, spec.Seed, firstIndex + i);
            sampler.Sample(first.AsSpan(0, n), spec.Length, spec.Options, spec.Seed, firstIndex, tokens.AsSpan(0, n * spec.Length), negLogProb.AsSpan(0, n));
            writer.Write(tokens.AsSpan(0, n * spec.Length));
            for (int i = 0; i < n; i++)
            {
                double mean = negLogProb[i] / (spec.Length - 1);
                sum += mean;
                sumOfSquares += mean * mean;
            }
        }
        double estimate = sum / spec.Count;
        double variance = spec.Count > 1 ? Math.Max(0, (sumOfSquares - spec.Count * estimate * estimate) / (spec.Count - 1)) : double.NaN;

        var sidecar = new TokenSidecar(TokenSidecar.CurrentFormat, sampler.VocabSize, spec.Length, spec.Count, writer.TokenCount, estimate, new JsonObject
        {
            ["kind"] = GeneratorKind,
            ["generator"] = generator.DeepClone(),
            ["seed"] = spec.Seed,
            ["temperature"] = spec.Options.Temperature,
            ["top_k"] = spec.Options.TopK,
            ["sequence_length"] = spec.Length,
            ["sequence_count"] = spec.Count,
            ["first_sequence"] = spec.FirstSequence,
            ["first_token"] = "corpus unigram distribution (the generator's training-token counts), Philox draw 0 of the sequence's stream",
            ["sampler"] = "philox4x32-10, stream = sequence index, index = position",
            ["mc_entropy_nats"] = estimate,
            ["mc_entropy_standard_error_nats"] = spec.Count > 1 ? Math.Sqrt(variance / spec.Count) : null, // one sequence has no spread
        });
        TokenStreamWriter.CommitAll((writer, sidecar));
        return sidecar;
    }
}
