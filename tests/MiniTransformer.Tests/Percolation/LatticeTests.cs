using MiniTransformer.Percolation;

namespace MiniTransformer.Tests.Percolation;

public class LatticeTests
{
    /// <summary>
    /// Square-lattice site percolation, p_c = 0.5927460508 (Jacobsen 2015; SCIENCE.md). On open 256×256 lattices the
    /// mean occupied fraction at which a cluster first spans is within ~0.002 of p_c (finite-size shift ∝ L^−3/4 of
    /// that order); 100 sweeps give a standard error of ≈ 0.0013; tolerance 0.006.
    /// </summary>
    [Fact]
    public void NewmanZiffSpanningThresholdOnTheSquareLattice()
    {
        var lattice = new HypercubicLattice(2, 256, periodic: false);
        var fractions = new double[100];
        Parallel.For(0, fractions.Length, r =>
        {
            var sweep = NewmanZiffSweep.Run(lattice, (ulong)(1000 + r));
            Assert.True(sweep.FirstSpanning > 0);
            fractions[r] = sweep.FirstSpanning / (double)lattice.SiteCount;
        });
        Assert.InRange(fractions.Average(), 0.5927460508 - 0.006, 0.5927460508 + 0.006);
    }

    /// <summary>
    /// Periodic square lattice: the probability R_L(p) that a cluster wraps around axis 0 crosses the infinite-lattice
    /// value at p_c, R(p_c) = 0.521058290 (Pinson 1994; Newman–Ziff 2001), with a finite-size shift that vanishes
    /// fast (L^−11/4 at leading order). Solving the canonical R_L(p) = R(p_c) over 300 sweeps of 128×128 estimates p_c
    /// with a statistical error of ≈ 0.0007 (a single sweep's wrapping point spreads by ≈ 0.012; /√300). Six
    /// independent blocks of 300 sweeps gave 0.5915 … 0.5928 (mean 0.5922, so any residual shift is ≈ 0.0005);
    /// tolerance 0.005 (≈ 6σ plus that shift).
    /// </summary>
    [Fact]
    public void NewmanZiffWrappingThresholdOnThePeriodicSquareLattice()
    {
        var lattice = new HypercubicLattice(2, 128, periodic: true);
        int n = lattice.SiteCount, runs = 300;
        var firsts = new int[runs];
        Parallel.For(0, runs, r =>
        {
            var sweep = NewmanZiffSweep.Run(lattice, (ulong)(5000 + r));
            Assert.Equal(-1, sweep.FirstSpanning);
            firsts[r] = sweep.FirstWrapping;
        });
        var wrapping = new double[n + 1];
        foreach (int first in firsts)
        {
            Assert.InRange(first, 1, n);
            for (int k = first; k <= n; k++) wrapping[k] += 1.0 / runs;
        }
        double lo = 0.5, hi = 0.7;
        for (int i = 0; i < 24; i++) // to 1e-8
        {
            double mid = 0.5 * (lo + hi);
            if (NewmanZiffSweep.Canonical(wrapping, mid) < 0.521058290) lo = mid; else hi = mid;
        }
        Assert.InRange(0.5 * (lo + hi), 0.5927460508 - 0.005, 0.5927460508 + 0.005);
    }

    /// <summary>
    /// The sweep's wrapping point against an independent check at fixed p: a BFS that assigns unwrapped x_0 along its
    /// tree and declares a wrap when any occupied bond joins two sites whose unwrapped x_0 differ by other than the
    /// bond's own step. Both must agree at every tested p (2-D and 3-D, seeds with and without early wraps).
    /// </summary>
    [Theory]
    [InlineData(2, 12)]
    [InlineData(2, 31)]
    [InlineData(3, 9)]
    public void WrappingAgreesWithBreadthFirstUnwrapping(int d, int side)
    {
        var lattice = new HypercubicLattice(d, side, periodic: true);
        for (ulong seed = 1; seed <= 6; seed++)
        {
            var sweep = NewmanZiffSweep.Run(lattice, seed);
            var keys = OccupationOrder.Keys(lattice, seed);
            foreach (double p in new[] { 0.1, 0.2, 0.25, 0.3, 0.35, 0.45, 0.55, 0.58, 0.6, 0.62, 0.65, 0.7, 0.8 })
            {
                var occupied = keys.Select(k => PercolationStreams.KeyToUnit(k) < p).ToArray();
                int count = occupied.Count(o => o);
                bool sweepWraps = sweep.FirstWrapping > 0 && sweep.FirstWrapping <= count;
                Assert.True(WrapsByBreadthFirst(lattice, occupied) == sweepWraps, $"d = {d}, L = {side}, seed {seed}, p = {p}");
            }
        }
    }

