namespace MiniTransformer.Fitting;

/// <summary>
/// The Huber loss ρ(r) = r²/2 for |r| ≤ δ, δ(|r| − δ/2) beyond (scipy.special.huber's definition), and the
/// robust scale rule the 1-D fits use for δ.
/// </summary>
public static class Huber
{
    public static double Loss(double r, double delta)
    {
        double a = Math.Abs(r);
        return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
    }

    /// <summary>dρ/dr = clip(r, −δ, δ).</summary>
    public static double Derivative(double r, double delta) => Math.Clamp(r, -delta, delta);

    /// <summary>
    /// δ = 1.4826·MAD(y) — the normal-consistent robust spread of the targets — falling back to 0.1·std(y) when
    /// more than half the targets are equal (MAD = 0), and to 1e-12·max|y| when y is constant (caught earlier by
    /// the fitters' input checks, kept here so the rule never returns 0).
    /// </summary>
    public static double ScaleFromTargets(IReadOnlyList<double> y)
    {
        var sorted = y.ToArray();
        Array.Sort(sorted);
        double median = Median(sorted);
        var dev = sorted.Select(v => Math.Abs(v - median)).ToArray();
        Array.Sort(dev);
        double mad = 1.4826 * Median(dev);
        if (mad > 0) return mad;
        double mean = sorted.Average();
        double std = Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, sorted.Length - 1));
        if (std > 0) return 0.1 * std;
        return Math.Max(1e-12 * sorted.Max(Math.Abs), 1e-300);
    }

    internal static double Median(double[] sorted)
    {
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
