namespace MiniTransformer.Fitting;

/// <summary>
/// One 1-D series (x, y) validated for fitting: finite values, positive x (the laws use x/median(x)), at least
/// two distinct x, more points than the form has parameters. x is kept scaled by x0 = median(x), which makes
/// the amplitude and rate parameters O(1) whatever the units of x.
/// </summary>
public sealed class CurveData
{
    public double[] X { get; }
    public double[] Y { get; }
    /// <summary>x / x0.</summary>
    public double[] U { get; }
    public double X0 { get; }
    public int Count => X.Length;
    /// <summary>What the series is called in error messages (e.g. "D=1e9").</summary>
    public string What { get; } = "series";
    public double YMin { get; }
    public double YMax { get; }
    /// <summary>max(y) − min(y), or |y| scale when y is flat.</summary>
    public double Spread { get; }

    public CurveData(IReadOnlyList<double> x, IReadOnlyList<double> y, string what = "series")
    {
        if (x.Count != y.Count) throw new UserInputException($"{what}: x has {x.Count} values but y has {y.Count}");
        if (x.Count == 0) throw new UserInputException($"{what}: no points to fit");
        for (int i = 0; i < x.Count; i++)
        {
            if (!double.IsFinite(x[i]) || !double.IsFinite(y[i]))
                throw new UserInputException($"{what}: point {i} is not finite (x = {x[i]}, y = {y[i]})");
            if (x[i] <= 0) throw new UserInputException($"{what}: x must be positive for a power law, point {i} has x = {x[i]}");
        }
        What = what;
        X = x.ToArray();
        Y = y.ToArray();
        var sorted = (double[])X.Clone();
        Array.Sort(sorted);
        if (sorted[0] == sorted[^1]) throw new UserInputException($"{what}: x is constant ({sorted[0]}); a law in x cannot be fitted");
        X0 = Huber.Median(sorted);
        U = X.Select(v => v / X0).ToArray();
        YMin = Y.Min();
        YMax = Y.Max();
        Spread = YMax > YMin ? YMax - YMin : Math.Max(Math.Abs(YMax), 1e-300);
    }

    /// <summary>Throws unless there are more points than <paramref name="parameters"/> (a fit needs residual degrees of freedom).</summary>
    public void RequireMoreThan(int parameters, string form)
    {
        if (Count <= parameters)
            throw new UserInputException($"{What}: {form} has {parameters} parameters but only {Count} point(s); need at least {parameters + 1}");
    }

    /// <summary>The same x with new targets (bootstrap resamples keep x fixed).</summary>
    internal CurveData(CurveData template, double[] y)
    {
        What = template.What; X = template.X; U = template.U; X0 = template.X0; Y = y;
        YMin = y.Min(); YMax = y.Max();
        Spread = YMax > YMin ? YMax - YMin : Math.Max(Math.Abs(YMax), 1e-300);
    }

    /// <summary>A subset of the points (jackknife, pairs bootstrap), keeping the original x0 so parameters stay comparable.</summary>
    internal CurveData(CurveData template, int[] indices)
    {
        What = template.What;
        X = indices.Select(i => template.X[i]).ToArray();
        Y = indices.Select(i => template.Y[i]).ToArray();
        U = indices.Select(i => template.U[i]).ToArray();
        X0 = template.X0;
        YMin = Y.Min(); YMax = Y.Max();
        Spread = YMax > YMin ? YMax - YMin : Math.Max(Math.Abs(YMax), 1e-300);
    }
}
