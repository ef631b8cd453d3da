namespace MiniTransformer.Fitting;

public sealed record CurveAnalysisOptions
{
    public CurveFitOptions Fit { get; init; } = new();
    /// <summary>null = no intervals.</summary>
    public BootstrapOptions? Bootstrap { get; init; } = new();
    /// <summary>Local minimisations per bootstrap/jackknife refit: the full-data optimum plus the best-ranked starts on the resample.</summary>
    public int RefitStarts { get; init; } = 4;
    public bool IncludeNoOffset { get; init; } = true;
    public bool IncludeExponential { get; init; } = true;
}

/// <summary>Everything one 1-D series gets: the power law with intervals, the no-offset law, the exponential rival and the MSE ratio.</summary>
public sealed record CurveAnalysis(
    string? Label,
    CurveFit PowerLaw,
    BootstrapResult? Intervals,
    CurveFit? PowerLawNoOffset,
    CurveFit? Exponential,
    double? MseRatioPowerOverExponential)
{
    public static CurveAnalysis Run(IReadOnlyList<double> x, IReadOnlyList<double> y, CurveAnalysisOptions? options = null, string? label = null)
    {
        options ??= new();
        var data = new CurveData(x, y, label ?? "series");
        var model = CurveModel.For(CurveForm.PowerLaw);
        var fit = CurveFitter.Fit(model, data, options.Fit);
        var intervals = options.Bootstrap is { } b ? BootstrapIntervals(model, data, fit, options, b) : null;
        var noOffset = options.IncludeNoOffset && data.YMin > 0
            ? CurveFitter.Fit(CurveModel.For(CurveForm.PowerLawNoOffset), data, options.Fit) : null;
        var exponential = options.IncludeExponential ? CurveFitter.Fit(CurveModel.For(CurveForm.Exponential), data, options.Fit) : null;
        double? ratio = exponential is null ? null : ExponentialFit.MseRatio(fit, exponential);
        return new CurveAnalysis(label, fit, intervals, noOffset, exponential, ratio);
    }

    /// <summary>BCa intervals for every natural parameter of <paramref name="fit"/> (wild or pairs bootstrap, jackknife acceleration).</summary>
    internal static BootstrapResult BootstrapIntervals(CurveModel model, CurveData data, CurveFit fit, CurveAnalysisOptions options, BootstrapOptions bootstrap)
    {
        var names = model.NaturalNames;
        var estimate = names.Select(n => fit.Parameters[n]).ToArray();
        var fitted = data.U.Select(u => model.Value(u, fit.Theta)).ToArray();
        var residuals = Leverage.Inflate(data.Y.Select((v, i) => v - fitted[i]).ToArray(), Jacobian(model, data, fit.Theta));

        double[]? Refit(CurveData d)
        {
            if (d.Count <= model.ParameterCount || d.YMin == d.YMax) return null;
            double delta = options.Fit.Delta ?? Huber.ScaleFromTargets(d.Y);
            var candidates = model.Starts(d, options.Fit.Starts, options.Fit.Seed);
            var ranked = candidates.OrderBy(s => CurveFitter.ObjectiveValue(model, d, delta, s)).Take(Math.Max(0, options.RefitStarts - 1));
            var refit = CurveFitter.Minimise(model, d, delta, ranked.Prepend(fit.Theta));
            return refit is null ? null : names.Select(n => refit.Parameters[n]).ToArray();
        }

        double[]? LeaveOneOut(int i) =>
            Refit(new CurveData(data, Enumerable.Range(0, data.Count).Where(j => j != i).ToArray()));

        return bootstrap.Kind == BootstrapKind.Wild
            ? Bootstrap.Wild(fitted, residuals, names, estimate, y => Refit(new CurveData(data, y)), LeaveOneOut, bootstrap)
            : Bootstrap.Pairs(data.Count, names, estimate, idx => idx.Distinct().Count() > model.ParameterCount ? Refit(new CurveData(data, idx)) : null, LeaveOneOut, bootstrap);
    }

    private static double[,] Jacobian(CurveModel model, CurveData data, double[] theta)
    {
        var j = new double[data.Count, model.ParameterCount];
        var g = new double[model.ParameterCount];
        for (int i = 0; i < data.Count; i++)
        {
            model.ValueAndGradient(data.U[i], theta, g);
            for (int c = 0; c < g.Length; c++) j[i, c] = g[c];
        }
        return j;
    }
}
