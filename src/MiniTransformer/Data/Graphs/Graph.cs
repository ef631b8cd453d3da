namespace MiniTransformer.Data.Graphs;

/// <summary>
/// An undirected simple graph in CSR form: the neighbours of node u are
/// <c>Neighbors[Offsets[u] .. Offsets[u+1])</c> in increasing order, and <c>Weights</c> (null when every edge
/// weighs 1) holds the weight of each of those entries. Every edge appears twice, once from each end, with the same
/// weight; there are no self-loops and no repeated edges (<see cref="CsrBuilder"/> guarantees all three).
/// </summary>
public sealed class Graph
{
    public int NodeCount { get; }
    public long EdgeCount => Neighbors.Length / 2;
    public int[] Offsets { get; }
    public int[] Neighbors { get; }
    public uint[]? Weights { get; }
    public bool IsWeighted => Weights is not null;

    internal Graph(int nodeCount, int[] offsets, int[] neighbors, uint[]? weights)
    {
        NodeCount = nodeCount;
        Offsets = offsets;
        Neighbors = neighbors;
        Weights = weights;
    }

    public int Degree(int node) => Offsets[node + 1] - Offsets[node];

    public ReadOnlySpan<int> NeighborsOf(int node) => Neighbors.AsSpan(Offsets[node], Degree(node));

    /// <summary>Weight of the CSR entry at <paramref name="position"/> (1 for an unweighted graph).</summary>
    public uint WeightAt(int position) => Weights is null ? 1u : Weights[position];

    /// <summary>Σ_v W_uv: the node's share of the stationary distribution, up to normalisation.</summary>
    public ulong WeightedDegree(int node)
    {
        if (Weights is null) return (ulong)Degree(node);
        ulong sum = 0;
        for (int i = Offsets[node]; i < Offsets[node + 1]; i++) sum += Weights[i];
        return sum;
    }

    /// <summary>The edges once each as (u, v, w) with u &lt; v, ordered by u then v — the on-disk order.</summary>
    public IEnumerable<(int U, int V, uint W)> Edges()
    {
        for (int u = 0; u < NodeCount; u++)
            for (int i = Offsets[u]; i < Offsets[u + 1]; i++)
                if (Neighbors[i] > u) yield return (u, Neighbors[i], WeightAt(i));
    }
}
