using MathNet.Numerics;
using MathNet.Numerics.Optimization;

namespace MiniTransformer.Fitting;

/// <summary>The loss-minimising allocation at one compute budget C = 6·N·D.</summary>
public sealed record FrontierPoint(double Compute, double N, double D, double Loss, bool AtSearchEdge);

public sealed record ComputeOptimalOptions
{
    /// <summary>Compute budgets to optimise at; null = 25 log-spaced budgets spanning the data's 6·N·D.</summary>
    public IReadOnlyList<double>? Computes { get; init; }
    /// <summary>How far beyond the data's N range (factor each way) the search for N_opt may go.</summary>
    public double NRangeFactor { get; init; } = 1e3;
    /// <summary>Grid points over ln N before the golden-section polish.</summary>
    public int NGridPoints { get; init; } = 400;
    /// <summary>Intervals on (a, b, γ) from refitting the surface on resamples; null = none.</summary>
    public BootstrapOptions? Bootstrap { get; init; } = new() { Resamples = 1000 };
}

/// <summary>
/// The compute-optimal frontier of a fitted surface and the laws along it: N_opt ∝ C^a, D_opt ∝ C^b (log-log
/// least squares over the frontier) and L_opt(C) = E + K·C^(−γ) (the robust 1-D power-law fit).
/// </summary>
public sealed record ComputeOptimalResult(
    string Surface,
    IReadOnlyList<FrontierPoint> Frontier,
    double ExponentN,
    double ExponentD,
    double LossOffset,
    double LossCoefficient,
    double LossExponent,
    BootstrapResult? Intervals,
    ChinchillaClosedForm? ClosedForm);

/// <summary>Chinchilla's own answer for its surface: a = β/(α+β), b = α/(α+β), γ = αβ/(α+β).</summary>
public sealed record ChinchillaClosedForm(double ExponentN, double ExponentD, double LossExponent)
{
    public static ChinchillaClosedForm Of(ChinchillaFit fit) => new(fit.ComputeExponentN, fit.ComputeExponentD, fit.ComputeExponentLoss);
}

public static class ComputeOptimal
{
    public static readonly string[] StatisticNames = ["a", "b", "gamma"];

    /// <summary>
    /// N_opt(C) = argmin over N of L(N, C/(6N)): a grid over ln N then golden-section search (MathNet) in the
    /// bracketing cell. Points whose optimum sits at the edge of the search range are flagged, not trusted.
    /// </summary>
    public static IReadOnlyList<FrontierPoint> Frontier(ISurfaceFit surface, IReadOnlyList<double> computes, double nMin, double nMax, int gridPoints = 400)
    {
        if (!(nMin > 0 && nMax > nMin)) throw new UserInputException($"N search range [{nMin}, {nMax}] is empty");
        if (gridPoints < 3) throw new UserInputException("the N grid needs at least 3 points");
        double lo = Math.Log(nMin), hi = Math.Log(nMax);
        var frontier = new FrontierPoint[computes.Count];
        for (int k = 0; k < computes.Count; k++)
        {
            double c = computes[k];
            if (!(c > 0 && double.IsFinite(c))) throw new UserInputException($"compute budget must be positive (got {c})");
            double Loss(double lnN) { double n = Math.Exp(lnN); double v = surface.Predict(n, c / (6 * n)); return double.IsFinite(v) ? v : double.MaxValue; }
            int best = 0; double bestValue = double.PositiveInfinity;
            for (int i = 0; i < gridPoints; i++)
            {
                double v = Loss(lo + (hi - lo) * i / (gridPoints - 1));
                if (v < bestValue) { bestValue = v; best = i; }
            }
            double step = (hi - lo) / (gridPoints - 1);
            double a = Math.Max(lo, lo + (best - 1) * step), b = Math.Min(hi, lo + (best + 1) * step);
            double lnN = lo + best * step;
            try
            {
                lnN = GoldenSectionMinimizer.Minimum(ObjectiveFunction.ScalarValue(Loss), a, b, 1e-12, 200).MinimizingPoint;
            }
            catch (OptimizationException) { /* keep the grid point: the cell is flat to rounding */ }
            double nOpt = Math.Exp(lnN);
            frontier[k] = new FrontierPoint(c, nOpt, c / (6 * nOpt), Loss(lnN), best == 0 || best == gridPoints - 1);
        }
        return frontier;
    }

