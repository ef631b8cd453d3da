namespace MiniTransformer.Data.Graphs;

/// <summary>
/// Builds a <see cref="Graph"/> from an undirected edge list in two counting passes (degrees, then fill). When the
/// edges arrive sorted by either endpoint — every generator here emits them that way, and graph files store them
/// so — the fill already leaves each row sorted; any other order is sorted row by row. Self-loops, repeated
/// edges, out-of-range ids and zero weights are rejected as user input (they can only come from a file).
/// </summary>
public static class CsrBuilder
{
    /// <param name="weights">One weight per edge, or null for an unweighted graph.</param>
    public static Graph Build(int nodeCount, ReadOnlySpan<int> a, ReadOnlySpan<int> b, ReadOnlySpan<uint> weights, bool weighted)
    {
        if (a.Length != b.Length || (weighted && weights.Length != a.Length))
            throw new ArgumentException("edge endpoint and weight arrays must have the same length");
        if ((long)a.Length * 2 > Array.MaxLength)
            throw new UserInputException($"{a.Length} edges exceed the in-memory limit of {Array.MaxLength / 2}");

        var offsets = new int[nodeCount + 1];
        for (int e = 0; e < a.Length; e++)
        {
            int u = a[e], v = b[e];
            if ((uint)u >= (uint)nodeCount || (uint)v >= (uint)nodeCount)
                throw new UserInputException($"edge {e} ({u}, {v}) names a node outside 0..{nodeCount - 1}");
            if (u == v) throw new UserInputException($"edge {e} is a self-loop on node {u}");
            if (weighted && weights[e] == 0) throw new UserInputException($"edge {e} ({u}, {v}) has weight 0; weights must be ≥ 1");
            offsets[u + 1]++;
            offsets[v + 1]++;
        }
        for (int u = 0; u < nodeCount; u++) offsets[u + 1] += offsets[u];

        var neighbors = new int[2 * a.Length];
        var w = weighted ? new uint[2 * a.Length] : null;
        var next = offsets.AsSpan(0, nodeCount).ToArray();
        for (int e = 0; e < a.Length; e++)
        {
            int u = a[e], v = b[e];
            int pu = next[u]++, pv = next[v]++;
            neighbors[pu] = v;
            neighbors[pv] = u;
            if (w is not null) w[pu] = w[pv] = weights[e];
        }

        for (int u = 0; u < nodeCount; u++)
        {
            var row = neighbors.AsSpan(offsets[u], offsets[u + 1] - offsets[u]);
            if (!IsStrictlyIncreasing(row))
            {
                if (w is null) row.Sort();
                else row.Sort(w.AsSpan(offsets[u], row.Length));
                if (!IsStrictlyIncreasing(row))
                    throw new UserInputException($"the edge between nodes {u} and {FirstRepeat(row)} appears more than once");
            }
        }
        return new Graph(nodeCount, offsets, neighbors, w);
    }

    private static bool IsStrictlyIncreasing(ReadOnlySpan<int> row)
    {
        for (int i = 1; i < row.Length; i++)
            if (row[i] <= row[i - 1]) return false;
        return true;
    }

    private static int FirstRepeat(ReadOnlySpan<int> sortedRow)
    {
        for (int i = 1; i < sortedRow.Length; i++)
            if (sortedRow[i] == sortedRow[i - 1]) return sortedRow[i];
        return -1;
    }
}
