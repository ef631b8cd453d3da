namespace MiniTransformer.Fitting;

/// <summary>
/// y = a + b·e^(−c·x) = a + b·e^(−c'·u) with u = x/x0 and c' = c·x0, fitted on θ = (a, ln b, ln c'). The rival
/// law every power-law fit is compared against: power-law data spanning decades of x is fitted badly by it.
/// </summary>
internal sealed class ExponentialModel : CurveModel
{
    private const ulong StartStream = 0x4558_504F; // "EXPO"

    public override CurveForm Form => CurveForm.Exponential;
    public override int ParameterCount => 3;
    public override string[] NaturalNames => ["a", "b", "c"];

    public override double Value(double u, ReadOnlySpan<double> t) => t[0] + Math.Exp(t[1] - Math.Exp(t[2]) * u);

    public override double ValueAndGradient(double u, ReadOnlySpan<double> t, Span<double> g)
    {
        double c = Math.Exp(t[2]);
        double term = Math.Exp(t[1] - c * u);
        g[0] = 1.0;
        g[1] = term;
        g[2] = -term * c * u;
        return t[0] + term;
    }

    public override (double[] Lower, double[] Upper) Bounds(CurveData d)
    {
        double lnScale = Math.Log(Math.Max(d.Spread, Math.Abs(d.YMax)));
        // c' (the rate per x0) from 1e-6 (nearly linear) to 1e3 (a step at the smallest x).
        return ([d.YMin - 100 * d.Spread, lnScale - 30, Math.Log(1e-6)],
                [d.YMax, lnScale + 60, Math.Log(1e3)]);
    }

    public override List<double[]> Starts(CurveData d, int count, ulong seed)
    {
        var starts = new List<double[]>();
        foreach (double a in OffsetCandidates(d))
        {
            // log-linear in u: ln(y − a) = ln b − c'·u
            if (LogLinear(d.U, d.Y, a) is not { } line || line.Slope >= 0) continue;
            starts.Add([a, line.Intercept, Math.Log(-line.Slope)]);
        }
        double median = Huber.Median(d.Y.Order().ToArray());
        double uMax = d.U.Max();
        for (ulong k = 0; starts.Count < count; k++)
        {
            double a = d.YMin - d.Spread * 2.0 * Uniform(seed, StartStream, k, 0);
            // rates that put the decay anywhere from the smallest to the largest x
            double lnC = Math.Log(1e-2 / uMax) + (Math.Log(1e2 / d.U.Min()) - Math.Log(1e-2 / uMax)) * Uniform(seed, StartStream, k, 1);
            double c = Math.Exp(lnC);
            // b so that the curve passes through the median at u = 1
            double lnB = Math.Log(Math.Max(median - a, 1e-3 * d.Spread)) + c;
            starts.Add([a, Math.Min(lnB, Math.Log(Math.Max(d.Spread, Math.Abs(d.YMax))) + 59), lnC]);
        }
        return starts;
    }

    public override double[] ToNatural(ReadOnlySpan<double> t, double x0) => [t[0], Math.Exp(t[1]), Math.Exp(t[2]) / x0];
}
