using MathNet.Numerics.Distributions;

namespace MiniTransformer.Percolation;

/// <summary>
/// Newman–Ziff (PRE 64, 016706, 2001): occupy the sites one at a time in random order, merging clusters with a
/// weighted union–find with path halving, so one O(N α(N)) pass yields the microcanonical observables after every
/// number of occupied sites n = 1…N — i.e. for all p at once. Observables: the largest cluster's size after n
/// additions and the first n at which a cluster crosses the lattice along axis 0 — on open lattices by touching
/// both faces x_0 = 0 and x_0 = L−1 (spanning), on periodic ones by wrapping around the torus (Newman–Ziff §IV:
/// every site keeps its unwrapped x_0 displacement to its union–find parent; a bond that joins two sites of one
/// cluster whose displacements disagree by a multiple of L closes a winding loop). Canonical values at p follow
/// by <see cref="Canonical"/>.
/// </summary>
public sealed class NewmanZiffSweep
{
    /// <summary>LargestCluster[n] after n additions (index 0 = empty lattice).</summary>
    public required int[] LargestCluster { get; init; }
    /// <summary>The number of additions at which a spanning cluster first appears (open lattices), else −1.</summary>
    public required int FirstSpanning { get; init; }
    /// <summary>The number of additions at which a cluster first wraps around axis 0 (periodic lattices), else −1.</summary>
    public required int FirstWrapping { get; init; }
    public int SiteCount => LargestCluster.Length - 1;

    public static NewmanZiffSweep Run(HypercubicLattice lattice, ulong seed)
    {
        var order = OccupationOrder.Sorted(lattice, seed);
        int n = lattice.SiteCount, side = lattice.Side;
        var parent = new int[n];           // union–find: parent[i] = i for roots, −1 for empty sites
        var size = new int[n];
        var shift = new int[n];            // unwrapped x_0(i) − x_0(parent[i]); 0 at roots
        var faces = new byte[n];           // bit 0: touches x_0 = 0, bit 1: touches x_0 = L−1 (valid at roots)
        Array.Fill(parent, -1);
        var largest = new int[n + 1];
        Span<int> neighbours = stackalloc int[2 * lattice.Dimension];
        int best = 0, firstSpanning = -1, firstWrapping = -1;
        for (int step = 0; step < n; step++)
        {
            int site = order[step];
            parent[site] = site; size[site] = 1;
            int x0 = lattice.Coordinate(site, 0);
            faces[site] = (byte)((x0 == 0 ? 1 : 0) | (x0 == side - 1 ? 2 : 0));
            lattice.Neighbours(site, neighbours);
            for (int e = 0; e < neighbours.Length; e++)
            {
                int nb = neighbours[e];
                if (nb < 0 || parent[nb] < 0) continue;
                // Unwrapped, the bond moves x_0 by −1 (e = 0), +1 (e = 1) or not at all (other axes).
                int bond = e == 0 ? -1 : e == 1 ? 1 : 0;
                int root = Find(parent, shift, site, out int siteOffset);
                int other = Find(parent, shift, nb, out int nbOffset);
                // x_0(other) − x_0(root), unwrapped through this bond.
                int rootsApart = siteOffset + bond - nbOffset;
                if (other == root)
                {
                    if (rootsApart != 0 && firstWrapping < 0 && lattice.Periodic) firstWrapping = step + 1;
                    continue;
                }
                // Weighted union: the smaller tree hangs under the larger one.
                if (size[other] > size[root]) { (root, other) = (other, root); rootsApart = -rootsApart; }
                parent[other] = root;
                shift[other] = rootsApart;
                size[root] += size[other];
                faces[root] |= faces[other];
            }
            int final = Find(parent, shift, site, out _);
            if (size[final] > best) best = size[final];
            largest[step + 1] = best;
            if (firstSpanning < 0 && !lattice.Periodic && faces[final] == 3) firstSpanning = step + 1;
        }
        return new NewmanZiffSweep { LargestCluster = largest, FirstSpanning = firstSpanning, FirstWrapping = firstWrapping };
    }

    /// <summary>The root of <paramref name="i"/> and x_0(i) − x_0(root) unwrapped, halving the path (and summing the shifts it skips).</summary>
    private static int Find(int[] parent, int[] shift, int i, out int offset)
    {
        offset = 0;
        while (parent[i] != i)
        {
            int up = parent[i];
            if (parent[up] != up)
            {
                shift[i] += shift[up];
                parent[i] = parent[up];
            }
            offset += shift[i];
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
