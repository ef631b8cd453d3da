using MiniTransformer.Randomness;

namespace MiniTransformer.Fitting;

/// <summary>
/// A 1-D law in fit space: its parameter vector θ (log-transformed where a parameter must be positive), its value
/// and exact gradient at u = x/x0, box bounds, start points, and the map from θ to natural parameters.
/// </summary>
internal abstract class CurveModel
{
    public abstract CurveForm Form { get; }
    public abstract int ParameterCount { get; }
    public abstract string[] NaturalNames { get; }

    /// <summary>ŷ(u; θ); writes ∂ŷ/∂θ into <paramref name="gradient"/>.</summary>
    public abstract double ValueAndGradient(double u, ReadOnlySpan<double> theta, Span<double> gradient);

    public abstract double Value(double u, ReadOnlySpan<double> theta);

    public abstract (double[] Lower, double[] Upper) Bounds(CurveData data);

    /// <summary>Deterministic starts: data-driven ones first, then random ones from Philox(seed).</summary>
    public abstract List<double[]> Starts(CurveData data, int count, ulong seed);

    /// <summary>θ → natural parameters (e.g. (E, A, α) with x in its own units).</summary>
    public abstract double[] ToNatural(ReadOnlySpan<double> theta, double x0);

    public static CurveModel For(CurveForm form) => form switch
    {
        CurveForm.PowerLaw => new PowerLawModel(withOffset: true),
        CurveForm.PowerLawNoOffset => new PowerLawModel(withOffset: false),
        CurveForm.Exponential => new ExponentialModel(),
        _ => throw new ArgumentOutOfRangeException(nameof(form)),
    };

    /// <summary>Offset candidates for starts: 0 (losses), quantiles of y just below them, and min(y) minus multiples of the spread.</summary>
    protected static IEnumerable<double> OffsetCandidates(CurveData d)
    {
        var sorted = (double[])d.Y.Clone();
        Array.Sort(sorted);
        if (d.YMin > 0) yield return 0.0;
        foreach (double q in new[] { 0.0, 0.1, 0.25 })
            yield return sorted[(int)Math.Floor(q * (sorted.Length - 1))] - 1e-3 * d.Spread;
        foreach (double k in new[] { 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0 })
            yield return d.YMin - k * d.Spread;
    }

    /// <summary>Least-squares line through (t, ln(y − offset)) over points with y &gt; offset; null when fewer than two.</summary>
    protected static (double Slope, double Intercept)? LogLinear(IReadOnlyList<double> t, IReadOnlyList<double> y, double offset)
    {
        double st = 0, sz = 0, stt = 0, stz = 0;
        int n = 0;
        for (int i = 0; i < t.Count; i++)
        {
            if (y[i] <= offset) continue;
            double z = Math.Log(y[i] - offset);
            st += t[i]; sz += z; stt += t[i] * t[i]; stz += t[i] * z; n++;
        }
        double den = n * stt - st * st;
        if (n < 2 || den <= 0) return null;
        double slope = (n * stz - st * sz) / den;
        return (slope, (sz - slope * st) / n);
    }

    protected static double Uniform(ulong seed, ulong stream, ulong index, int word)
    {
        var (a, b, c, d) = Philox.Draw(seed, stream, index);
        return word == 0 ? Philox.ToUnitDouble(a, b) : Philox.ToUnitDouble(c, d);
    }
}
