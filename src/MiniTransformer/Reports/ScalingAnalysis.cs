using System.Globalization;
using MiniTransformer.Fitting;

namespace MiniTransformer.Reports;

/// <summary>One slice of the grid (L vs N at fixed D, or L vs D at fixed N) with its fit, if one was possible.</summary>
public sealed record SliceFit(string Family, string Label, double Fixed, IReadOnlyList<ScalingCell> Cells, CurveAnalysis? Analysis,
    CurveWithBand? Band, string? NotFittedReason);

/// <summary>The Chinchilla surface and what it says along C = 6ND: L_opt, N_opt, D_opt with bootstrap bands.</summary>
/// <param name="Laws">The fitter's compute-optimal analysis of the surface: exponents a, b, γ fitted along the numerically
/// minimised frontier, with BCa intervals (wild bootstrap on log loss).</param>
public sealed record FrontierFit(ChinchillaFit Surface, double[] Compute, CurveWithBand LossOpt, CurveWithBand NOpt, CurveWithBand DOpt,
    (double Lower, double Upper)? AlphaInterval, (double Lower, double Upper)? BetaInterval, int Resamples, ComputeOptimalResult? Laws);

/// <summary>Report settings for the fits: bootstrap sizes and the seed every resample derives from.</summary>
public sealed record ReportFitOptions
{
    /// <summary>Resamples of the fitter's BCa parameter intervals (SCIENCE.md: 4,000).</summary>
    public int IntervalResamples { get; init; } = 4000;
    /// <summary>Resamples of the pointwise curve bands (percentiles need far fewer than BCa).</summary>
    public int BandResamples { get; init; } = 400;
    /// <summary>Fit the Chinchilla surface and its compute-optimal curves (the costly part); the ladder report needs only the slices.</summary>
    public bool Frontier { get; init; } = true;
    public ulong Seed { get; init; }
}

/// <summary>
/// The fits a report shows: one offset power law per slice (SCIENCE.md "1-D fits"), the exponent's mean ± s.d.
/// across slices, and the Chinchilla surface with its compute-optimal curves. A slice or surface the data cannot
/// support (too few points) is reported with the reason instead of a fit.
/// </summary>
public sealed record ScalingAnalysis(IReadOnlyList<SliceFit> NSlices, IReadOnlyList<SliceFit> DSlices, FrontierFit? Frontier, string? FrontierNotFittedReason)
{
    public const string LossVsN = "L(N) | D";
    public const string LossVsD = "L(D) | N";

    public static ScalingAnalysis Run(IReadOnlyList<ScalingCell> cells, ReportFitOptions options)
    {
        var nSlices = cells.GroupBy(c => c.D).OrderBy(g => g.Key)
            .Select(g => FitSlice(LossVsN, $"D = {Tokens(g.Key)}", g.Key, g.OrderBy(c => c.N).ToList(), c => c.N, options)).ToList();
        var dSlices = cells.GroupBy(c => (c.Layers, c.Width)).OrderBy(g => g.First().N)
            .Select(g => FitSlice(LossVsD, $"N = {Count(g.First().N)} ({g.Key.Layers}L×{g.Key.Width})", g.First().N, g.OrderBy(c => c.D).ToList(), c => c.D, options)).ToList();
        FrontierFit? frontier = null;
        string? reason = null;
        if (!options.Frontier) reason = "not requested";
        else
            try
            {
                frontier = FitFrontier(cells, options);
            }
            catch (UserInputException e)
            {
                reason = e.Message;
            }
        return new ScalingAnalysis(nSlices, dSlices, frontier, reason);
    }

    /// <summary>Mean ± s.d. of α over the fitted slices of one family (null when none was fitted).</summary>
    public static (double Mean, double StdDev, int Count)? ExponentSummary(IReadOnlyList<SliceFit> slices)
    {
        var alphas = slices.Where(s => s.Analysis is not null).Select(s => s.Analysis!.PowerLaw["alpha"]).ToArray();
        if (alphas.Length == 0) return null;
        double mean = alphas.Average();
        double sd = alphas.Length > 1 ? Math.Sqrt(alphas.Sum(a => (a - mean) * (a - mean)) / (alphas.Length - 1)) : double.NaN;
        return (mean, sd, alphas.Length);
    }

    private static SliceFit FitSlice(string family, string label, double fixedValue, List<ScalingCell> cells, Func<ScalingCell, double> x, ReportFitOptions options)
    {
        var xs = cells.Select(x).ToArray();
        var ys = cells.Select(c => c.Loss).ToArray();
        try
        {
            var analysis = CurveAnalysis.Run(xs, ys, new CurveAnalysisOptions
            {
                Bootstrap = new BootstrapOptions { Resamples = options.IntervalResamples, Seed = options.Seed },
                Fit = new CurveFitOptions { Seed = options.Seed },
            }, label);
            var grid = FitBand.LogGrid(xs.Min(), xs.Max());
            var band = FitBand.PowerLaw(xs, ys, analysis.PowerLaw, grid, options.BandResamples, options.Seed);
            return new SliceFit(family, label, fixedValue, cells, analysis, band, null);
        }
        catch (UserInputException e)
        {
            return new SliceFit(family, label, fixedValue, cells, null, null, e.Message);
        }
    }

