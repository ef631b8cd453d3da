using MathNet.Numerics.Distributions;

namespace MiniTransformer.Percolation;

/// <summary>
/// Newman–Ziff (PRE 64, 016706, 2001): occupy the sites one at a time in random order, merging clusters with a
/// weighted union–find with path halving, so one O(N α(N)) pass yields the microcanonical observables after every
/// number of occupied sites n = 1…N — i.e. for all p at once. Observables: the largest cluster's size after n
/// additions and, on open lattices, the first n at which one cluster touches both faces x_0 = 0 and x_0 = L−1
/// (spanning along axis 0). Canonical values at p follow by <see cref="Canonical"/>.
/// </summary>
public sealed class NewmanZiffSweep
{
    /// <summary>LargestCluster[n] after n additions (index 0 = empty lattice).</summary>
    public required int[] LargestCluster { get; init; }
    /// <summary>The number of additions at which a spanning cluster first appears (open lattices), else −1.</summary>
    public required int FirstSpanning { get; init; }
    public int SiteCount => LargestCluster.Length - 1;

    public static NewmanZiffSweep Run(HypercubicLattice lattice, ulong seed)
    {
        var order = OccupationOrder.Sorted(lattice, seed);
        int n = lattice.SiteCount, side = lattice.Side;
        var parent = new int[n];           // union–find: parent[i] = i for roots, −1 for empty sites
        var size = new int[n];
        var faces = new byte[n];           // bit 0: touches x_0 = 0, bit 1: touches x_0 = L−1 (valid at roots)
        Array.Fill(parent, -1);
        var largest = new int[n + 1];
        Span<int> neighbours = stackalloc int[2 * lattice.Dimension];
        int best = 0, firstSpanning = -1;
        for (int step = 0; step < n; step++)
        {
            int site = order[step];
            parent[site] = site; size[site] = 1;
            int x0 = lattice.Coordinate(site, 0);
            faces[site] = (byte)((x0 == 0 ? 1 : 0) | (x0 == side - 1 ? 2 : 0));
            int root = site;
            lattice.Neighbours(site, neighbours);
            foreach (int nb in neighbours)
            {
                if (nb < 0 || parent[nb] < 0) continue;
                int other = Find(parent, nb);
                if (other == root) continue;
                // Weighted union: the smaller tree hangs under the larger one.
                if (size[other] > size[root]) (root, other) = (other, root);
                parent[other] = root;
                size[root] += size[other];
                faces[root] |= faces[other];
            }
            if (size[root] > best) best = size[root];
            largest[step + 1] = best;
            if (firstSpanning < 0 && !lattice.Periodic && faces[root] == 3) firstSpanning = step + 1;
        }
        return new NewmanZiffSweep { LargestCluster = largest, FirstSpanning = firstSpanning };
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]]; // path halving
            i = parent[i];
        }
        return i;
    }

    /// <summary>
    /// The canonical average Q(p) = Σ_n B(N, n, p)·Q_n of microcanonical values Q_0…Q_N (Newman–Ziff's convolution),
    /// summed where the binomial weight is above 1e−300 relative to its mode.
    /// </summary>
    public static double Canonical(ReadOnlySpan<double> microcanonical, double p)
    {
        int n = microcanonical.Length - 1;
        if (p <= 0) return microcanonical[0];
        if (p >= 1) return microcanonical[n];
        int mode = (int)Math.Clamp(Math.Floor((n + 1) * p), 0, n);
        double logMode = Binomial.PMFLn(p, n, mode), total = 0, weight = 0;
        for (int dir = -1; dir <= 1; dir += 2)
            for (int k = dir < 0 ? mode : mode + 1; k >= 0 && k <= n; k += dir)
            {
                double w = Math.Exp(Binomial.PMFLn(p, n, k) - logMode);
                if (w < 1e-300) break;
                total += w * microcanonical[k];
                weight += w;
            }
        return total / weight;
    }
}
