using MathNet.Numerics.Distributions;

namespace MiniTransformer.Tests.Data;

/// <summary>Pearson's goodness-of-fit test: bins with small expectation are pooled with their neighbours first.</summary>
internal static class ChiSquare
{
    /// <summary>The p-value of observed counts against expected counts (same total), pooling adjacent bins until each expects ≥ <paramref name="minExpected"/>.</summary>
    public static (double Statistic, int DegreesOfFreedom, double PValue) Test(IReadOnlyList<double> observed, IReadOnlyList<double> expected, int constraints = 1, double minExpected = 5)
    {
        var pooledObserved = new List<double>();
        var pooledExpected = new List<double>();
        double o = 0, e = 0;
        for (int i = 0; i < observed.Count; i++)
        {
            o += observed[i];
            e += expected[i];
            if (e >= minExpected) { pooledObserved.Add(o); pooledExpected.Add(e); o = e = 0; }
        }
        if (e > 0 || o > 0)
        {
            pooledObserved[^1] += o;
            pooledExpected[^1] += e;
        }
        double statistic = 0;
        for (int i = 0; i < pooledObserved.Count; i++)
            statistic += (pooledObserved[i] - pooledExpected[i]) * (pooledObserved[i] - pooledExpected[i]) / pooledExpected[i];
        int df = pooledObserved.Count - constraints;
        return (statistic, df, 1 - ChiSquared.CDF(df, statistic));
    }

    /// <summary>Fails unless the fit is acceptable at significance 10⁻³ (fixed seeds make the verdict deterministic).</summary>
    public static void AssertFits(IReadOnlyList<double> observed, IReadOnlyList<double> expected, int constraints = 1)
    {
        var (statistic, df, p) = Test(observed, expected, constraints);
        double critical = ChiSquared.InvCDF(df, 1 - 1e-3);
        Assert.True(statistic < critical, $"χ² = {statistic:F2} on {df} d.o.f. exceeds the 0.1% critical value {critical:F2} (p = {p:E2})");
    }
}