    private static bool WrapsByBreadthFirst(HypercubicLattice lattice, bool[] occupied)
    {
        var x0 = new int[lattice.SiteCount];
        var seen = new bool[lattice.SiteCount];
        var queue = new Queue<int>();
        var neighbours = new int[2 * lattice.Dimension];
        for (int start = 0; start < occupied.Length; start++)
        {
            if (!occupied[start] || seen[start]) continue;
            seen[start] = true;
            x0[start] = lattice.Coordinate(start, 0);
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                int site = queue.Dequeue();
                lattice.Neighbours(site, neighbours);
                for (int e = 0; e < neighbours.Length; e++)
                {
                    int nb = neighbours[e];
                    if (!occupied[nb]) continue;
                    int expected = x0[site] + (e == 0 ? -1 : e == 1 ? 1 : 0);
                    if (!seen[nb]) { seen[nb] = true; x0[nb] = expected; queue.Enqueue(nb); }
                    else if (x0[nb] != expected) return true;
                }
            }
        }
        return false;
    }

    /// <summary>The union–find sweep and the BFS extraction are independent algorithms on the same configurations:
    /// the sweep's largest cluster after n additions equals the largest BFS cluster at the p where n sites are occupied.</summary>
    [Theory]
    [InlineData(2, 64, false, 0.55)]
    [InlineData(2, 64, true, 0.62)]
    [InlineData(3, 20, true, 0.30)]
    [InlineData(3, 20, false, 0.35)]
    public void SweepAgreesWithBreadthFirstLabelling(int d, int side, bool periodic, double p)
    {
        var lattice = new HypercubicLattice(d, side, periodic);
        var sweep = NewmanZiffSweep.Run(lattice, seed: 77);
        int occupied = OccupationOrder.OccupiedAt(lattice, 77, p).Count(o => o);
        var set = LatticeClusterExtractor.Extract(new LatticeSpec(d, side, periodic, p, 1, int.MaxValue, Seed: 77));
        Assert.Equal(occupied, set.TotalSites);
        Assert.Equal(sweep.LargestCluster[occupied], set.Info.Sizes.Max());
    }

    [Fact]
    public void ExtractedTreesAreUnitStepEmbeddingsOfOccupiedSites()
    {
        var spec = new LatticeSpec(3, 16, Periodic: true, P: 0.4, MinSize: 5, MaxSize: 100_000, Seed: 3);
        var set = LatticeClusterExtractor.Extract(spec);
        var lattice = new HypercubicLattice(3, 16, true);
        var occupied = OccupationOrder.OccupiedAt(lattice, 3, 0.4);
        for (int k = 0; k < set.Count; k++)
        {
            var parents = set.ParentsOf(k);
            var c = set.CoordinatesOf(k);
            var seen = new HashSet<int>();
            for (int i = 0; i < parents.Length; i++)
            {
                int site = 0;
                for (int a = 2; a >= 0; a--) site = site * 16 + ((c[i * 3 + a] % 16) + 16) % 16;
                Assert.True(occupied[site]);
                Assert.True(seen.Add(site), "every site appears once");
                if (i == 0) { Assert.Equal(-1, parents[0]); continue; }
                Assert.InRange(parents[i], 0, i - 1);
                int l1 = 0;
                for (int a = 0; a < 3; a++) l1 += Math.Abs(c[i * 3 + a] - c[parents[i] * 3 + a]);
                Assert.Equal(1, l1);
            }
        }
    }

    /// <summary>The canonical convolution is a binomial average: Q_n = n/N must give exactly p, a constant itself.</summary>
    [Fact]
    public void CanonicalAverageIsABinomialMean()
    {
        const int n = 10_000;
        var linear = new double[n + 1];
        var constant = new double[n + 1];
        for (int i = 0; i <= n; i++) { linear[i] = i / (double)n; constant[i] = 2.5; }
        foreach (double p in new[] { 0.01, 0.3, 0.5927, 0.99 })
        {
            Assert.Equal(p, NewmanZiffSweep.Canonical(linear, p), 12);
            Assert.Equal(2.5, NewmanZiffSweep.Canonical(constant, p), 12);
        }
    }
}
