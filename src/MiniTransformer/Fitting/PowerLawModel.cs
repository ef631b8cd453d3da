namespace MiniTransformer.Fitting;

/// <summary>
/// y = E + A·u^(−α), u = x/x0, fitted on θ = (E, ln A, ln α) — or θ = (ln A, ln α) without the offset. Logs keep
/// A and α positive and make the problem well scaled; bounds keep the optimiser out of overflow.
/// </summary>
internal sealed class PowerLawModel(bool withOffset) : CurveModel
{
    private const ulong StartStream = 0x504F_5745_52; // "POWER": the random-start stream

    public override CurveForm Form => withOffset ? CurveForm.PowerLaw : CurveForm.PowerLawNoOffset;
    public override int ParameterCount => withOffset ? 3 : 2;
    public override string[] NaturalNames => withOffset ? ["E", "A", "alpha"] : ["A", "alpha"];

    public override double Value(double u, ReadOnlySpan<double> t)
    {
        int o = withOffset ? 1 : 0;
        double e = withOffset ? t[0] : 0.0;
        return e + Math.Exp(t[o] - Math.Exp(t[o + 1]) * Math.Log(u));
    }

    public override double ValueAndGradient(double u, ReadOnlySpan<double> t, Span<double> g)
    {
        int o = withOffset ? 1 : 0;
        double alpha = Math.Exp(t[o + 1]), lnU = Math.Log(u);
        double term = Math.Exp(t[o] - alpha * lnU); // A·u^(−α)
        if (withOffset) g[0] = 1.0;
        g[o] = term;                       // ∂/∂ln A
        g[o + 1] = -term * alpha * lnU;    // ∂/∂ln α
        return (withOffset ? t[0] : 0.0) + term;
    }

    public override (double[] Lower, double[] Upper) Bounds(CurveData d)
    {
        double lnScale = Math.Log(Math.Max(d.Spread, Math.Abs(d.YMax)));
        double[] lower = [lnScale - 30, Math.Log(1e-4)];
        double[] upper = [lnScale + 30, Math.Log(20.0)];
        if (!withOffset) return (lower, upper);
        return ([d.YMin - 100 * d.Spread, .. lower], [d.YMax, .. upper]);
    }

    public override List<double[]> Starts(CurveData d, int count, ulong seed)
    {
        var lnU = d.U.Select(u => Math.Log(u)).ToArray();
        var starts = new List<double[]>();
        var offsets = withOffset ? OffsetCandidates(d).ToArray() : [0.0];
        foreach (double e in offsets)
        {
            // log-linear: ln(y − E) = ln A − α ln u
            if (LogLinear(lnU, d.Y, e) is not { } line || line.Slope >= 0) continue;
            double[] s = [line.Intercept, Math.Log(-line.Slope)];
            starts.Add(withOffset ? [e, .. s] : s);
        }
        double median = Huber.Median(d.Y.Order().ToArray());
        for (ulong k = 0; starts.Count < count; k++)
        {
            double e = withOffset ? d.YMin - d.Spread * 2.0 * Uniform(seed, StartStream, k, 0) : 0.0;
            double alpha = Math.Exp(Math.Log(0.01) + (Math.Log(3.0) - Math.Log(0.01)) * Uniform(seed, StartStream, k, 1));
            double lnA = Math.Log(Math.Max(median - e, 1e-3 * d.Spread));
            double[] s = [lnA, Math.Log(alpha)];
            starts.Add(withOffset ? [e, .. s] : s);
        }
        return starts;
    }

    public override double[] ToNatural(ReadOnlySpan<double> t, double x0)
    {
        // A·(x/x0)^(−α): A is the excess at x = x0, so it is already in natural units of y.
        int o = withOffset ? 1 : 0;
        double[] p = [Math.Exp(t[o]), Math.Exp(t[o + 1])];
        return withOffset ? [t[0], .. p] : p;
    }
}
