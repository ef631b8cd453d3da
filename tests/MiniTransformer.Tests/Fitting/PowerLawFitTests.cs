using MiniTransformer.Fitting;

namespace MiniTransformer.Tests.Fitting;

public class PowerLawFitTests
{
    [Fact]
    public void NoiselessPowerLawIsRecoveredExactly()
    {
        var x = Synthetic.LogSpaced(1e6, 1e9, 12);
        var y = Synthetic.PowerLaw(x, e: 1.7, a: 400, alpha: 0.34, sigma: 0, seed: 1);
        var fit = PowerLawFit.Fit(x, y);
        Assert.Equal(1.7, fit["E"], 6);
        Assert.Equal(0.34, fit["alpha"], 6);
        // A is reported at x0 = median(x): A_true·x0^(−α)
        Assert.Equal(400 * Math.Pow(fit.X0, -0.34), fit["A"], 6);
        Assert.Equal(y[3], fit.Predict(x[3]), 9);
    }

    [Fact]
    public void NoisyExponentIsInsideItsWildBcaInterval()
    {
        // A 95% interval misses the truth on ~5% of noise draws by design, so one draw proves little; eight
        // independent draws must cover the true exponent at least six times (P(fail) < 1% at nominal coverage;
        // the draws are fixed, so the test is deterministic). Coverage itself is measured by the slow CoverageTests.
        var x = Synthetic.LogSpaced(1e5, 1e9, 16);
        int covered = 0;
        for (int seed = 0; seed < 8; seed++)
        {
            var y = Synthetic.PowerLaw(x, e: 2.0, a: 60, alpha: 0.3, sigma: 0.01, seed: 100 + seed);
            var analysis = CurveAnalysis.Run(x, y, new CurveAnalysisOptions
            {
                Bootstrap = new BootstrapOptions { Resamples = 400, Seed = (ulong)seed },
                IncludeExponential = false, IncludeNoOffset = false,
            });
            var ci = analysis.Intervals!["alpha"];
            Assert.True(ci.Upper - ci.Lower < 0.05, $"interval [{ci.Lower}, {ci.Upper}] is uselessly wide");
            Assert.True(ci.Lower < ci.Estimate && ci.Estimate < ci.Upper);
            Assert.Equal(0, analysis.Intervals.Failed);
            if (ci.Contains(0.3)) covered++;
        }
        Assert.True(covered >= 6, $"only {covered} of 8 intervals cover the true alpha");
    }

    [Fact]
    public void PowerLawDataPrefersPowerLawAndExponentialDataPrefersExponential()
    {
        var x = Synthetic.LogSpaced(1e5, 1e9, 20);
        var yPow = Synthetic.PowerLaw(x, e: 2.0, a: 60, alpha: 0.3, sigma: 0.005, seed: 11);
        var onPower = CurveAnalysis.Run(x, yPow, new CurveAnalysisOptions { Bootstrap = null });
        Assert.True(onPower.MseRatioPowerOverExponential < 0.5, $"ratio {onPower.MseRatioPowerOverExponential}");

        var xe = Synthetic.LinSpaced(1, 40, 20);
        var yExp = Synthetic.Exponential(xe, a: 1.0, b: 3.0, c: 0.15, sigma: 0.005, seed: 12);
        var onExp = CurveAnalysis.Run(xe, yExp, new CurveAnalysisOptions { Bootstrap = null });
        Assert.True(onExp.MseRatioPowerOverExponential > 2, $"ratio {onExp.MseRatioPowerOverExponential}");
        Assert.InRange(onExp.Exponential!["c"], 0.14, 0.16);
    }

    [Fact]
    public void NoOffsetLawRecoversPurePowerLaw()
    {
        var x = Synthetic.LogSpaced(10, 1e4, 10);
        var y = Synthetic.PowerLaw(x, e: 0, a: 3, alpha: 0.5, sigma: 0, seed: 1);
        var fit = PowerLawFit.FitNoOffset(x, y);
        Assert.Equal(0.5, fit["alpha"], 8);
    }

    [Fact]
    public void BootstrapIsIdenticalForEveryThreadCount()
    {
        var x = Synthetic.LogSpaced(1e3, 1e7, 10);
        var y = Synthetic.PowerLaw(x, e: 1.0, a: 20, alpha: 0.4, sigma: 0.01, seed: 5);
        BootstrapResult Run(int threads) => CurveAnalysis.Run(x, y, new CurveAnalysisOptions
        {
            Bootstrap = new BootstrapOptions { Resamples = 200, Seed = 9, MaxDegreeOfParallelism = threads },
            IncludeExponential = false, IncludeNoOffset = false,
        }).Intervals!;
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Intervals, two.Intervals);
    }

    [Fact]
    public void PairsBootstrapAlsoCoversTheTruth()
    {
        var x = Synthetic.LogSpaced(1e5, 1e9, 24);
        var y = Synthetic.PowerLaw(x, e: 2.0, a: 60, alpha: 0.3, sigma: 0.01, seed: 21);
        var ci = CurveAnalysis.Run(x, y, new CurveAnalysisOptions
        {
            Bootstrap = new BootstrapOptions { Resamples = 500, Seed = 1, Kind = BootstrapKind.Pairs },
            IncludeExponential = false,
        }).Intervals!["alpha"];
        Assert.True(ci.Contains(0.3), $"[{ci.Lower}, {ci.Upper}]");
    }

    [Theory]
    [InlineData(new double[] { 1, 2, 3 }, new double[] { 3, 2, 1 }, "only 3 point")]
    [InlineData(new double[] { 5, 5, 5, 5, 5 }, new double[] { 3, 2, 1, 1, 0.5 }, "x is constant")]
    [InlineData(new double[] { 1, 2, -3, 4, 5 }, new double[] { 3, 2, 1, 1, 0.5 }, "x must be positive")]
    [InlineData(new double[] { 1, 2, 3, 4, 5 }, new double[] { 3, 2, double.NaN, 1, 0.5 }, "not finite")]
    [InlineData(new double[] { 1, 2, 3, 4, 5 }, new double[] { 1, 1, 1, 1, 1 }, "y is constant")]
    public void DegenerateSeriesGiveClearErrors(double[] x, double[] y, string message)
    {
        var e = Assert.Throws<UserInputException>(() => PowerLawFit.Fit(x, y));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void NoOffsetLawRejectsNonPositiveTargets()
    {
        var e = Assert.Throws<UserInputException>(() => PowerLawFit.FitNoOffset([1, 2, 3, 4], [2, 1, 0, -1]));
        Assert.Contains("positive y", e.Message);
    }
}
