using System.Text.Json;
using MiniTransformer.Fitting;

namespace MiniTransformer.Tests.Fitting;

public class ChinchillaFitTests
{
    internal static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>The 245 extracted Chinchilla points, D = C/6N, without the 5 highest losses (240 points).</summary>
    internal static ScalingPoint[] ChinchillaPoints() =>
        ScalingPoint.DropHighestLoss(ScalingTable.ReadCsv(Fixture("chinchilla_svg_extracted.csv"))
            .Points("Model Size", "loss", dColumn: null, computeColumn: "Training FLOP"), 5);

    [Fact]
    public void ApproachThreeMatchesTheScipyReference()
    {
        var points = ChinchillaPoints();
        Assert.Equal(240, points.Length);
        var fit = ChinchillaFit.Fit(points);
        using var reference = JsonDocument.Parse(File.ReadAllText(Fixture("chinchilla_reference.json")));
        double Ref(string name) => reference.RootElement.GetProperty(name).GetDouble();
        Assert.Equal(Ref("points"), points.Length);
        foreach (var (name, value) in new[] { ("E", fit.E), ("A", fit.A), ("B", fit.B), ("alpha", fit.Alpha), ("beta", fit.Beta) })
        {
            double expected = Ref(name);
            Assert.True(Math.Abs(value - expected) <= 1e-3 * Math.Abs(expected), $"{name}: {value} vs scipy {expected}");
        }
        Assert.True(fit.Objective <= Ref("objective") * (1 + 1e-6), $"objective {fit.Objective} vs scipy {Ref("objective")}");
    }

    [Fact]
    public void NoiselessSyntheticSurfaceIsRecovered()
    {
        var points = new List<ScalingPoint>();
        foreach (var n in Synthetic.LogSpaced(1e7, 1e10, 8))
            foreach (var d in Synthetic.LogSpaced(1e9, 1e12, 8))
                points.Add(new ScalingPoint(n, d, 1.7 + 400 * Math.Pow(n, -0.34) + 410 * Math.Pow(d, -0.28)));
        var fit = ChinchillaFit.Fit(points);
        Assert.Equal(1.7, fit.E, 4);
        Assert.Equal(0.34, fit.Alpha, 4);
        Assert.Equal(0.28, fit.Beta, 4);
        Assert.Equal(400, fit.A, 400 * 1e-3);
        Assert.Equal(410, fit.B, 410 * 1e-3);
    }

    [Fact]
    public void DegenerateSurfacesGiveClearErrors()
    {
        ScalingPoint P(double n, double d, double l) => new(n, d, l);
        Assert.Contains("need at least 6", Assert.Throws<UserInputException>(() => ChinchillaFit.Fit([P(1e6, 1e9, 3), P(2e6, 1e9, 2.9), P(3e6, 2e9, 2.5)])).Message);
        Assert.Contains("loss must be positive", Assert.Throws<UserInputException>(() =>
            ChinchillaFit.Fit(Enumerable.Range(1, 8).Select(i => P(1e6 * i, 1e9 * i, i == 4 ? 0 : 3.0 / i)).ToArray())).Message);
        Assert.Contains("N is constant", Assert.Throws<UserInputException>(() =>
            ChinchillaFit.Fit(Enumerable.Range(1, 8).Select(i => P(1e6, 1e9 * i, 3.0 / i)).ToArray())).Message);
    }
}
