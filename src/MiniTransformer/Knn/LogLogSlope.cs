using MathNet.Numerics;

namespace MiniTransformer.Knn;

/// <summary>
/// A quick exponent read-off: least-squares slope of ln y on ln x over the points with x ≥ <c>from</c> (default:
/// the upper half of the decades spanned, where the asymptotic regime is closest) and y &gt; 0. The full fitter
/// (offsets, robust loss, bootstrap intervals) is the <c>fit</c> verb's job; this is the number printed next to theory.
/// </summary>
public static class LogLogSlope
{
    public readonly record struct Result(double Slope, double FromX, double ToX, int Points);

    public static double UpperHalfStart(IReadOnlyList<double> x)
    {
        var positive = x.Where(v => v > 0).ToArray();
        return Math.Sqrt(positive.Min() * positive.Max());
    }

    public static Result Fit(IReadOnlyList<double> x, IReadOnlyList<double> y, double? from = null)
    {
        double start = from ?? UpperHalfStart(x);
        var lx = new List<double>();
        var ly = new List<double>();
        for (int i = 0; i < x.Count; i++)
            if (x[i] >= start && x[i] > 0 && y[i] > 0 && double.IsFinite(y[i])) { lx.Add(Math.Log(x[i])); ly.Add(Math.Log(y[i])); }
        if (lx.Count < 2 || lx.Distinct().Count() < 2) return new Result(double.NaN, start, start, lx.Count);
        var (_, slope) = MathNet.Numerics.Fit.Line(lx.ToArray(), ly.ToArray());
        return new Result(slope, Math.Exp(lx.Min()), Math.Exp(lx.Max()), lx.Count);
    }
}
