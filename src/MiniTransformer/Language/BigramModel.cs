using System.Text.Json.Nodes;
using MiniTransformer.Data;
using MiniTransformer.IO;

namespace MiniTransformer.Language;

/// <summary>
/// The bigram generator: a Markov chain on tokens with add-α smoothing,
/// P(v | u) = (c_uv + α) / (n_u + α·V), where c_uv counts u followed by v inside the sequences of a token file
/// (pairs never straddle two sequences: in sampled or walk files consecutive sequences are independent), n_u = Σ_v c_uv
/// and V is the vocabulary. α &gt; 0 is required: it makes every transition possible, so the chain is irreducible and
/// aperiodic and has one stationary distribution. The table is stored sparsely — the observed (u, v) counts in CSR
/// form; every unobserved successor of u has the same probability α / (n_u + α·V).
/// <para>
/// Exact entropy rate H = Σ_u π_u H(P(·|u)) in float64 (nats/token). π, the stationary distribution, is found by
/// power iteration π ← πP from the corpus unigram distribution (each step O(observed pairs + V) because the
/// α part of P is uniform) until ‖πP − π‖₁ &lt; 10⁻¹³; the chain has every entry positive, so the iteration contracts.
/// Sampled sequences start from the corpus unigram distribution, not π (see <see cref="LanguageSampling"/>).
/// </para>
/// </summary>
public sealed class BigramModel
{
    public const string CurrentFormat = "minitransformer.bigram.v1";
    private const double StationaryTolerance = 1e-13;
    private const int MaxStationaryIterations = 100_000;

    public int VocabSize { get; }
    public double Alpha { get; }
    /// <summary>Occurrences of each token in the source file: the first-token distribution of sampled sequences.</summary>
    public long[] UnigramCounts { get; }
    /// <summary>CSR rows: successors of u are <see cref="Next"/>[RowStart[u] .. RowStart[u+1]) in ascending id order.</summary>
    public int[] RowStart { get; }
    public int[] Next { get; }
    public long[] Counts { get; }
    /// <summary>n_u, the observed transitions out of u.</summary>
    public long[] RowTotals { get; }

    public BigramModel(int vocabSize, double alpha, long[] unigramCounts, int[] rowStart, int[] next, long[] counts)
    {
        if (vocabSize < 1) throw new UserInputException($"the vocabulary size must be positive (got {vocabSize})");
        if (!(alpha > 0) || double.IsInfinity(alpha)) throw new UserInputException($"the smoothing α must be positive and finite (got {alpha})");
        if (unigramCounts.Length != vocabSize || rowStart.Length != vocabSize + 1 || rowStart[0] != 0 || rowStart[^1] != next.Length || counts.Length != next.Length)
            throw new UserInputException("the bigram table's arrays do not match its vocabulary size");
        if (unigramCounts.Any(c => c < 0) || unigramCounts.Sum() == 0) throw new UserInputException("the unigram counts must be non-negative and not all zero");
        RowTotals = new long[vocabSize];
        for (int u = 0; u < vocabSize; u++)
        {
            if (rowStart[u + 1] < rowStart[u]) throw new UserInputException($"bigram row {u} has a negative length");
            for (int i = rowStart[u]; i < rowStart[u + 1]; i++)
            {
                if (next[i] < 0 || next[i] >= vocabSize || (i > rowStart[u] && next[i] <= next[i - 1]) || counts[i] < 1)
                    throw new UserInputException($"bigram row {u} must list distinct successors in ascending order with positive counts");
                RowTotals[u] += counts[i];
            }
        }
        (VocabSize, Alpha, UnigramCounts, RowStart, Next, Counts) = (vocabSize, alpha, unigramCounts, rowStart, next, counts);
    }

