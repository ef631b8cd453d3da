namespace MiniTransformer.Data.Graphs;

/// <summary>
/// The n(n−1)/2 unordered node pairs numbered larger-end-major: pair (u, v) with u &lt; v has index v(v−1)/2 + u.
/// Sampling edges means sampling indices; sorted indices are edges sorted by (v, u), which <see cref="CsrBuilder"/>
/// turns into sorted rows without a sort.
/// </summary>
public static class PairIndex
{
    public static long PairCount(int nodeCount) => (long)nodeCount * (nodeCount - 1) / 2;

    /// <summary>Decodes sorted pair indices into endpoint arrays (a = smaller end u, b = larger end v).</summary>
    public static void Decode(ReadOnlySpan<long> sortedIndices, Span<int> a, Span<int> b)
    {
        if (sortedIndices.Length == 0) return;
        long v = LargerEnd(sortedIndices[0]);
        long rowStart = v * (v - 1) / 2;
        for (int e = 0; e < sortedIndices.Length; e++)
        {
            long i = sortedIndices[e];
            while (i >= rowStart + v) { rowStart += v; v++; }
            a[e] = (int)(i - rowStart);
            b[e] = (int)v;
        }
    }

    /// <summary>v such that v(v−1)/2 ≤ i &lt; v(v+1)/2.</summary>
    public static long LargerEnd(long i)
    {
        long v = (long)((1 + Math.Sqrt(1 + 8.0 * i)) / 2);
        while (v * (v - 1) / 2 > i) v--;
        while (v * (v + 1) / 2 <= i) v++;
        return v;
    }
}
