using MathNet.Numerics.Distributions;

namespace MiniTransformer.Percolation;

/// <summary>
/// Exact Binomial(n, p) sampling by inversion of a precomputed cumulative table: one uniform in, one count out.
/// The table holds P(X ≤ k) summed from MathNet's log-space PMF, so the sampler is exact up to double rounding
/// (≈1e-16 per entry) and consumes exactly one uniform per draw — which is what makes a site's child count a pure
/// function of its Philox counter. (MathNet's own Binomial.Sample draws n Bernoullis from a System.Random, which
/// is neither counter-based nor O(1).) Search is linear from 0 when the mean is small (z = 200 at p_c: mean 1,
/// two comparisons on average) and binary otherwise.
/// </summary>
public sealed class BinomialTable
{
    private readonly double[] _cdf;
    private readonly bool _linear;

    public int Trials { get; }
    public double Probability { get; }

    public BinomialTable(int trials, double probability)
    {
        if (trials < 0) throw new ArgumentOutOfRangeException(nameof(trials));
        if (!(probability >= 0 && probability <= 1)) throw new ArgumentOutOfRangeException(nameof(probability));
        Trials = trials;
        Probability = probability;
        _cdf = new double[trials + 1];
        double acc = 0;
        for (int k = 0; k <= trials; k++)
        {
            acc += Binomial.PMF(probability, trials, k);
            _cdf[k] = acc;
        }
        // The last entry is 1 by definition; forcing it makes the search terminate for every u in [0, 1).
        _cdf[trials] = 1.0;
        _linear = trials * probability <= 16;
    }

    /// <summary>The count k with P(X ≤ k−1) ≤ u &lt; P(X ≤ k), for u uniform in [0, 1).</summary>
    public int Sample(double u)
    {
        var cdf = _cdf;
        if (_linear)
        {
            int k = 0;
            while (u >= cdf[k]) k++;
            return k;
        }
        int lo = 0, hi = cdf.Length - 1; // invariant: the answer lies in [lo, hi]
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (u >= cdf[mid]) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