    /// <summary>Counts pairs inside each sequence of a token file (two passes of counting sort: rows, then successors).</summary>
    public static BigramModel Count(ReadOnlySpan<uint> tokens, int vocabSize, int sequenceLength, double alpha)
    {
        if (sequenceLength < 2) throw new UserInputException($"a bigram table needs sequences of at least 2 tokens (got {sequenceLength})");
        if (tokens.Length < sequenceLength) throw new UserInputException("the token file holds no whole sequence");
        var unigram = new long[vocabSize];
        var rowLength = new int[vocabSize + 1];
        foreach (uint t in tokens) unigram[t]++;
        for (int i = 0; i + 1 < tokens.Length; i++)
            if ((i + 1) % sequenceLength != 0) rowLength[tokens[i] + 1]++;
        for (int u = 0; u < vocabSize; u++) rowLength[u + 1] += rowLength[u]; // now the start of each row's bucket
        var successors = new int[rowLength[vocabSize]];
        var fill = rowLength[..vocabSize];
        for (int i = 0; i + 1 < tokens.Length; i++)
            if ((i + 1) % sequenceLength != 0) successors[fill[tokens[i]]++] = (int)tokens[i + 1];

        var rowStart = new int[vocabSize + 1];
        var next = new List<int>();
        var counts = new List<long>();
        for (int u = 0; u < vocabSize; u++)
        {
            var bucket = successors.AsSpan(rowLength[u], rowLength[u + 1] - rowLength[u]);
            bucket.Sort();
            for (int i = 0; i < bucket.Length; i++)
            {
                if (i == 0 || bucket[i] != bucket[i - 1]) { next.Add(bucket[i]); counts.Add(0); }
                counts[^1]++;
            }
            rowStart[u + 1] = next.Count;
        }
        return new BigramModel(vocabSize, alpha, unigram, rowStart, next.ToArray(), counts.ToArray());
    }

    /// <summary>The denominator n_u + α·V of row u.</summary>
    public double RowDenominator(int u) => RowTotals[u] + Alpha * VocabSize;

    public double Probability(int u, int v)
    {
        int i = Array.BinarySearch(Next, RowStart[u], RowStart[u + 1] - RowStart[u], v);
        return ((i >= 0 ? Counts[i] : 0) + Alpha) / RowDenominator(u);
    }

    /// <summary>H(P(·|u)) in nats: the observed successors, plus V − (observed) successors of probability α/(n_u + αV).</summary>
    public double RowEntropy(int u)
    {
        double denominator = RowDenominator(u), h = 0;
        for (int i = RowStart[u]; i < RowStart[u + 1]; i++)
        {
            double p = (Counts[i] + Alpha) / denominator;
            h -= p * Math.Log(p);
        }
        double q = Alpha / denominator;
        return h - (VocabSize - (RowStart[u + 1] - RowStart[u])) * q * Math.Log(q);
    }

    /// <summary>One step π ← πP, exploiting that the α part of every row is uniform.</summary>
    private void Step(double[] pi, double[] next)
    {
        double uniform = 0;
        Array.Clear(next);
        for (int u = 0; u < VocabSize; u++)
        {
            double scale = pi[u] / RowDenominator(u);
            uniform += scale * Alpha;
            for (int i = RowStart[u]; i < RowStart[u + 1]; i++) next[Next[i]] += scale * Counts[i];
        }
        for (int v = 0; v < VocabSize; v++) next[v] += uniform;
    }

    /// <summary>The stationary distribution, the iterations it took, and the final residual ‖πP − π‖₁.</summary>
    public (double[] Pi, int Iterations, double Residual) Stationary()
    {
        double total = UnigramCounts.Sum();
        var pi = UnigramCounts.Select(c => c / total).ToArray();
        var next = new double[VocabSize];
        for (int iteration = 1; iteration <= MaxStationaryIterations; iteration++)
        {
            Step(pi, next);
            double sum = next.Sum(), change = 0;
            for (int v = 0; v < VocabSize; v++)
            {
                next[v] /= sum; // keeps Σπ = 1 against rounding drift
                change += Math.Abs(next[v] - pi[v]);
            }
            (pi, next) = (next, pi);
            if (change < StationaryTolerance) return (pi, iteration, change);
        }
        throw new UserInputException($"the bigram chain's stationary distribution did not converge in {MaxStationaryIterations:N0} power iterations (a nearly reducible chain: use a larger α)");
    }

    /// <summary>The exact entropy rate Σ_u π_u H(P(·|u)) (nats/token) with the stationary solve's diagnostics.</summary>
    public (double EntropyRate, int Iterations, double Residual) EntropyRate()
    {
        var (pi, iterations, residual) = Stationary();
        double h = 0;
        for (int u = 0; u < VocabSize; u++) h += pi[u] * RowEntropy(u);
        return (h, iterations, residual);
    }

