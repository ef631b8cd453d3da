using MiniTransformer.Compute;

namespace MiniTransformer.Percolation;

/// <summary>
/// Cluster labels of a fixed-p configuration on a hypercubic lattice: label[i] = the lowest site index of i's cluster
/// for an occupied site, −1 for an empty one. Two independent algorithms give the same labels: a sequential weighted
/// union–find with path halving (the Newman–Ziff machinery, at one p) and the data-parallel label equivalence of
/// <see cref="ComputeBackend.LabelClusters"/>, which runs as kernels on OpenCL or CUDA.
/// </summary>
public static class ClusterLabelling
{
    public static int[] UnionFind(HypercubicLattice lattice, ReadOnlySpan<bool> occupied)
    {
        int n = lattice.SiteCount;
        if (occupied.Length != n) throw new ArgumentException($"occupation holds {occupied.Length} sites, the lattice {n}");
        var parent = new int[n];
        var size = new int[n];
        for (int i = 0; i < n; i++) { parent[i] = occupied[i] ? i : -1; size[i] = 1; }
        Span<int> neighbours = stackalloc int[2 * lattice.Dimension];
        for (int i = 0; i < n; i++)
        {
            if (!occupied[i]) continue;
            lattice.Neighbours(i, neighbours);
            foreach (int nb in neighbours)
            {
                if (nb < 0 || !occupied[nb]) continue;
                int a = Find(parent, i), b = Find(parent, nb);
                if (a == b) continue;
                if (size[a] < size[b]) (a, b) = (b, a);
                parent[b] = a;
                size[a] += size[b];
            }
        }
        // Sites in index order: the first site seen of each root is its cluster's lowest index.
        var lowest = new int[n];
        Array.Fill(lowest, -1);
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (!occupied[i]) { labels[i] = -1; continue; }
            int root = Find(parent, i);
            if (lowest[root] < 0) lowest[root] = i;
            labels[i] = lowest[root];
        }
        return labels;
    }

    /// <summary>The same labels computed by <see cref="ComputeBackend.LabelClusters"/> on <paramref name="backend"/>.</summary>
    public static int[] OnBackend(ComputeBackend backend, HypercubicLattice lattice, ReadOnlySpan<bool> occupied)
    {
        int n = lattice.SiteCount;
        if (occupied.Length != n) throw new ArgumentException($"occupation holds {occupied.Length} sites, the lattice {n}");
        var labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = occupied[i] ? 0 : -1;
        using var buffer = backend.UploadNew<int>(labels);
        backend.LabelClusters(buffer, lattice.Dimension, lattice.Side, lattice.Periodic);
        backend.Download(buffer.All, labels);
        return labels;
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }
}
