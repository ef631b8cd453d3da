using MiniTransformer.Fitting;
using MiniTransformer.Randomness;

namespace MiniTransformer.Reports;

/// <summary>A fitted curve sampled on a grid with a pointwise confidence band.</summary>
public sealed record CurveWithBand(double[] X, double[] Fit, double[] Low, double[] High, double Level, int Resamples);

/// <summary>
/// Pointwise band of a 1-D power-law fit: the wild bootstrap SCIENCE.md prescribes for the parameters
/// (y* = ŷ + s·r, Rademacher s from Philox(seed, resample, point), x fixed), refitting each resample and taking
/// percentiles of the predicted curve at every grid x. The parameter intervals themselves are the fitter's BCa
/// intervals; this band only draws the curve's uncertainty, which a box of parameter intervals would overstate.
/// </summary>
public static class FitBand
{
    public static CurveWithBand PowerLaw(IReadOnlyList<double> x, IReadOnlyList<double> y, CurveFit fit, double[] grid,
        int resamples, ulong seed, double level = 0.95)
    {
        var fitted = x.Select(fit.Predict).ToArray();
        var residuals = y.Select((v, i) => v - fitted[i]).ToArray();
        var refitOptions = new CurveAnalysisOptions
        {
            Bootstrap = null, IncludeExponential = false, IncludeNoOffset = false,
            Fit = new CurveFitOptions { Starts = 6, Seed = seed },
        };
        var curves = new List<double[]>(resamples);
        for (int k = 0; k < resamples; k++)
        {
            var ys = new double[fitted.Length];
            for (int i = 0; i < ys.Length; i++)
            {
                var (r, _, _, _) = Philox.Draw(seed, (ulong)k, (ulong)i);
                ys[i] = fitted[i] + ((r & 1) == 0 ? residuals[i] : -residuals[i]);
            }
            try
            {
                var refit = CurveAnalysis.Run(x, ys, refitOptions).PowerLaw;
                curves.Add(grid.Select(refit.Predict).ToArray());
            }
            catch (UserInputException)
            {
                // A resample the law cannot be fitted to (e.g. flat after sign flips) carries no curve; it is dropped.
            }
        }
        var (low, high) = Percentiles(curves, grid.Length, level);
        return new CurveWithBand(grid, grid.Select(fit.Predict).ToArray(), low, high, level, curves.Count);
    }

    /// <summary>Pointwise (1−level)/2 and (1+level)/2 quantiles (linear interpolation) over the curves.</summary>
    public static (double[] Low, double[] High) Percentiles(IReadOnlyList<double[]> curves, int length, double level)
    {
        var low = new double[length];
        var high = new double[length];
        var column = new double[curves.Count];
        for (int j = 0; j < length; j++)
        {
            if (curves.Count == 0) { low[j] = high[j] = double.NaN; continue; }
            for (int k = 0; k < curves.Count; k++) column[k] = curves[k][j];
            Array.Sort(column);
            low[j] = Quantile(column, (1 - level) / 2);
            high[j] = Quantile(column, (1 + level) / 2);
        }
        return (low, high);
    }

    private static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int i = (int)Math.Floor(pos);
        if (i >= sorted.Length - 1) return sorted[^1];
        return sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]);
    }

    /// <summary>n points evenly spaced in log10 between lo and hi.</summary>
    public static double[] LogGrid(double lo, double hi, int n = 64) =>
        Enumerable.Range(0, n).Select(i => Math.Pow(10, Math.Log10(lo) + (Math.Log10(hi) - Math.Log10(lo)) * i / (n - 1))).ToArray();
}
