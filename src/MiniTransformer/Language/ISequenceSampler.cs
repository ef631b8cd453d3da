namespace MiniTransformer.Language;

/// <summary>Temperature and top-k truncation applied to a generator's next-token distribution.</summary>
/// <param name="Temperature">Divides the logits (1 = the generator's own distribution); must be positive.</param>
/// <param name="TopK">Keep only the k most likely tokens before sampling; 0 keeps the whole vocabulary.</param>
public sealed record SamplingOptions(double Temperature = 1.0, int TopK = 0);

/// <summary>
/// A generator of token sequences (the bigram table, a trained transformer) as the language ladder samples it.
/// Sampling is a pure function of (seed, sequence index, position) through <c>Randomness.Philox</c>, so the same
/// sequences come out for any batch size, thread count, sharding or backend schedule.
/// </summary>
public interface ISequenceSampler
{
    /// <summary>Vocabulary size of the tokens this generator emits.</summary>
    int VocabSize { get; }

    /// <summary>
    /// Samples <c>firstTokens.Length</c> sequences of <paramref name="length"/> tokens each. Sequence i starts with
    /// <c>firstTokens[i]</c> and is written row-major to <c>tokens[i·length .. (i+1)·length)</c>. Its Philox stream is
    /// <c>firstSequenceIndex + i</c>, so a long corpus can be sampled in chunks with identical results.
    /// <c>negLogProb[i]</c> receives Σ −ln p(token_t | prefix) over t = 1..length−1 under the distribution actually
    /// sampled from (after temperature and top-k) — the Monte-Carlo entropy estimate's numerator.
    /// </summary>
    void Sample(ReadOnlySpan<int> firstTokens, int length, SamplingOptions options, ulong seed, long firstSequenceIndex,
        Span<int> tokens, Span<double> negLogProb);
}
