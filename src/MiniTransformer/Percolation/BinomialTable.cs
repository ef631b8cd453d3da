using System.Numerics;
using System.Runtime.Intrinsics;
using MathNet.Numerics.Distributions;

namespace MiniTransformer.Percolation;

/// <summary>
/// Exact Binomial(n, p) sampling by inversion of a precomputed cumulative table: one uniform in, one count out.
/// The table holds P(X ≤ k) summed from MathNet's log-space PMF, so the sampler is exact up to double rounding
/// (≈1e-16 per entry) and consumes exactly one uniform per draw — which is what makes a site's child count a pure
/// function of its Philox counter. (MathNet's own Binomial.Sample draws n Bernoullis from a System.Random, which
/// is neither counter-based nor O(1).) When the mean is small (z = 200 at p_c: mean 1) the count is read off
/// without branches — k = #{j : P(X ≤ j) ≤ u} over the first eight entries, one vector compare and a popcount —
/// since a data-dependent search loop mispredicts about once per draw; otherwise binary search.
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
        // Padded with 1s to at least eight entries: u < 1 never counts a pad, so the vector read-off needs no bounds.
        _cdf = new double[Math.Max(trials + 1, 8)];
        Array.Fill(_cdf, 1.0);
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
            var uu = Vector256.Create(u);
            uint below = Vector256.GreaterThanOrEqual(uu, Vector256.Create(cdf[0], cdf[1], cdf[2], cdf[3])).ExtractMostSignificantBits()
                         | Vector256.GreaterThanOrEqual(uu, Vector256.Create(cdf[4], cdf[5], cdf[6], cdf[7])).ExtractMostSignificantBits() << 4;
            int k = BitOperations.PopCount(below);
            if (k < 8) return k;
            while (u >= cdf[k]) k++; // the rare tail beyond 7 children
            return k;
        }
        int lo = 0, hi = Trials; // invariant: the answer lies in [lo, hi]
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (u >= cdf[mid]) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>
    /// The table as integer thresholds on the 53-bit key behind u (u = key·2^−53, <see cref="PercolationStreams"/>):
    /// T_k = ⌈P(X ≤ k)·2^53⌉ for k = 0 … Trials. Since key·2^−53 and P(X ≤ k)·2^53 are exact (power-of-two scaling),
    /// u ≥ P(X ≤ k) ⟺ key ≥ T_k, so the smallest k with key &lt; T_k is exactly <see cref="Sample"/>(u): the device
    /// kernels invert the same table without double precision.
    /// </summary>
    public ulong[] KeyThresholds()
    {
        var thresholds = new ulong[Trials + 1];
        for (int k = 0; k <= Trials; k++) thresholds[k] = (ulong)Math.Ceiling(_cdf[k] * (1UL << 53));
        return thresholds;
    }
}
