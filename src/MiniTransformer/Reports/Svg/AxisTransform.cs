using System.Globalization;

namespace MiniTransformer.Reports.Svg;

/// <summary>How an axis maps data to position: proportional to the value, or to its base-10 logarithm.</summary>
public enum AxisScale { Linear, Log }

/// <summary>A tick mark: its data value, and its label (null for an unlabelled minor tick).</summary>
public readonly record struct Tick(double Value, string? Label);

/// <summary>
/// The data→pixel mapping of one axis: data range [<see cref="Min"/>, <see cref="Max"/>] onto pixels
/// [<see cref="PixelStart"/>, <see cref="PixelEnd"/>] (PixelEnd may be smaller, as for a y axis growing upward).
/// Log axes map log10(value) linearly. Public so tests and callers can place or check marks exactly.
/// </summary>
public sealed record AxisTransform(double Min, double Max, double PixelStart, double PixelEnd, AxisScale Scale)
{
    public bool IsLog => Scale == AxisScale.Log;

    public double ToPixel(double value)
    {
        double t = (Project(value) - Project(Min)) / (Project(Max) - Project(Min));
        return PixelStart + t * (PixelEnd - PixelStart);
    }

    public double FromPixel(double pixel)
    {
        double t = (pixel - PixelStart) / (PixelEnd - PixelStart);
        double p = Project(Min) + t * (Project(Max) - Project(Min));
        return IsLog ? Math.Pow(10, p) : p;
    }

    public bool Contains(double value) => double.IsFinite(value) && (!IsLog || value > 0) && value >= Min * (1 - 1e-12) && value <= Max * (1 + 1e-12);

    private double Project(double value) => IsLog ? Math.Log10(value) : value;

    /// <summary>
    /// Labelled ticks: every power of ten inside the range on a log axis (with 2× and 5× labelled as well when the
    /// range holds fewer than two decades), or 4–8 "nice" steps (1, 2, 5 × 10^k) on a linear axis.
    /// </summary>
    public IReadOnlyList<Tick> MajorTicks()
    {
        if (!IsLog) return LinearTicks(Min, Max).Select(v => new Tick(v, FormatLinear(v, Step(Min, Max)))).ToList();
        var decades = Decades().Select(v => new Tick(v, FormatPower(v))).ToList();
        if (decades.Count >= 2) return decades;
        // Under two decades, label 1-2-5 mantissas; under a factor of ~3, every mantissa; inside one mantissa step, plain steps.
        foreach (int[] mantissas in new[] { new[] { 1, 2, 5 }, [1, 2, 3, 4, 5, 6, 7, 8, 9] })
        {
            var ticks = MantissaTicks(mantissas).ToList();
            if (ticks.Count >= 3 || (mantissas.Length == 9 && ticks.Count >= 2)) return ticks.Select(v => new Tick(v, FormatLogValue(v))).ToList();
        }
        return LinearTicks(Min, Max).Where(v => v > 0).Select(v => new Tick(v, FormatLinear(v, Step(Min, Max)))).ToList();
    }

    /// <summary>Unlabelled ticks: 2…9 × 10^k on a log axis (those not already major), half steps on a linear one.</summary>
    public IReadOnlyList<Tick> MinorTicks()
    {
        var major = MajorTicks().Select(t => t.Value).ToList();
        IEnumerable<double> candidates = IsLog
            ? MantissaTicks([1, 2, 3, 4, 5, 6, 7, 8, 9])
            : LinearTicks(Min, Max).SelectMany(v => new[] { v - Step(Min, Max) / 2, v + Step(Min, Max) / 2 }).Where(v => v >= Min && v <= Max).Distinct();
        return candidates.Where(v => !major.Any(m => Math.Abs(m - v) <= 1e-9 * Math.Max(Math.Abs(m), Math.Abs(v))))
            .Select(v => new Tick(v, null)).ToList();
    }

    private IEnumerable<double> Decades()
    {
        for (int k = (int)Math.Floor(Math.Log10(Min)); k <= (int)Math.Ceiling(Math.Log10(Max)); k++)
        {
            double v = Math.Pow(10, k);
            if (Contains(v)) yield return v;
        }
    }

    private IEnumerable<double> MantissaTicks(int[] mantissas)
    {
        for (int k = (int)Math.Floor(Math.Log10(Min)); k <= (int)Math.Ceiling(Math.Log10(Max)); k++)
            foreach (int m in mantissas)
            {
                double v = m * Math.Pow(10, k);
                if (Contains(v)) yield return v;
            }
    }

    private static double Step(double min, double max)
    {
        double raw = (max - min) / 5;
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double r = raw / mag;
        return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
    }

    private static List<double> LinearTicks(double min, double max)
    {
        double step = Step(min, max);
        var ticks = new List<double>();
        for (double k = Math.Ceiling(min / step - 1e-9); k * step <= max + 1e-9 * step; k++) ticks.Add(Math.Abs(k) < 1e-12 ? 0 : k * step);
        return ticks;
    }

    private static string FormatLinear(double v, double step)
    {
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        return v.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    /// <summary>10^k written with a Unicode superscript exponent (10³, 10⁻²), or 1 and 10 plainly.</summary>
    public static string FormatPower(double v)
    {
        int k = (int)Math.Round(Math.Log10(v));
        if (k == 0) return "1";
        if (k == 1) return "10";
        const string digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        var exponent = string.Concat(Math.Abs(k).ToString(CultureInfo.InvariantCulture).Select(c => digits[c - '0']));
        return "10" + (k < 0 ? "⁻" : "") + exponent;
    }

    private static string FormatLogValue(double v) =>
        v >= 1e-3 && v < 1e4 ? v.ToString("0.###", CultureInfo.InvariantCulture)
            : $"{Math.Round(v / Math.Pow(10, Math.Floor(Math.Log10(v))))}×{FormatPower(Math.Pow(10, Math.Floor(Math.Log10(v))))}";
}
