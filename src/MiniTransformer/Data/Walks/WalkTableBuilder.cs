using MiniTransformer.Data.Graphs;

namespace MiniTransformer.Data.Walks;

/// <summary>
/// Builds <see cref="WalkTables"/> from a graph: one alias table per node over its CSR row (next step ∝ edge weight)
/// and one over all nodes (start ∝ weighted degree, the stationary distribution).
///
/// Vose's alias method in exact integer arithmetic: with weights w_j (sum S) over k slots, slot j starts with
/// k·w_j units against a capacity of S per slot, and the small/large worklists hand out integer units, so the
/// construction ends with every slot exactly full — no floating-point leftovers, and a weight-0 slot (an isolated
/// node in the start table) keeps probability exactly 0 (threshold 0, alias to a node with weight). Only the final
/// keep probability is rounded to the table's 2⁻³² units. Rows are independent and built in parallel.
/// </summary>
public static class WalkTableBuilder
{
    public static WalkTables Build(Graph graph)
    {
        if (graph.EdgeCount == 0)
            throw new UserInputException($"the graph has {graph.NodeCount} nodes and no edges, so no walk can be sampled");

        int n = graph.NodeCount;
        var offsets = graph.Offsets;
        var threshold = new uint[graph.Neighbors.Length];
        var alias = new int[graph.Neighbors.Length];
        const int Block = 1024;
        Parallel.For(0, (n + Block - 1) / Block, () => new Scratch(), (block, _, scratch) =>
        {
            for (int u = block * Block; u < Math.Min(n, (block + 1) * Block); u++)
            {
                int begin = offsets[u], size = offsets[u + 1] - begin;
                if (graph.Weights is null || IsUniform(graph.Weights.AsSpan(begin, size)))
                {
                    threshold.AsSpan(begin, size).Fill(uint.MaxValue);
                    for (int j = 0; j < size; j++) alias[begin + j] = begin + j;
                    continue;
                }
                var w = scratch.Weights(size);
                for (int j = 0; j < size; j++) w[j] = graph.Weights[begin + j];
                BuildTable(w, threshold.AsSpan(begin, size), alias.AsSpan(begin, size), begin, scratch);
            }
            return scratch;
        }, _ => { });

        var start = new Scratch();
        var degrees = start.Weights(n);
        for (int u = 0; u < n; u++) degrees[u] = graph.WeightedDegree(u);
        var startThreshold = new uint[n];
        var startAlias = new int[n];
        BuildTable(degrees, startThreshold, startAlias, 0, start);

        return new WalkTables(offsets, graph.Neighbors, threshold, alias, startThreshold, startAlias);
    }

    /// <summary>
    /// Fills one alias table over weights <paramref name="w"/> (not all zero). Alias entries are
    /// <paramref name="aliasBase"/> + slot: CSR positions for a neighbour row, node ids for the start table.
    /// </summary>
    internal static void BuildTable(ReadOnlySpan<ulong> w, Span<uint> threshold, Span<int> alias, int aliasBase, Scratch scratch)
    {
        int k = w.Length;
        UInt128 capacity = 0;
        foreach (var x in w) capacity += x;
        var units = scratch.Units(k);
        var small = scratch.Small(k);
        var large = scratch.Large(k);
        int nSmall = 0, nLarge = 0;
        for (int j = 0; j < k; j++)
        {
            units[j] = (UInt128)w[j] * (ulong)k;
            if (units[j] < capacity) small[nSmall++] = j;
            else large[nLarge++] = j;
        }
        while (nSmall > 0)
        {
            // Exact arithmetic keeps Σ units = k·capacity, so a slot below capacity always has a donor above it.
            int s = small[--nSmall], l = large[nLarge - 1];
            threshold[s] = KeepProbability(units[s], capacity);
            alias[s] = aliasBase + l;
            units[l] -= capacity - units[s];
            if (units[l] < capacity) { nLarge--; small[nSmall++] = l; }
        }
        for (int i = 0; i < nLarge; i++)
        {
            threshold[large[i]] = uint.MaxValue;
            alias[large[i]] = aliasBase + large[i];
        }
    }

    /// <summary>round(units / capacity · 2³²) for units &lt; capacity, saturated at uint.MaxValue.</summary>
    private static uint KeepProbability(UInt128 units, UInt128 capacity)
    {
        UInt128 scaled = ((units << 32) + capacity / 2) / capacity;
        return scaled > uint.MaxValue ? uint.MaxValue : (uint)scaled;
    }

    private static bool IsUniform(ReadOnlySpan<uint> w) => w.IndexOfAnyExcept(w.Length > 0 ? w[0] : 0u) < 0;

    /// <summary>Per-thread work arrays, grown to the largest row seen.</summary>
    internal sealed class Scratch
    {
        private ulong[] _weights = [];
        private UInt128[] _units = [];
        private int[] _small = [], _large = [];

        public Span<ulong> Weights(int k) => Grow(ref _weights, k);
        public Span<UInt128> Units(int k) => Grow(ref _units, k);
        public Span<int> Small(int k) => Grow(ref _small, k);
        public Span<int> Large(int k) => Grow(ref _large, k);

        private static Span<T> Grow<T>(ref T[] array, int k)
        {
            if (array.Length < k) array = new T[k];
            return array.AsSpan(0, k);
        }
    }
}
