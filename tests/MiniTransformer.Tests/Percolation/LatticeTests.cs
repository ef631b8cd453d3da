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
