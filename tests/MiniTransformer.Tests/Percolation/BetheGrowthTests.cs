using MathNet.Numerics.Distributions;
using MiniTransformer.Percolation;

namespace MiniTransformer.Tests.Percolation;

public class BetheGrowthTests
{
    /// <summary>Inversion is exact: on an evenly spaced grid of M uniforms, count k appears pmf(k)·M times ± 1.</summary>
    [Theory]
    [InlineData(199, 1.0 / 199)]
    [InlineData(200, 1.0 / 199)]
    [InlineData(199, 0.3)]
    [InlineData(2, 0.5)]
    public void BinomialTableInvertsTheExactCdf(int n, double p)
    {
        var table = new BinomialTable(n, p);
        const int m = 1_000_000;
        var counts = new int[n + 1];
        for (int i = 0; i < m; i++) counts[table.Sample((i + 0.5) / m)]++;
        for (int k = 0; k <= n; k++)
            Assert.True(Math.Abs(counts[k] - Binomial.PMF(p, n, k) * m) <= 1.0, $"k = {k}: {counts[k]} vs {Binomial.PMF(p, n, k) * m}");
    }

    /// <summary>
    /// At p_c the grown (site-weighted) cluster sizes follow P(s) ∝ s^(1−τ) = s^−3/2 (the total progeny of a
    /// critical Galton–Watson tree), and weighting each by 1/s gives the cluster-number density n_s ∝ s^−τ = s^−5/2.
    /// Log-binned over 16 ≤ s &lt; 8192 from 200,000 trials (fixed seed); the statistical error of the slope is ≈ 0.02,
    /// the O(1/s) corrections at s ≥ 16 shift it by less than that, so the tolerance is ±0.07. Clusters stopped at
    /// max-size are left out, as the generator discards them.
    /// </summary>
    [Fact]
    public void CriticalClusterSizesFollowTauFiveHalves() => CheckCriticalSlopes(200_000, maxPower: 13, tolerance: 0.07);

    /// <summary>As above with 2,000,000 trials up to s = 2^16 (slope error ≈ 0.006): tolerance ±0.03.</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void CriticalClusterSizesFollowTauFiveHalvesTightly() => CheckCriticalSlopes(2_000_000, maxPower: 16, tolerance: 0.03);

    private static void CheckCriticalSlopes(int trials, int maxPower, double tolerance)
    {
        const int z = 200;
        int maxSize = 1 << maxPower;
        var growth = new BetheGrowth(z, BetheGrowth.CriticalProbability(z), seed: 12345);
        var sizes = new int[trials];
        Parallel.For(0, trials, () => new GrowthScratch(), (t, _, s) =>
        {
            sizes[t] = growth.Grow(t, maxSize, s);
            return s;
        }, _ => { });
        // Bins [2^j, 2^(j+1)) for j = 4 … maxPower − 1.
        var raw = new double[maxPower];
        var density = new double[maxPower];
        foreach (int s in sizes)
        {
            if (s < 16 || s >= maxSize) continue; // also skips −1 (stopped above maxSize)
            int j = (int)Math.Log2(s);
            raw[j] += 1;
            density[j] += 1.0 / s;
        }
        var x = new List<double>();
        var yRaw = new List<double>();
        var yDensity = new List<double>();
        for (int j = 4; j < maxPower; j++)
        {
            double width = Math.Pow(2, j), centre = Math.Pow(2, j + 0.5);
            x.Add(Math.Log(centre));
            yRaw.Add(Math.Log(raw[j] / width));
            yDensity.Add(Math.Log(density[j] / width));
        }
        double rawSlope = MathNet.Numerics.Fit.Line(x.ToArray(), yRaw.ToArray()).B;
        double densitySlope = MathNet.Numerics.Fit.Line(x.ToArray(), yDensity.ToArray()).B;
        Assert.InRange(rawSlope, -1.5 - tolerance, -1.5 + tolerance);
        Assert.InRange(densitySlope, -2.5 - tolerance, -2.5 + tolerance);
    }

    /// <summary>
    /// Below p_c, counted from the root (a random occupied site): the root has z·p occupied neighbours on average,
    /// each the root of a subtree with mean size 1/(1 − (z−1)p) (a Galton–Watson tree with mean offspring (z−1)p),
    /// so E[s] = 1 + z·p/(1 − (z−1)p) = (1 + p)/(1 − (z−1)p). Checked to 5 standard errors of the sample mean. z = 3
    /// makes the root's extra neighbour matter (without it the mean would be 1/(1 − 2p) = 2.5 instead of 3.25).
    /// </summary>
    [Theory]
    [InlineData(200, 0.8 / 199, 400_000)]
    [InlineData(3, 0.3, 400_000)]
    [InlineData(10, 0.05, 200_000)]
    public void SubcriticalMeanClusterSizeMatchesMeanField(int z, double p, int trials)
    {
        var growth = new BetheGrowth(z, p, seed: 7);
        var sizes = new double[trials];
        Parallel.For(0, trials, () => new GrowthScratch(), (t, _, s) =>
        {
            int size = growth.Grow(t, int.MaxValue, s);
            sizes[t] = size;
            return s;
        }, _ => { });
        double mean = sizes.Average();
        double se = Math.Sqrt(sizes.Sum(v => (v - mean) * (v - mean)) / (trials - 1) / trials);
        double exact = (1 + p) / (1 - (z - 1) * p);
        Assert.True(Math.Abs(mean - exact) < 5 * se, $"mean {mean} vs exact {exact} (s.e. {se})");
    }

