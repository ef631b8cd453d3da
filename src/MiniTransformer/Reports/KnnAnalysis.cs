using MiniTransformer.Fitting;
using MiniTransformer.Knn;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Reports;

/// <summary>A theory curve: <see cref="Loss"/> is L(x) normalised to 1 at x = 1, as SCIENCE.md states it (the theory fixes shape, not scale).</summary>
/// <param name="Role">The SVG polyline's data-role: theory-model, theory-data, quanta or manifold.</param>
public sealed record TheoryCurve(string Label, string Role, double Exponent, Func<double, double> Loss);

/// <summary>
/// One experiment of a k-NN sweep, analysed: the per-x medians, the fitter's offset power law on the medians of the
/// upper half of the decades with BCa intervals and a wild-bootstrap band, the log-log slope of the medians over the upper half of the decades (the
/// number the `knn` verbs print), and the theory — its asymptotic exponent, its own local slope over the same range,
/// and the curves to draw.
/// </summary>
public sealed record KnnExperimentAnalysis(
    string Experiment,
    string Kind,
    string Title,
    string XSymbol,
    string XLabel,
    IReadOnlyList<KnnPoint> Points,
    CurveAnalysis? Fit,
    CurveWithBand? Band,
    string? NotFittedReason,
    LogLogSlope.Result Slope,
    double TheoryExponent,
    string TheoryNote,
    double TheoryLocalSlope,
    IReadOnlyList<TheoryCurve> Curves,
    double AnchorX,
    double AnchorLoss)
{
    /// <summary>
    /// A theory curve as drawn: scaled to pass through the measured median at <see cref="AnchorX"/>, the first grid
    /// value of the upper half of the decades where the law is fitted, so every curve starts from the data and the
    /// slopes can be compared by eye. NaN when there is nothing to anchor to.
    /// </summary>
    public double Scaled(TheoryCurve curve, double x) => AnchorLoss / curve.Loss(AnchorX) * curve.Loss(x);

    /// <summary>The fitted curve's exponent α of E + A·(x/x0)^(−α), when fitted.</summary>
    public double? FittedAlpha => Fit?.PowerLaw["alpha"];

    public static IReadOnlyList<KnnExperimentAnalysis> Run(KnnSweepResults results, ReportFitOptions options) =>
        (results.Spec.Knn ?? new KnnSpec()).Experiments.Select(e => Analyse(results, e, options)).ToList();

    /// <summary>The theory curves of an experiment: the full law (unless only the manifold law applies) and the two baselines it unifies.</summary>
    public static IReadOnlyList<TheoryCurve> TheoryCurves(ScalingTheory t, bool manifoldOnly, string experiment)
    {
        bool model = experiment == KnnSpec.ModelScalingName;
        string x = model ? "N" : "𝒟";
        double quanta = model ? t.Alpha : t.QuantaDataExponent;
        var curves = new List<TheoryCurve>();
        if (!manifoldOnly)
        {
            curves.Add(model
                ? new TheoryCurve($"theory L(N) ({t.ModelExponent:0.###})", "theory-model", t.ModelExponent, t.ModelLoss)
                : new TheoryCurve(t.DataIsLogarithmic ? $"theory L(𝒟), log case" : $"theory L(𝒟) ({t.DataExponent:0.###})",
                    "theory-data", t.DataExponent, t.DataLoss));
            if (Math.Abs(quanta - t.ManifoldExponent) < 1e-9)
                curves.Add(new TheoryCurve($"quanta=manifold {x}^−{quanta:0.###}", "quanta", quanta, model ? t.QuantaModelLoss : t.QuantaDataLoss));
            else
            {
                curves.Add(new TheoryCurve($"quanta {x}^−{quanta:0.###}", "quanta", quanta, model ? t.QuantaModelLoss : t.QuantaDataLoss));
                curves.Add(new TheoryCurve($"manifold {x}^−{t.ManifoldExponent:0.###}", "manifold", t.ManifoldExponent, t.ManifoldLoss));
            }
        }
        else curves.Add(new TheoryCurve($"manifold {x}^−{t.ManifoldExponent:0.###}", "manifold", t.ManifoldExponent, t.ManifoldLoss));
        return curves;
    }

    private static KnnExperimentAnalysis Analyse(KnnSweepResults results, string experiment, ReportFitOptions options)
    {
        var t = results.Theory;
        bool model = experiment == KnnSpec.ModelScalingName;
        string kind = model ? KnnRunConfig.ModelScalingKind : KnnRunConfig.DataScalingKind;
        var points = results.Points(kind);
        var curves = TheoryCurves(t, results.ManifoldOnly, experiment);
        // The curve the measurements are compared with: the full law, or the manifold law where only it applies.
        var reference = curves[0];
        string note = results.ManifoldOnly ? $"manifold c/D = {t.ManifoldExponent:0.###} (the only law that applies here)"
            : model ? $"min(α, c/D), α = {t.Alpha:0.###}, c/D = {t.ManifoldExponent:0.###}"
            : t.DataIsLogarithmic ? $"α/(1+α) = c/D = {t.DataExponent:0.###}: logarithmic case"
            : $"min(α/(1+α), c/D), α = {t.Alpha:0.###}, c/D = {t.ManifoldExponent:0.###}";
        var positive = points.Where(p => p.X > 0 && p.Median > 0).ToList();
        var slope = positive.Count >= 2
            ? LogLogSlope.Fit(positive.Select(p => p.X).ToList(), positive.Select(p => p.Median).ToList())
            : new LogLogSlope.Result(double.NaN, double.NaN, double.NaN, positive.Count);
        double local = slope.Points >= 2
            ? LogLogSlope.Fit(positive.Select(p => p.X).ToList(), positive.Select(p => reference.Loss(p.X)).ToList(), slope.FromX).Slope
            : double.NaN;
        CurveAnalysis? fit = null;
        CurveWithBand? band = null;
        string? reason = null;
        try
        {
            // The law is fitted where the slope is read: over the upper half of the decades. Below it most clusters hold
            // no training site and the loss sits on its untrained plateau (≈ 1), which no single power law describes.
            var upper = positive.Where(p => p.X >= slope.FromX).ToList();
            var xs = upper.Select(p => p.X).ToArray();
            var ys = upper.Select(p => p.Median).ToArray();
            fit = CurveAnalysis.Run(xs, ys, new CurveAnalysisOptions
            {
                Bootstrap = new BootstrapOptions { Resamples = options.IntervalResamples, Seed = options.Seed },
                Fit = new CurveFitOptions { Seed = options.Seed },
            }, experiment);
            band = FitBand.PowerLaw(xs, ys, fit.PowerLaw, FitBand.LogGrid(xs.Min(), xs.Max()), options.BandResamples, options.Seed);
        }
        catch (UserInputException e)
        {
            reason = e.Message;
        }
        var anchor = positive.FirstOrDefault(p => p.X >= slope.FromX);
        return new KnnExperimentAnalysis(experiment, kind, model ? "L(N): model scaling" : "L(𝒟): data scaling", model ? "N" : "𝒟",
            model ? "N (degrees of freedom)" : "𝒟 (expected training-set size)", points, fit, band, reason, slope,
            results.ManifoldOnly ? t.ManifoldExponent : model ? t.ModelExponent : t.DataExponent, note, local, curves,
            anchor?.X ?? double.NaN, anchor?.Median ?? double.NaN);
    }
}
