using System.Globalization;
using System.Text;
using MathNet.Numerics.Statistics;
using MiniTransformer.IO;

namespace MiniTransformer.Knn;

/// <summary>
/// The results tables of the scaling experiments, as CSV a fitter, pandas or a spreadsheet reads directly
/// (header row, invariant culture, round-trip numbers). Two files are written as one unit:
/// <list type="bullet">
/// <item><c>OUT</c>: one row per (seed, grid point) — the raw measurements (x column + <c>loss</c> + <c>seed</c> …);</item>
/// <item><c>OUT</c> with <c>.summary.csv</c>: per grid point the median loss over seeds, the 16% and 84% quantiles
/// (the ±1σ band of a normal), the number of seeds, and the theory curve scaled to the median at the smallest x.</item>
/// </list>
/// </summary>
public static class ScalingTable
{
    public sealed record Summary(double X, double Median, double Q16, double Q84, int Seeds, double Theory);

    public static string SummaryPath(string path) =>
        path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? path[..^4] + ".summary.csv" : path + ".summary.csv";

    /// <summary>Median and 16–84% quantiles of <paramref name="loss"/> grouped by <paramref name="x"/>, with the theory scaled to the first median.</summary>
    public static List<Summary> Summarise(IReadOnlyList<double> x, IReadOnlyList<double> loss, Func<double, double> theory)
    {
        var groups = x.Select((v, i) => (X: v, Loss: loss[i])).GroupBy(p => p.X).OrderBy(g => g.Key).ToList();
        var result = new List<Summary>();
        double scale = double.NaN;
        foreach (var g in groups)
        {
            var values = g.Select(p => p.Loss).ToArray();
            double median = Statistics.Median(values);
            if (double.IsNaN(scale)) scale = median / theory(g.Key);
            result.Add(new Summary(g.Key, median, Statistics.Quantile(values, 0.16), Statistics.Quantile(values, 0.84), values.Length, scale * theory(g.Key)));
        }
        return result;
    }

    /// <summary>Writes the raw table (<paramref name="header"/> + <paramref name="rows"/>) and its summary as one unit.</summary>
    public static void Write(string path, bool force, string header, IEnumerable<IEnumerable<object>> rows, string xName, IReadOnlyList<Summary> summary)
    {
        var raw = new StringBuilder().AppendLine(header);
        foreach (var row in rows) raw.AppendLine(string.Join(',', row.Select(Format)));
        var sum = new StringBuilder().AppendLine($"{xName},loss_median,loss_q16,loss_q84,seeds,theory");
        foreach (var s in summary) sum.AppendLine(string.Join(',', new object[] { s.X, s.Median, s.Q16, s.Q84, s.Seeds, s.Theory }.Select(Format)));
        AtomicFile.WriteAll(force,
            (path, st => { using var w = new StreamWriter(st, leaveOpen: true); w.Write(raw.ToString()); }),
            (SummaryPath(path), st => { using var w = new StreamWriter(st, leaveOpen: true); w.Write(sum.ToString()); }));
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
