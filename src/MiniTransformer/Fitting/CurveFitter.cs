namespace MiniTransformer.Fitting;

/// <summary>Options of a 1-D robust fit.</summary>
public sealed record CurveFitOptions
{
    /// <summary>Local minimisations per fit (data-driven starts first, the rest random).</summary>
    public int Starts { get; init; } = 40;
    /// <summary>Seed of the random starts.</summary>
    public ulong Seed { get; init; }
    /// <summary>Huber δ; null = 1.4826·MAD(y) (fallback 0.1·std(y)).</summary>
    public double? Delta { get; init; }
}

/// <summary>
/// Multi-start robust fitting of a <see cref="CurveModel"/>: minimise Σ Huber_δ(ŷ_i − y_i) over the model's box
/// with the project's projected BFGS (<see cref="BoxBfgs"/>) from every start and keep the lowest objective. Sums,
/// not means, so δ keeps its meaning in units of y.
/// </summary>
internal static class CurveFitter
{
    public static CurveFit Fit(CurveModel model, CurveData data, CurveFitOptions options)
    {
        data.RequireMoreThan(model.ParameterCount, FormName(model.Form));
        if (model.Form == CurveForm.PowerLawNoOffset && data.YMin <= 0)
            throw new UserInputException($"{data.What}: a power law without offset needs positive y; min(y) = {data.YMin}");
        if (data.YMin == data.YMax)
            throw new UserInputException($"{data.What}: y is constant ({data.YMin}); no law in x can be told apart from it");
        if (options.Starts < 1) throw new UserInputException($"--starts must be at least 1 (got {options.Starts})");
        double delta = options.Delta ?? Huber.ScaleFromTargets(data.Y);
        var starts = model.Starts(data, options.Starts, options.Seed);
        var result = Minimise(model, data, delta, starts);
        if (result is null)
            throw new UserInputException($"{data.What}: {FormName(model.Form)}: no start reached a finite objective on {data.Count} points");
        return result;
    }

    /// <summary>Best local minimum over <paramref name="starts"/>, or null if every start failed.</summary>
    public static CurveFit? Minimise(CurveModel model, CurveData data, double delta, IEnumerable<double[]> starts)
    {
        var (lower, upper) = model.Bounds(data);
        var f = Objective(model, data, delta);
        var optimizer = new BoxBfgs(model.ParameterCount);
        MinimizerRun.Outcome? best = null;
        int run = 0;
        foreach (var start in starts)
        {
            run++;
            var outcome = optimizer.Minimize(f, start, lower, upper);
            if (outcome.Point.Length > 0 && (best is null || outcome.Value < best.Value.Value)) best = outcome;
        }
        if (best is not { } b) return null;
        var natural = model.ToNatural(b.Point, data.X0);
        double sse = 0;
        for (int i = 0; i < data.Count; i++)
        {
            double r = model.Value(data.U[i], b.Point) - data.Y[i];
            sse += r * r;
        }
        var names = model.NaturalNames;
        return new CurveFit(model.Form, names.Select((n, i) => (n, natural[i])).ToDictionary(t => t.n, t => t.Item2),
                            data.X0, delta, b.Value, sse / data.Count, data.Count, run, b.Converged) { Theta = b.Point };
    }

    /// <summary>Σ Huber_δ(ŷ(u_i; θ) − y_i) with its exact gradient.</summary>
    public static MinimizerRun.ValueAndGradient Objective(CurveModel model, CurveData data, double delta)
    {
        int k = model.ParameterCount;
        return (theta, gradient) =>
        {
            Span<double> g = stackalloc double[k];
            gradient.Clear();
            double sum = 0;
            for (int i = 0; i < data.Count; i++)
            {
                double r = model.ValueAndGradient(data.U[i], theta, g) - data.Y[i];
                sum += Huber.Loss(r, delta);
                double w = Huber.Derivative(r, delta);
                for (int j = 0; j < k; j++) gradient[j] += w * g[j];
            }
            return sum;
        };
    }

    /// <summary>Objective value only, for ranking starts cheaply.</summary>
    public static double ObjectiveValue(CurveModel model, CurveData data, double delta, ReadOnlySpan<double> theta)
    {
        double sum = 0;
        for (int i = 0; i < data.Count; i++) sum += Huber.Loss(model.Value(data.U[i], theta) - data.Y[i], delta);
        return sum;
    }

    public static string FormName(CurveForm form) => form switch
    {
        CurveForm.PowerLaw => "power law E + A·(x/x0)^(−α)",
        CurveForm.PowerLawNoOffset => "power law A·(x/x0)^(−α)",
        CurveForm.Exponential => "exponential a + b·e^(−c·x)",
        _ => form.ToString(),
    };
}