    /// <summary>Mean −ln P(v|u) over the pairs inside each sequence of <paramref name="tokens"/> (nats/token).</summary>
    public double CrossEntropy(ReadOnlySpan<uint> tokens, int sequenceLength)
    {
        double sum = 0;
        long pairs = 0;
        for (int i = 0; i + 1 < tokens.Length; i++)
            if ((i + 1) % sequenceLength != 0)
            {
                sum -= Math.Log(Probability((int)tokens[i], (int)tokens[i + 1]));
                pairs++;
            }
        return pairs == 0 ? double.NaN : sum / pairs;
    }

    // ---- the generator file ----

    /// <summary>
    /// The bigram generator file (JSON, <see cref="CurrentFormat"/>): <c>vocab_size</c>, <c>alpha</c>,
    /// <c>unigram_counts</c> (V entries), the observed pairs as CSR (<c>row_start</c> V+1 entries, <c>next</c> and
    /// <c>counts</c> one entry per observed pair, successors ascending within a row), and derived values kept for
    /// the record: <c>entropy_rate_nats</c> (exact), <c>stationary_iterations</c>/<c>stationary_residual</c>,
    /// <c>train_loss_nats</c> and <c>test_loss_nats</c> (null without a test file), and <c>source</c> (the token
    /// files and their sidecars' generator, e.g. the tokenizer that made them).
    /// </summary>
    public sealed record FileContents(
        string Format, int VocabSize, double Alpha, long[] UnigramCounts, int[] RowStart, int[] Next, long[] Counts,
        double EntropyRateNats, int StationaryIterations, double StationaryResidual, double TrainLossNats, double? TestLossNats,
        JsonObject Source);

    public FileContents Describe(double trainLoss, double? testLoss, JsonObject source)
    {
        var (h, iterations, residual) = EntropyRate();
        return new FileContents(CurrentFormat, VocabSize, Alpha, UnigramCounts, RowStart, Next, Counts, h, iterations, residual, trainLoss, testLoss, source);
    }

    public static void Save(FileContents contents, string path, bool force) => AtomicFile.WriteAllText(path, Json.Serialize(contents), force);

    public static (BigramModel Model, FileContents File) Load(string path)
    {
        var file = Json.ReadFile<FileContents>(path);
        if (file.Format != CurrentFormat) throw new UserInputException($"'{path}' is not a bigram generator file (format '{file.Format}', expected '{CurrentFormat}')");
        if (file.UnigramCounts is null || file.RowStart is null || file.Next is null || file.Counts is null)
            throw new UserInputException($"'{path}' lacks one of unigram_counts, row_start, next, counts");
        try { return (new BigramModel(file.VocabSize, file.Alpha, file.UnigramCounts, file.RowStart, file.Next, file.Counts), file); }
        catch (UserInputException e) { throw new UserInputException($"'{path}': {e.Message}"); }
    }

    /// <summary>Trains from a token file (and optionally scores a test file of the same vocabulary) into a generator file.</summary>
    public static FileContents Train(string trainPath, string? testPath, double? alpha, string outPath, bool force)
    {
        AtomicFile.EnsureWritable(outPath, force);
        var sidecar = TokenFile.ReadSidecar(trainPath);
        var tokens = TokenFile.ReadTokens(trainPath, sidecar);
        var model = Count(tokens, sidecar.VocabSize, sidecar.SequenceLength, alpha ?? 1.0 / sidecar.VocabSize);
        double? testLoss = null;
        var source = new JsonObject { ["train_file"] = Path.GetFullPath(trainPath), ["train_generator"] = sidecar.Generator?.DeepClone() };
        if (testPath is not null)
        {
            var testSidecar = TokenFile.ReadSidecar(testPath);
            if (testSidecar.VocabSize != sidecar.VocabSize)
                throw new UserInputException($"the test file's vocabulary ({testSidecar.VocabSize}) differs from the training file's ({sidecar.VocabSize})");
            testLoss = model.CrossEntropy(TokenFile.ReadTokens(testPath, testSidecar), testSidecar.SequenceLength);
            source["test_file"] = Path.GetFullPath(testPath);
        }
        var contents = model.Describe(model.CrossEntropy(tokens, sidecar.SequenceLength), testLoss, source);
        Save(contents, outPath, force);
        return contents;
    }
}
