using MiniTransformer.Randomness;

namespace MiniTransformer.Language;

/// <summary>
/// Samples a <see cref="BigramModel"/>. Temperature τ and top-k act on P(·|u): weights P(v|u)^(1/τ) over the kept
/// tokens, renormalised. Top-k keeps the k most probable successors, ties to the smaller id; every observed successor
/// outranks every unobserved one (c + α &gt; α), so the kept set is the first min(k, observed) observed successors in
/// (count descending, id ascending) order, then the smallest-id unobserved ones.
/// <para>
/// Each row is one cumulative table over its kept observed successors plus one block of equal-weight unobserved
/// successors, so a draw costs a binary search however large V is: u ~ U[0, Z) from Philox (seed,
/// stream = sequence index, index = position t, two words → 53 bits); below the observed mass it is found in the
/// table, above it j = ⌊(u − mass) / w₀⌋ selects the j-th smallest unobserved id. Sequences run in parallel and each
/// is a pure function of (seed, sequence index), so results do not depend on chunking or thread count.
/// </para>
/// </summary>
public sealed class BigramSampler(BigramModel model, int maxThreads = 0) : ISequenceSampler
{
    /// <summary>Observed successors of each row in (count desc, id asc) order: the order top-k keeps them in.</summary>
    private readonly int[] _byRank = RankOrder(model);
    private (SamplingOptions Options, Table Table)? _cached;
    private readonly object _lock = new();

    public int VocabSize => model.VocabSize;

    /// <summary>Per-row sampling weights for one <see cref="SamplingOptions"/>.</summary>
    private sealed class Table(int rows, int observed)
    {
        public readonly double[] Cumulative = new double[observed]; // over _byRank, kept entries only
        public readonly int[] KeptObserved = new int[rows];
        public readonly long[] KeptUnobserved = new long[rows];
        public readonly double[] UnobservedWeight = new double[rows];
        public readonly double[] Total = new double[rows];
    }

    private static int[] RankOrder(BigramModel model)
    {
        var order = new int[model.Next.Length];
        for (int u = 0; u < model.VocabSize; u++)
        {
            int start = model.RowStart[u], length = model.RowStart[u + 1] - start;
            var pairs = new (long Count, int Id)[length];
            for (int i = 0; i < length; i++) pairs[i] = (model.Counts[start + i], model.Next[start + i]);
            Array.Sort(pairs, (x, y) => x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.Id.CompareTo(y.Id));
            for (int i = 0; i < length; i++) order[start + i] = pairs[i].Id;
        }
        return order;
    }

    private Table Build(SamplingOptions options)
    {
        if (!(options.Temperature > 0) || double.IsInfinity(options.Temperature))
            throw new UserInputException($"the temperature must be positive and finite (got {options.Temperature})");
        if (options.TopK < 0) throw new UserInputException($"top-k must be 0 (off) or positive (got {options.TopK})");
        int v = model.VocabSize;
        var table = new Table(v, model.Next.Length);
        double inverseT = 1 / options.Temperature;
        for (int u = 0; u < v; u++)
        {
            int start = model.RowStart[u], observed = model.RowStart[u + 1] - start;
            long unobserved = v - observed, k = options.TopK == 0 ? v : Math.Min(options.TopK, v);
            int keptObserved = (int)Math.Min(k, observed);
            long keptUnobserved = Math.Min(k - keptObserved, unobserved);
            // Weights relative to the row's largest probability (its first ranked entry, or α/denominator when none
            // was observed): exp((ln p − ln p_max)/τ) never overflows and is exact for τ = 1 up to rounding.
            double logDenominator = Math.Log(model.RowDenominator(u));
            double logMax = (observed > 0 ? Math.Log(model.Counts[IndexOf(u, _byRank[start])] + model.Alpha) : Math.Log(model.Alpha)) - logDenominator;
            double cumulative = 0;
            for (int i = 0; i < keptObserved; i++)
            {
                double logP = Math.Log(model.Counts[IndexOf(u, _byRank[start + i])] + model.Alpha) - logDenominator;
                cumulative += Math.Exp((logP - logMax) * inverseT);
                table.Cumulative[start + i] = cumulative;
            }
            double w0 = Math.Exp((Math.Log(model.Alpha) - logDenominator - logMax) * inverseT);
            (table.KeptObserved[u], table.KeptUnobserved[u], table.UnobservedWeight[u]) = (keptObserved, keptUnobserved, w0);
            table.Total[u] = cumulative + keptUnobserved * w0;
        }
        return table;
    }

