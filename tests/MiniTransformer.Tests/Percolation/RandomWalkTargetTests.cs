using MathNet.Numerics.Distributions;
using MiniTransformer.Percolation;

namespace MiniTransformer.Tests.Percolation;

public class RandomWalkTargetTests
{
    [Fact]
    public void TargetsAreStandardisedPerCluster()
    {
        var set = BetheClusterGenerator.Generate(new BetheSpec(200, 1.0 / 199, 50, 20_000, 30, Seed: 21));
        for (int k = 0; k < set.Count; k++)
        {
            var v = set.ValuesOf(k);
            double mean = 0, sq = 0;
            foreach (var x in v) mean += x;
            mean /= v.Length;
            foreach (var x in v) sq += (x - mean) * (x - mean);
            Assert.InRange(mean, -1e-5, 1e-5);
            Assert.InRange(sq / v.Length, 1 - 1e-5, 1 + 1e-5);
        }
    }

    /// <summary>
    /// Before standardisation every edge carries an independent N(0, 1) increment: over a large cluster the
    /// increments have mean 0 and variance 1 within 5 standard errors, pass a Kolmogorov–Smirnov test against the
    /// standard normal (critical value 1.63/√n, α = 1%), and the stored values are exactly their standardisation.
    /// </summary>
    [Fact]
    public void IncrementsAlongEdgesAreStandardNormal()
    {
        var set = BetheClusterGenerator.Generate(new BetheSpec(200, 1.0 / 199, 20_000, 2_000_000, 1, Seed: 4));
        var parents = set.ParentsOf(0);
        int n = parents.Length;
        var raw = new double[n];
        RandomWalkTarget.ComputeRaw(parents, set.Info.Seed, (ulong)set.Info.ClusterIds[0], raw);
        var inc = new double[n - 1];
        for (int i = 1; i < n; i++) inc[i - 1] = raw[i] - raw[parents[i]];
        double mean = inc.Average(), variance = inc.Sum(x => (x - mean) * (x - mean)) / (inc.Length - 1);
        Assert.InRange(mean, -5 / Math.Sqrt(inc.Length), 5 / Math.Sqrt(inc.Length));
        Assert.InRange(variance, 1 - 5 * Math.Sqrt(2.0 / inc.Length), 1 + 5 * Math.Sqrt(2.0 / inc.Length));
        Array.Sort(inc);
        double ks = 0;
        for (int i = 0; i < inc.Length; i++)
        {
            double cdf = Normal.CDF(0, 1, inc[i]);
            ks = Math.Max(ks, Math.Max(Math.Abs(cdf - (double)i / inc.Length), Math.Abs(cdf - (i + 1.0) / inc.Length)));
        }
        Assert.True(ks < 1.63 / Math.Sqrt(inc.Length), $"KS statistic {ks} over {inc.Length} increments");

        double rawMean = raw.Average(), rawStd = Math.Sqrt(raw.Sum(x => (x - rawMean) * (x - rawMean)) / n);
        var values = set.ValuesOf(0);
        for (int i = 0; i < n; i++) Assert.True(Math.Abs((raw[i] - rawMean) / rawStd - values[i]) < 1e-5, $"site {i}");
    }
}