    /// <summary>
    /// Fits L = E + A/N^α + B/D^β to every cell (N non-embedding), then the closed-form optimum along C = 6ND:
    /// N_opt = G·(C/6)^(β/(α+β)), D_opt = C/(6·N_opt), L_opt = L(N_opt, D_opt). Bands: pairs bootstrap over cells,
    /// each refit warm-started from the full-data optimum plus a coarse grid, percentiles per compute.
    /// </summary>
    private static FrontierFit FitFrontier(IReadOnlyList<ScalingCell> cells, ReportFitOptions options)
    {
        var points = cells.Select(c => new ScalingPoint(c.N, c.D, c.Loss)).ToArray();
        var surface = ChinchillaFit.Fit(points, new ChinchillaFitOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) });
        var compute = FitBand.LogGrid(cells.Min(c => c.Compute), cells.Max(c => c.Compute));
        double[] warm = [Math.Log(surface.A), Math.Log(surface.B), Math.Log(surface.E), surface.Alpha, surface.Beta];
        var starts = new List<double[]> { warm };
        starts.AddRange(ChinchillaFit.HoffmannGrid().Where((_, i) => i % 450 == 0));
        var lossCurves = new List<double[]>();
        var nCurves = new List<double[]>();
        var dCurves = new List<double[]>();
        var alphas = new List<double>();
        var betas = new List<double>();
        for (int k = 0; k < options.BandResamples; k++)
        {
            var sample = new ScalingPoint[points.Length];
            for (int i = 0; i < sample.Length; i++)
            {
                var (r, _, _, _) = Randomness.Philox.Draw(options.Seed ^ 0xF407_7135UL, (ulong)k, (ulong)i);
                sample[i] = points[(int)((ulong)r * (ulong)points.Length >> 32)];
            }
            ChinchillaFit refit;
            try
            {
                refit = ChinchillaFit.Fit(sample, new ChinchillaFitOptions { Starts = starts, MaxDegreeOfParallelism = 1 });
            }
            catch (UserInputException)
            {
                continue; // a resample with a single N or D cannot identify the surface
            }
            var (l, n, d) = Optimum(refit, compute);
            lossCurves.Add(l); nCurves.Add(n); dCurves.Add(d);
            alphas.Add(refit.Alpha); betas.Add(refit.Beta);
        }
        var (lossFit, nFit, dFit) = Optimum(surface, compute);
        const double level = 0.95;
        CurveWithBand Band(double[] fit, List<double[]> curves)
        {
            var (lo, hi) = FitBand.Percentiles(curves, compute.Length, level);
            return new CurveWithBand(compute, fit, lo, hi, level, curves.Count);
        }
        (double, double)? Interval(List<double> v)
        {
            if (v.Count < 2) return null;
            var (lo, hi) = FitBand.Percentiles(v.Select(a => new[] { a }).ToList(), 1, level);
            return (lo[0], hi[0]);
        }
        ComputeOptimalResult? laws = null;
        try
        {
            laws = ComputeOptimal.Analyse(surface, points, new ComputeOptimalOptions
            {
                Computes = compute,
                Bootstrap = new BootstrapOptions { Resamples = Math.Max(100, options.IntervalResamples / 20), Seed = options.Seed },
            }, resample =>
            {
                try { return ChinchillaFit.Fit(resample, new ChinchillaFitOptions { Starts = starts, MaxDegreeOfParallelism = 1 }); }
                catch (UserInputException) { return null; }
            });
        }
        catch (UserInputException)
        {
            // too few points for the 1-D law along the frontier: the closed form above still stands
        }
        return new FrontierFit(surface, compute, Band(lossFit, lossCurves), Band(nFit, nCurves), Band(dFit, dCurves),
            Interval(alphas), Interval(betas), lossCurves.Count, laws);
    }

    private static (double[] Loss, double[] N, double[] D) Optimum(ChinchillaFit fit, double[] compute)
    {
        var n = compute.Select(fit.OptimalN).ToArray();
        var d = compute.Select((c, i) => c / (6 * n[i])).ToArray();
        var l = compute.Select((_, i) => fit.Predict(n[i], d[i])).ToArray();
        return (l, n, d);
    }

    public static string Tokens(double d) => d.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A count in engineering shorthand: 12.3k, 4.56M, 7.8B.</summary>
    public static string Count(double v) => v switch
    {
        >= 1e9 => (v / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "B",
        >= 1e6 => (v / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (v / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k",
        _ => v.ToString("0.##", CultureInfo.InvariantCulture),
    };
}