    /// <summary>Frontier plus the three laws along it, with intervals when <paramref name="refit"/> is given.</summary>
    public static ComputeOptimalResult Analyse(ISurfaceFit surface, IReadOnlyList<ScalingPoint> points, ComputeOptimalOptions? options = null,
                                               Func<IReadOnlyList<ScalingPoint>, ISurfaceFit?>? refit = null)
    {
        options ??= new();
        var computes = options.Computes ?? DefaultComputes(points);
        double nMin = points.Min(p => p.N) / options.NRangeFactor, nMax = points.Max(p => p.N) * options.NRangeFactor;
        var (frontier, stats, loss) = Laws(surface, computes, nMin, nMax, options.NGridPoints);
        BootstrapResult? intervals = null;
        if (options.Bootstrap is { } boot && refit is not null)
        {
            double[]? Statistic(IReadOnlyList<ScalingPoint> resample)
            {
                var s = refit(resample);
                if (s is null) return null;
                try { return Laws(s, computes, nMin, nMax, options.NGridPoints).Stats; }
                catch (UserInputException) { return null; }
            }
            var lnFitted = points.Select(p => Math.Log(surface.Predict(p.N, p.D))).ToArray();
            var lnResidual = points.Select((p, i) => Math.Log(p.Loss) - lnFitted[i]).ToArray();
            double[]? LeaveOneOut(int i) => Statistic(points.Where((_, j) => j != i).ToArray());
            intervals = boot.Kind == BootstrapKind.Wild
                ? Bootstrap.Wild(lnFitted, lnResidual, StatisticNames, stats,
                                 lnY => Statistic(points.Select((p, i) => p with { Loss = Math.Exp(lnY[i]) }).ToArray()), LeaveOneOut, boot)
                : Bootstrap.Pairs(points.Count, StatisticNames, stats, idx => Statistic(idx.Select(i => points[i]).ToArray()), LeaveOneOut, boot);
        }
        return new ComputeOptimalResult(surface.Form, frontier, stats[0], stats[1], loss["E"], loss["A"] * Math.Pow(loss.X0, loss["alpha"]),
                                        loss["alpha"], intervals, surface is ChinchillaFit c ? ChinchillaClosedForm.Of(c) : null);
    }

    /// <summary>25 log-spaced budgets from the smallest to the largest 6·N·D in the data.</summary>
    public static double[] DefaultComputes(IReadOnlyList<ScalingPoint> points, int count = 25)
    {
        double lo = Math.Log(points.Min(p => p.Compute)), hi = Math.Log(points.Max(p => p.Compute));
        if (!(hi > lo)) throw new UserInputException("all points have the same compute 6·N·D; give compute budgets explicitly");
        return Enumerable.Range(0, count).Select(i => Math.Exp(lo + (hi - lo) * i / (count - 1))).ToArray();
    }

    private static (IReadOnlyList<FrontierPoint> Frontier, double[] Stats, CurveFit Loss) Laws(ISurfaceFit surface, IReadOnlyList<double> computes, double nMin, double nMax, int grid)
    {
        var frontier = Frontier(surface, computes, nMin, nMax, grid);
        var inside = frontier.Where(f => !f.AtSearchEdge).ToArray();
        if (inside.Length < 4)
            throw new UserInputException($"{surface.Form}: only {inside.Length} compute budgets have an interior optimum in N ∈ [{nMin:G3}, {nMax:G3}]; the surface has no compute-optimal frontier there");
        var lnC = inside.Select(f => Math.Log(f.Compute)).ToArray();
        double a = Fit.Line(lnC, inside.Select(f => Math.Log(f.N)).ToArray()).B;
        double b = Fit.Line(lnC, inside.Select(f => Math.Log(f.D)).ToArray()).B;
        var loss = CurveFitter.Fit(CurveModel.For(CurveForm.PowerLaw), new CurveData(inside.Select(f => f.Compute).ToArray(), inside.Select(f => f.Loss).ToArray(), "L_opt(C)"), new CurveFitOptions());
        return (frontier, [a, b, loss["alpha"]], loss);
    }
}