    [Fact]
    public void ParentArraysAreBreadthFirstTrees()
    {
        var growth = new BetheGrowth(200, BetheGrowth.CriticalProbability(200), seed: 3);
        var scratch = new GrowthScratch();
        int checkedClusters = 0;
        for (long t = 0; t < 2000; t++)
        {
            int size = growth.Grow(t, 100_000, scratch);
            var parents = scratch.Parents;
            if (size < 2) continue;
            checkedClusters++;
            Assert.Equal(-1, parents[0]);
            for (int i = 1; i < size; i++)
            {
                Assert.InRange(parents[i], 0, i - 1);
                Assert.True(parents[i] >= parents[i - 1], "BFS order: children appear in their parents' order");
            }
        }
        Assert.True(checkedClusters > 100);
    }

    [Fact]
    public void GenerationDoesNotDependOnThreadCount()
    {
        var spec = new BetheSpec(50, 1.0 / 49, MinSize: 20, MaxSize: 2000, Clusters: 40, Seed: 99);
        var one = BetheClusterGenerator.Generate(spec, maxThreads: 1);
        var many = BetheClusterGenerator.Generate(spec, maxThreads: 4);
        Assert.Equal(one.Info.ClusterIds, many.Info.ClusterIds);
        Assert.Equal(one.Parents, many.Parents);
        Assert.Equal(one.Values, many.Values);
        Assert.Equal(one.Info.Trials, many.Info.Trials);
        Assert.Equal(one.Info.Discarded, many.Info.Discarded);
    }

    /// <summary>Every kept cluster regrows identically from its (seed, trial index) alone.</summary>
    [Fact]
    public void EachClusterIsAPureFunctionOfSeedAndIndex()
    {
        var spec = new BetheSpec(200, 1.0 / 199, MinSize: 30, MaxSize: 5000, Clusters: 25, Seed: 5);
        var set = BetheClusterGenerator.Generate(spec);
        var growth = new BetheGrowth(spec.Z, spec.P, spec.Seed);
        var scratch = new GrowthScratch();
        for (int k = 0; k < set.Count; k++)
        {
            int size = growth.Grow(set.Info.ClusterIds[k], spec.MaxSize, scratch);
            Assert.Equal(set.Size(k), size);
            Assert.True(scratch.Parents.AsSpan(0, size).SequenceEqual(set.ParentsOf(k)));
        }
    }

    [Fact]
    public void SizeFiltersAndDiscardsAreHonoured()
    {
        var spec = new BetheSpec(200, 1.0 / 199, MinSize: 50, MaxSize: 400, Clusters: 60, Seed: 11);
        var set = BetheClusterGenerator.Generate(spec);
        Assert.All(set.Info.Sizes, s => Assert.InRange(s, 50, 400));
        // Every trial that reached min-size either was kept or was discarded above max-size.
        Assert.Equal(spec.Clusters, set.Count + set.Info.Discarded);
        // With P(s ≥ S) ∝ S^−1/2, about (50/400)^1/2 ≈ 35% of the clusters above 50 exceed 400.
        Assert.InRange(set.Info.Discarded, 8, 36);
    }

    /// <summary>The batched (AVX-512) draws equal the scalar definitions on Philox, for any alignment and length.</summary>
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(0, 16)]
    [InlineData(3, 17)]
    [InlineData(1000, 333)]
    [InlineData(int.MaxValue - 40, 40)]
    public void BatchedDrawsEqualTheScalarDefinition(int first, int count)
    {
        var u = new double[count];
        var z = new double[count];
        PercolationStreams.FillGrowthUniforms(42, 7, first, u);
        PercolationStreams.FillTargetIncrements(42, 7, first, z);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(PercolationStreams.GrowthUniform(42, 7, first + i), u[i]);
            Assert.Equal(PercolationStreams.TargetIncrement(42, 7, first + i), z[i]);
        }
    }

    [Fact]
    public void ClusterRuleMatchesScience() => Assert.Equal(316, BetheSpec.ClustersFromRule(1, 300, 30_000_000));
}
