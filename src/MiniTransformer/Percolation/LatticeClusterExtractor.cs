namespace MiniTransformer.Percolation;

/// <summary>
/// Extracts the clusters of site percolation at fixed p on a finite hypercubic lattice (occupation by the same
/// Philox keys as the Newman–Ziff sweep, <see cref="OccupationOrder"/>). Scanning sites in index order, each
/// unvisited occupied site is a new cluster's root (so the root is the cluster's lowest lattice index) and a BFS
/// over occupied neighbours, in the lattice's fixed neighbour order, labels the cluster and builds its spanning
/// tree. The BFS tree is the choice for the random-walk target and for tree distances: it is the tree a BFS
/// labelling produces for free, deterministic, and its depth equals the chemical (shortest-path) distance from
/// the root, so the target's root-to-site variance grows with chemical distance as on a Bethe cluster.
/// Coordinates are unwrapped along the tree (a child is its parent ± one unit along one axis), so on a periodic
/// lattice a cluster that wraps around shows its BFS-tree embedding, not the torus.
/// </summary>
public static class LatticeClusterExtractor
{
    public static ClusterSet Extract(LatticeSpec spec)
    {
        spec.Validate();
        var lattice = new HypercubicLattice(spec.Dimension, spec.Side, spec.Periodic);
        var occupied = OccupationOrder.OccupiedAt(lattice, spec.Seed, spec.P);
        int n = lattice.SiteCount, d = lattice.Dimension;
        var visited = new bool[n];
        var queue = new int[n];          // BFS order of the current cluster (lattice indices)
        var parentLocal = new int[n];
        Span<int> neighbours = stackalloc int[2 * d];
        var coords = new List<int>(1024);   // unwrapped coordinates of the current cluster, d per BFS index
        var kept = new List<(long, int[], float[], int[]?)>();
        long found = 0, discarded = 0, occupiedSites = 0;
        for (int start = 0; start < n; start++)
        {
            if (!occupied[start] || visited[start]) continue;
            found++;
            int head = 0, tail = 0;
            queue[tail] = start; parentLocal[tail] = -1; tail++;
            visited[start] = true;
            coords.Clear();
            for (int a = 0; a < d; a++) coords.Add(lattice.Coordinate(start, a));
            while (head < tail)
            {
                int site = queue[head];
                int siteLocal = head++;
                lattice.Neighbours(site, neighbours);
                for (int e = 0; e < neighbours.Length; e++)
                {
                    int nb = neighbours[e];
                    if (nb < 0 || !occupied[nb] || visited[nb]) continue;
                    visited[nb] = true;
                    queue[tail] = nb; parentLocal[tail] = siteLocal; tail++;
                    // Unwrapped coordinate: the parent's plus one unit step along axis e/2.
                    for (int a = 0; a < d; a++)
                        coords.Add(coords[siteLocal * d + a] + (a == e / 2 ? (e % 2 == 0 ? -1 : 1) : 0));
                }
            }
            int size = tail;
            occupiedSites += size;
            if (size > spec.MaxSize) { discarded++; continue; }
            if (size < spec.MinSize) continue;
            var parents = parentLocal.AsSpan(0, size).ToArray();
            var values = new float[size];
            RandomWalkTarget.Compute(parents, spec.Seed, (ulong)start, values);
            kept.Add((start, parents, values, coords.ToArray()));
        }
        if (kept.Count == 0)
            throw new UserInputException($"no cluster with {spec.MinSize} ≤ size ≤ {spec.MaxSize} at p = {spec.P} on a {spec.Side}^{spec.Dimension} lattice ({found} clusters, {discarded} above max-size)");
        var info = new ClusterSetInfo
        {
            Lattice = "hypercubic",
            Side = spec.Side,
            Periodic = spec.Periodic,
            P = spec.P,
            Seed = spec.Seed,
            MinSize = spec.MinSize,
            MaxSize = spec.MaxSize,
            Trials = found,
            Discarded = discarded,
            GrownSites = occupiedSites,
        };
        return ClusterSet.FromClusters(info, kept, d);
    }
}
