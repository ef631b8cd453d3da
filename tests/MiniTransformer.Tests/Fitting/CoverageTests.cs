using MiniTransformer.Fitting;

namespace MiniTransformer.Tests.Fitting;

/// <summary>
/// Honest uncertainty: over many synthetic replicates of a known law, the 95% wild-bootstrap BCa interval of the
/// exponent must contain the true exponent about 95% of the time. Slow (hundreds of bootstraps): run on request
/// with --filter Category=Slow; the measured coverage is recorded in docs/PERF.md.
/// </summary>
public class CoverageTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Slow")]
    public void WildBcaCoverageOfTheExponentIsNearNominal()
    {
        const int replicates = 400;
        const double alpha = 0.3;
        var x = Synthetic.LogSpaced(1e5, 1e9, 16);
        int covered = 0;
        double width = 0;
        for (int r = 0; r < replicates; r++)
        {
            var y = Synthetic.PowerLaw(x, e: 2.0, a: 60, alpha: alpha, sigma: 0.01, seed: 1000 + r);
            var ci = CurveAnalysis.Run(x, y, new CurveAnalysisOptions
            {
                Bootstrap = new BootstrapOptions { Resamples = 1000, Seed = (ulong)r },
                IncludeExponential = false, IncludeNoOffset = false,
            }).Intervals!["alpha"];
            if (ci.Contains(alpha)) covered++;
            width += ci.Upper - ci.Lower;
        }
        double coverage = (double)covered / replicates;
        // binomial s.e. at p = 0.95 and 400 replicates is 0.011; accept 0.90..0.99
        output.WriteLine($"coverage of alpha: {coverage:F3} ({covered}/{replicates}), mean width {width / replicates:F4}");
        Assert.InRange(coverage, 0.90, 0.99);
    }
}