    /// <summary>Position of successor <paramref name="v"/> in row u of the CSR arrays.</summary>
    private int IndexOf(int u, int v) => Array.BinarySearch(model.Next, model.RowStart[u], model.RowStart[u + 1] - model.RowStart[u], v);

    private Table TableFor(SamplingOptions options)
    {
        lock (_lock)
        {
            if (_cached is { } c && c.Options == options) return c.Table;
            var table = Build(options);
            _cached = (options, table);
            return table;
        }
    }

    /// <summary>One draw from row u given a uniform u01 ∈ [0, 1): the token and −ln of its sampled probability.</summary>
    private (int Token, double NegLogProb) Draw(Table table, int u, double u01)
    {
        int start = model.RowStart[u];
        double r = u01 * table.Total[u];
        int kept = table.KeptObserved[u];
        double observedMass = kept > 0 ? table.Cumulative[start + kept - 1] : 0;
        if (r < observedMass || table.KeptUnobserved[u] == 0)
        {
            int lo = 0, hi = kept - 1; // first entry whose cumulative weight exceeds r
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (table.Cumulative[start + mid] > r) hi = mid; else lo = mid + 1;
            }
            double weight = table.Cumulative[start + lo] - (lo > 0 ? table.Cumulative[start + lo - 1] : 0);
            return (_byRank[start + lo], Math.Log(table.Total[u]) - Math.Log(weight));
        }
        long j = Math.Min((long)((r - observedMass) / table.UnobservedWeight[u]), table.KeptUnobserved[u] - 1);
        return (UnobservedSuccessor(u, j), Math.Log(table.Total[u]) - Math.Log(table.UnobservedWeight[u]));
    }

    /// <summary>The j-th smallest token id that is not an observed successor of u (ids below Next[p] miss Next[p] − p of them).</summary>
    private int UnobservedSuccessor(int u, long j)
    {
        int start = model.RowStart[u], lo = 0, hi = model.RowStart[u + 1] - start; // first p with Next[start+p] − p > j
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (model.Next[start + mid] - mid > j) hi = mid; else lo = mid + 1;
        }
        return (int)(j + lo);
    }

    public void Sample(ReadOnlySpan<int> firstTokens, int length, SamplingOptions options, ulong seed, long firstSequenceIndex,
        Span<int> tokens, Span<double> negLogProb)
    {
        if (length < 1) throw new UserInputException($"the sequence length must be positive (got {length})");
        if (tokens.Length != firstTokens.Length * length || negLogProb.Length != firstTokens.Length)
            throw new ArgumentException("tokens must hold firstTokens.Length × length entries and negLogProb one per sequence");
        foreach (int t in firstTokens)
            if ((uint)t >= (uint)VocabSize) throw new UserInputException($"first token {t} is outside the vocabulary of {VocabSize}");
        var table = TableFor(options);
        var first = firstTokens.ToArray();
        var output = new int[tokens.Length];
        var nll = new double[first.Length];
        Parallel.For(0, first.Length, new ParallelOptions { MaxDegreeOfParallelism = maxThreads > 0 ? maxThreads : -1 }, i =>
        {
            ulong stream = (ulong)(firstSequenceIndex + i);
            int previous = first[i];
            output[i * length] = previous;
            double sum = 0;
            for (int t = 1; t < length; t++)
            {
                var (w0, w1, _, _) = Philox.Draw(seed, stream, (ulong)t);
                (previous, double nlp) = Draw(table, previous, Philox.ToUnitDouble(w0, w1));
                output[i * length + t] = previous;
                sum += nlp;
            }
            nll[i] = sum;
        });
        output.CopyTo(tokens);
        nll.CopyTo(negLogProb);
    }
}
