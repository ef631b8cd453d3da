namespace MiniTransformer.Data.Graphs;

/// <summary>
/// Erdős–Rényi graphs as sorted pair indices (<see cref="PairIndex"/>).
///
/// G(n, p): geometric skipping (Batagelj &amp; Brandes 2005) — the gap to the next edge is Geometric(p), one
/// logarithm per edge, O(n + m). The pair space is cut into fixed chunks — 2²⁴ pairs, or N/1024 when that is larger
/// so huge sparse graphs do not pay per chunk — each skipped through with its own Philox stream; since Bernoulli trials are memoryless a chunk can start fresh at its boundary, so chunks run
/// in parallel and the graph is the same for every thread count.
///
/// G(n, M): draw G(n, p = M/N) (N = pair count), then delete a uniform random subset of the surplus or add uniform
/// random non-edges for the deficit. Given its edge count, G(n, p) is uniform over edge sets of that size, and so
/// is the adjusted set: the result is exactly uniform over graphs with M edges, at O(n + M) cost plus O(√M) fix-ups.
/// For M &gt; N/2 the complement of G(n, N − M) is taken so the fix-up never hunts for rare non-edges.
/// </summary>
public static class ErdosRenyi
{
    private const long MinChunkPairs = 1L << 24, MaxChunks = 1024;

    public static long[] SampleGnp(int nodeCount, double p, ulong seed)
    {
        long pairs = PairIndex.PairCount(nodeCount);
        if (p <= 0 || pairs == 0) return [];
        // A function of n only, never of the thread count, so the chunk streams — and the graph — are fixed by the seed.
        long chunkPairs = Math.Max(MinChunkPairs, (pairs + MaxChunks - 1) / MaxChunks);
        long chunks = (pairs + chunkPairs - 1) / chunkPairs;
        var pieces = new long[chunks][];
        double logQ = Log1P(-p);
        Parallel.For(0L, chunks, c =>
        {
            long begin = c * chunkPairs, end = Math.Min(begin + chunkPairs, pairs);
            var rng = new RandomStream(seed, RandomStream.StreamId(GraphStreamDomain.PairChunk, c));
            var found = new List<long>((int)Math.Min(int.MaxValue / 2, (end - begin) * p * 1.05 + 64));
            long i = begin - 1;
            while (true)
            {
                // Gap before the next edge: ⌊ln(1−U)/ln(1−p)⌋ ~ Geometric(p) on {0, 1, …}; p = 1 gives 0 every time.
                double gap = p >= 1 ? 0 : Math.Floor(Math.Log(1 - rng.NextDouble()) / logQ);
                if (gap >= end - 1 - i) break;
                i += 1 + (long)gap;
                found.Add(i);
            }
            pieces[c] = found.ToArray();
        });
        return Concat(pieces);
    }

    public static long[] SampleGnm(int nodeCount, long edgeCount, ulong seed)
    {
        long pairs = PairIndex.PairCount(nodeCount);
        if (edgeCount < 0 || edgeCount > pairs)
            throw new UserInputException($"G(n, M) with n = {nodeCount} has {pairs} node pairs; M = {edgeCount} is impossible");
        if (edgeCount > pairs / 2) return Complement(SampleGnm(nodeCount, pairs - edgeCount, seed), pairs);

        var edges = SampleGnp(nodeCount, (double)edgeCount / pairs, seed);
        var rng = new RandomStream(seed, RandomStream.StreamId(GraphStreamDomain.EdgeCountAdjust, 0));
        return edges.Length > edgeCount ? DropRandom(edges, edges.Length - edgeCount, ref rng)
             : edges.Length < edgeCount ? AddRandomNonEdges(edges, edgeCount - edges.Length, pairs, ref rng)
             : edges;
    }

    /// <summary>Removes <paramref name="count"/> entries at uniformly random distinct positions (Floyd's subset sampling).</summary>
    private static long[] DropRandom(long[] sorted, long count, ref RandomStream rng)
    {
        var drop = new HashSet<long>();
        for (long j = sorted.Length - count; j < sorted.Length; j++)
        {
            long t = rng.NextBelow(j + 1);
            drop.Add(drop.Contains(t) ? j : t);
        }
        var dropped = drop.ToArray();
        Array.Sort(dropped);
        var kept = new long[sorted.Length - count];
        int k = 0, d = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            if (d < dropped.Length && dropped[d] == i) { d++; continue; }
            kept[k++] = sorted[i];
        }
        return kept;
    }

    /// <summary>Adds <paramref name="count"/> uniformly random pairs that are not yet edges (rejection; M ≤ N/2 keeps acceptance ≥ ½).</summary>
    private static long[] AddRandomNonEdges(long[] sorted, long count, long pairs, ref RandomStream rng)
    {
        var added = new HashSet<long>();
        while (added.Count < count)
        {
            long i = rng.NextBelow(pairs);
            if (Array.BinarySearch(sorted, i) < 0) added.Add(i);
        }
        var extra = added.ToArray();
        Array.Sort(extra);
        var merged = new long[sorted.Length + extra.Length];
        int x = 0, y = 0, z = 0;
        while (x < sorted.Length || y < extra.Length)
            merged[z++] = y == extra.Length || (x < sorted.Length && sorted[x] < extra[y]) ? sorted[x++] : extra[y++];
        return merged;
    }

    private static long[] Complement(long[] sorted, long pairs)
    {
        var result = new long[pairs - sorted.Length];
        int k = 0, x = 0;
        for (long i = 0; i < pairs; i++)
        {
            if (x < sorted.Length && sorted[x] == i) { x++; continue; }
            result[k++] = i;
        }
        return result;
    }

    /// <summary>ln(1 + x) accurate for tiny x (Kahan's trick), so sparse graphs get the right gap distribution.</summary>
    private static double Log1P(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    private static long[] Concat(long[][] pieces)
    {
        long total = 0;
        foreach (var piece in pieces) total += piece.Length;
        if (total > Array.MaxLength / 2)
            throw new UserInputException($"the graph would have {total} edges, above the in-memory limit of {Array.MaxLength / 2}");
        var all = new long[total];
        long at = 0;
        foreach (var piece in pieces) { piece.CopyTo(all, at); at += piece.Length; }
        return all;
    }
}
