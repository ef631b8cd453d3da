using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;
using MiniTransformer.Fitting;

namespace MiniTransformer.Tests.Fitting;

public class ComputeOptimalTests
{
    // Hoffmann et al.'s published surface: E = 1.69, A = 406.4, B = 410.7, α = 0.34, β = 0.28
    private static readonly ChinchillaFit Published = new(1.69, 406.4, 410.7, 0.34, 0.28, 0, 0, 0);

    private static ScalingPoint[] Grid() =>
        Synthetic.LogSpaced(1e7, 1e10, 8).SelectMany(n => Synthetic.LogSpaced(1e9, 1e12, 8).Select(d => new ScalingPoint(n, d, Published.Predict(n, d)))).ToArray();

    [Fact]
    public void GridFrontierOfTheChinchillaSurfaceMatchesItsClosedForm()
    {
        var result = ComputeOptimal.Analyse(Published, Grid(), new ComputeOptimalOptions { Bootstrap = null });
        double a = 0.28 / 0.62, b = 0.34 / 0.62, gamma = 0.34 * 0.28 / 0.62;
        Assert.Equal(a, result.ExponentN, 6);
        Assert.Equal(b, result.ExponentD, 6);
        Assert.Equal(gamma, result.LossExponent, 4);
        Assert.Equal(1.69, result.LossOffset, 4);
        Assert.Equal(a, result.ClosedForm!.ExponentN, 12);
        foreach (var f in result.Frontier.Where(f => !f.AtSearchEdge))
            Assert.Equal(Published.OptimalN(f.Compute), f.N, Published.OptimalN(f.Compute) * 1e-6);
    }

    [Fact]
    public void ExponentIntervalFromRefitsCoversTheTruthOnNoisyData()
    {
        var normal = new Normal(0, 1, new Xoshiro256StarStar(4));
        var points = Grid().Select(p => p with { Loss = p.Loss * Math.Exp(0.01 * normal.Sample()) }).ToArray();
        var fit = ChinchillaFit.Fit(points);
        var result = ComputeOptimal.Analyse(fit, points,
            new ComputeOptimalOptions { Bootstrap = new BootstrapOptions { Resamples = 200, Seed = 1 }, NGridPoints = 100 },
            resample => fit.Refit(resample));
        var ci = result.Intervals!["a"];
        Assert.True(ci.Contains(0.28 / 0.62), $"a CI [{ci.Lower}, {ci.Upper}] misses {0.28 / 0.62}");
        Assert.True(ci.Upper - ci.Lower < 0.2);
    }

    [Fact]
    public void IsoFlopVerticesFollowTheClosedForm()
    {
        // fixed-compute slices of the published surface, 9 model sizes around the optimum each
        var points = new List<ScalingPoint>();
        foreach (double c in Synthetic.LogSpaced(1e18, 1e22, 5))
        {
            double nOpt = Published.OptimalN(c);
            foreach (double n in Synthetic.LogSpaced(nOpt / 4, nOpt * 4, 9))
                points.Add(ScalingPoint.FromCompute(n, c, Published.Predict(n, c / (6 * n))));
        }
        var iso = IsoFlopAnalysis.Run(points, bootstrap: new BootstrapOptions { Resamples = 200 });
        Assert.Equal(5, iso.Slices.Count(s => s.OptimalN is not null));
        // the parabola in ln N is an approximation of the slice; its vertex sits within a few percent of the optimum
        Assert.InRange(iso.ExponentN, 0.28 / 0.62 - 0.01, 0.28 / 0.62 + 0.01);
        Assert.Equal(1 - iso.ExponentN, iso.ExponentD, 12);
    }

    [Fact]
    public void IsoFlopWithoutSlicesIsAClearError()
    {
        // N and D spaced by incommensurate ratios: every point has its own compute, no slice has three model sizes
        var points = Synthetic.LogSpaced(1e7, 1e10, 8).SelectMany(n => Synthetic.LogSpaced(1e9, 1e12, 7).Select(d => new ScalingPoint(n, d, Published.Predict(n, d)))).ToArray();
        var e = Assert.Throws<UserInputException>(() => IsoFlopAnalysis.Run(points));
        Assert.Contains("slice", e.Message);
    }
}
