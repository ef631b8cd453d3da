using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;
using MiniTransformer.Fitting;

namespace MiniTransformer.Tests.Fitting;

public class SurfaceFormTests
{
    private static readonly ChinchillaFit Published = new(1.69, 406.4, 410.7, 0.34, 0.28, 0, 0, 0);

    private static ScalingPoint[] Noisy(Func<double, double, double> law, int seed, double sigma)
    {
        var normal = new Normal(0, 1, new Xoshiro256StarStar(seed));
        return Synthetic.LogSpaced(1e7, 1e10, 9).SelectMany(n => Synthetic.LogSpaced(1e9, 1e12, 7)
            .Select(d => new ScalingPoint(n, d, law(n, d) * Math.Exp(sigma * normal.Sample())))).ToArray();
    }

    [Theory]
    [InlineData("chinchilla")]
    [InlineData("kaplan")]
    public void ObjectiveGradientsMatchCentralDifferences(string form)
    {
        var data = new SurfaceData(Noisy(Published.Predict, 1, 0.02));
        var (f, p) = form == "chinchilla"
            ? (ChinchillaFit.HuberObjective(data, 1e-3), new[] { 6.0, 6.1, 0.5, 0.33, 0.29 })
            : (KaplanFit.HuberObjective(data, 1e-3), new[] { Math.Log(1e13), Math.Log(1e13), Math.Log(0.08), Math.Log(0.1) });
        var g = new double[p.Length];
        f(p, g);
        for (int j = 0; j < p.Length; j++)
        {
            double h = 1e-6;
            var plus = (double[])p.Clone(); plus[j] += h;
            var minus = (double[])p.Clone(); minus[j] -= h;
            var scratch = new double[p.Length];
            double numeric = (f(plus, scratch) - f(minus, scratch)) / (2 * h);
            Assert.True(Math.Abs(numeric - g[j]) <= 1e-6 * Math.Max(1, Math.Abs(numeric)), $"{form} d/dp{j}: analytic {g[j]} vs numeric {numeric}");
        }
    }

    [Fact]
    public void KaplanFormIsRecoveredFromItsOwnSurface()
    {
        // Kaplan et al.'s published values
        var truth = new KaplanFit(8.8e13, 5.4e13, 0.076, 0.095, 0, 0, 0);
        var fit = KaplanFit.Fit(Noisy(truth.Predict, 2, 0));
        Assert.Equal(0.076, fit.AlphaN, 4);
        Assert.Equal(0.095, fit.AlphaD, 4);
        Assert.Equal(1, fit.Nc / 8.8e13, 2);
        Assert.Equal(1, fit.Dc / 5.4e13, 2);
    }

    [Fact]
    public void KernelRidgeInterpolatesASmoothSurface()
    {
        var points = Noisy(Published.Predict, 3, 0);
        var krr = KernelRidge.Fit(points);
        // between grid nodes, inside the data's range
        foreach (var (n, d) in new[] { (3e7, 5e9), (4e8, 2e11), (2e9, 3e10) })
            Assert.Equal(1, krr.Predict(n, d) / Published.Predict(n, d), 3);
    }

    [Fact]
    public void ValidationPrefersTheFormThatGeneratedTheData()
    {
        var points = Noisy(Published.Predict, 4, 0.005);
        var full = ChinchillaFit.Fit(points);
        var chinchilla = SurfaceValidation.Score("chinchilla", points, train => full.Refit(train), splits: 20, seed: 1);
        var kaplanFull = KaplanFit.Fit(points);
        var kaplan = SurfaceValidation.Score("kaplan", points, train => kaplanFull.Refit(train), splits: 20, seed: 1);
        Assert.Equal(0, chinchilla.FailedSplits);
        // held-out error of the true form is at the noise floor (σ² of ln L = 2.5e-5); the offset-free Kaplan form is worse
        Assert.InRange(chinchilla.MeanMseLog, 1e-5, 6e-5);
        Assert.True(kaplan.MeanMseLog > 2 * chinchilla.MeanMseLog, $"kaplan {kaplan.MeanMseLog} vs chinchilla {chinchilla.MeanMseLog}");
    }

    [Fact]
    public void SplitsArePermutationsAndDependOnlyOnTheSeed()
    {
        var a = SurfaceValidation.Permutation(50, 7, 3);
        Assert.Equal(Enumerable.Range(0, 50), a.Order());
        Assert.Equal(a, SurfaceValidation.Permutation(50, 7, 3));
        Assert.NotEqual(a, SurfaceValidation.Permutation(50, 7, 4));
    }
}
