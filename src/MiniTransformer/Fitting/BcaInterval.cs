using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace MiniTransformer.Fitting;

/// <summary>
/// Efron's bias-corrected and accelerated interval (Efron 1987; Efron &amp; Tibshirani 1993, ch. 14):
/// z0 = Φ⁻¹(share of replicates below the estimate, ties counted half), a = Σd³ / (6 (Σd²)^{3/2}) with
/// d_i = mean(θ_(·)) − θ_(i) the jackknife deviations, and the bounds are the replicate quantiles at
/// Φ(z0 + (z0 + z_q)/(1 − a(z0 + z_q))) for q = (1 ∓ level)/2.
/// </summary>
public static class BcaInterval
{
    public static ConfidenceInterval Compute(string name, double estimate, double[] replicates, double[]? jackknife, double level)
    {
        if (replicates.Length == 0) throw new ArgumentException("no bootstrap replicates");
        var sorted = (double[])replicates.Clone();
        Array.Sort(sorted);
        double mean = sorted.Average();
        double se = Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, sorted.Length - 1));
        if (sorted[0] == sorted[^1]) return new ConfidenceInterval(name, estimate, sorted[0], sorted[0], level, 0, 0, 0);

        int below = 0, equal = 0;
        foreach (double v in sorted) { if (v < estimate) below++; else if (v == estimate) equal++; }
        int b = sorted.Length;
        // keep the share strictly inside (0, 1) so z0 stays finite when the estimate lies outside the replicates
        double share = Math.Clamp((below + 0.5 * equal) / b, 0.5 / b, 1 - 0.5 / b);
        double z0 = Normal.InvCDF(0, 1, share);
        double a = Acceleration(jackknife);

        double zLow = Normal.InvCDF(0, 1, (1 - level) / 2), zHigh = -zLow;
        double lower = SortedArrayStatistics.QuantileCustom(sorted, Adjusted(z0, a, zLow), QuantileDefinition.R7);
        double upper = SortedArrayStatistics.QuantileCustom(sorted, Adjusted(z0, a, zHigh), QuantileDefinition.R7);
        return new ConfidenceInterval(name, estimate, lower, upper, level, se, z0, a);
    }

    /// <summary>Jackknife acceleration; 0 when there is no jackknife or it has no spread.</summary>
    public static double Acceleration(double[]? jackknife)
    {
        if (jackknife is null || jackknife.Length < 3) return 0;
        double mean = jackknife.Average(), s2 = 0, s3 = 0;
        foreach (double t in jackknife)
        {
            double d = mean - t;
            s2 += d * d;
            s3 += d * d * d;
        }
        return s2 > 0 ? s3 / (6 * Math.Pow(s2, 1.5)) : 0;
    }

    private static double Adjusted(double z0, double a, double z)
    {
        double w = z0 + z;
        double denom = 1 - a * w;
        // |a| large enough to flip the sign means the correction broke down: fall back to the bias-corrected point
        double p = denom > 0 ? Normal.CDF(0, 1, z0 + w / denom) : (z < 0 ? 0.0 : 1.0);
        return Math.Clamp(p, 0.0, 1.0);
    }
}
