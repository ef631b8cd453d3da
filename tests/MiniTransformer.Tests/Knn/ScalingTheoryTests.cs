using MathNet.Numerics;
using MiniTransformer.Knn;

namespace MiniTransformer.Tests.Knn;

public class ScalingTheoryTests
{
    private static double LocalSlope(Func<double, double> f, double x) => (Math.Log(f(x * 1.01)) - Math.Log(f(x / 1.01))) / (2 * Math.Log(1.01));

    /// <summary>The break rank solves its defining equation, and the allocation there is exactly one degree of freedom;
    /// the continuous allocation ∫_1^k_br n_k dk sums to N.</summary>
    [Theory]
    [InlineData(2.5, 4, 2)]   // b = −1/3 (Bethe p_c)
    [InlineData(2.5, 1, 2)]   // b > 0
    [InlineData(2.5, 2, 2)]   // b = 0: the logarithmic allocation
    [InlineData(2.2, 3, 2)]
    public void BreakRankAndAllocationAreConsistent(double tau, double d, double c)
    {
        var t = new ScalingTheory(tau, d, c);
        foreach (double n in new[] { 2.0, 37.0, 1e3, 1e6 })
        {
            double k = t.BreakRank(n);
            Assert.Equal(n, t.DegreesOfFreedomAtBreak(k), n * 1e-9);
            double atBreak = Math.Abs(t.AllocationExponent) < 1e-12 ? n / (k * Math.Log(k))
                : t.AllocationExponent * n * Math.Pow(k, t.AllocationExponent - 1) / (Math.Pow(k, t.AllocationExponent) - 1);
            Assert.Equal(1.0, atBreak, 9);
            double b = t.AllocationExponent;
            double integral = Integrate.OnClosedInterval(x => Math.Abs(b) < 1e-12 ? n / (x * Math.Log(k)) : b * n * Math.Pow(x, b - 1) / (Math.Pow(k, b) - 1), 1, k, 1e-10);
            Assert.Equal(n, integral, n * 1e-6);
        }
    }

    /// <summary>Normalisation L(1) = 1 for α = 1, and the logarithmic form is the continuous limit of the general one.</summary>
    [Fact]
    public void DataCurveIsNormalisedAndContinuousAtTheLogarithmicCase()
    {
        foreach (double d in new[] { 1.0, 3.0, 4.0, 8.0 })
            Assert.Equal(1.0, new ScalingTheory(2.5, d, 2).DataLoss(1), 12);
        var log = ScalingTheory.BetheCritical;
        Assert.True(log.DataIsLogarithmic);
        foreach (double x in new[] { 1.0, 10.0, 1e4 })
        {
            // D off by 1e−10: the general form must give the limit, moved only by O(1e−10·ln²x).
            double near = new ScalingTheory(2.5, 4 * (1 + 1e-10), 2).DataLoss(x);
            Assert.True(Math.Abs(near / log.DataLoss(x) - 1) < 1e-8, $"x = {x}: {near} vs {log.DataLoss(x)}");
            // and against the A/B form of SCIENCE.md a little way off the special case, where it is still accurate.
            var off = new ScalingTheory(2.5, 4.4, 2);
            double a = off.QuantaDataExponent, e = off.ManifoldExponent;
            double ab = Math.Pow(x, -a) / (1 - a / e) + Math.Pow(x, -e) / (1 - e / a);
            Assert.Equal(ab, off.DataLoss(x), 12);
        }
        Assert.Equal(1.0, log.ModelLoss(1), 12);
    }

    /// <summary>Far out, the curves fall with the asymptotic exponents: data min(α/(1+α), c/D), model min(α, c/D).</summary>
    [Theory]
    [InlineData(2.5, 1.5, 2)] // α = 1, e = 4/3: quanta-limited, data 0.5, model 1
    [InlineData(2.5, 8, 2)]   // e = 0.25: manifold-limited
    [InlineData(2.25, 3, 2)]  // α = 3, e = 2/3: data min(0.75, 0.667), model 0.667
    public void AsymptoticSlopesMatchTheExponents(double tau, double d, double c)
    {
        var t = new ScalingTheory(tau, d, c);
        Assert.Equal(-t.DataExponent, LocalSlope(t.DataLoss, 1e30), 2);
        Assert.Equal(-t.ModelExponent, LocalSlope(t.ModelLoss, 1e30), 2);
        Assert.Equal(-t.Alpha, LocalSlope(t.QuantaModelLoss, 10), 9);
        Assert.Equal(-t.Alpha / (1 + t.Alpha), LocalSlope(t.QuantaDataLoss, 10), 9);
        Assert.Equal(-t.ManifoldExponent, LocalSlope(t.ManifoldLoss, 10), 9);
    }

    [Fact]
    public void BetheRegimes()
    {
        Assert.False(ScalingTheory.ForBethe(200, 1.0 / 199).ManifoldOnly);
        Assert.Equal(4, ScalingTheory.ForBethe(200, 0.004).Theory.FractalDimension);
        Assert.Equal(100, ScalingTheory.ForBethe(200, 0.006).Theory.FractalDimension);
    }
}
