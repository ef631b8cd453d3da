namespace MiniTransformer.Fitting;

/// <summary>
/// Kaplan et al. (2020) eq. 1.5: L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D, fitted like the Chinchilla form — in
/// log space, ln L̂ = α_D·LSE((α_N/α_D)(ln N_c − ln N), ln D_c − ln D), summed Huber (δ = 1e-3) on ln L̂ − ln L,
/// L-BFGS with exact gradients from a grid of starts — over θ = (ln N_c, ln D_c, ln α_N, ln α_D) so the exponents
/// stay positive. The form has no irreducible term: it is the rival that says losses fall to zero.
/// </summary>
public sealed record KaplanFit(double Nc, double Dc, double AlphaN, double AlphaD, double Objective, int Points, int StartsRun) : ISurfaceFit
{
    public string Form => "kaplan";

    public IReadOnlyDictionary<string, double> Parameters => new Dictionary<string, double>
    {
        ["N_c"] = Nc, ["D_c"] = Dc, ["alpha_N"] = AlphaN, ["alpha_D"] = AlphaD,
    };

    public double Predict(double n, double d) => Math.Pow(Math.Pow(Nc / n, AlphaN / AlphaD) + Dc / d, AlphaD);

    public static KaplanFit Fit(IReadOnlyList<ScalingPoint> points, double delta = 1e-3, int maxDegreeOfParallelism = 0)
    {
        ScalingPoint.Validate(points, 4, "the Kaplan form");
        var starts = new List<double[]>();
        foreach (double aN in new[] { 0.05, 0.1, 0.2, 0.4 })
            foreach (double aD in new[] { 0.05, 0.1, 0.2, 0.4 })
                foreach (double nc in new[] { 1e10, 1e13, 1e16 })
                    foreach (double dc in new[] { 1e10, 1e13, 1e16 })
                        starts.Add([Math.Log(nc), Math.Log(dc), Math.Log(aN), Math.Log(aD)]);
        return Fit(new SurfaceData(points), starts, delta, maxDegreeOfParallelism);
    }

    /// <summary>Refit on resampled points from this fit's optimum (see <see cref="ChinchillaFit.Refit"/>).</summary>
    public KaplanFit Refit(IReadOnlyList<ScalingPoint> points)
    {
        ScalingPoint.Validate(points, 4, "the Kaplan form");
        return Fit(new SurfaceData(points), [[Math.Log(Nc), Math.Log(Dc), Math.Log(AlphaN), Math.Log(AlphaD)]], 1e-3, 1);
    }

    private static KaplanFit Fit(SurfaceData data, List<double[]> starts, double delta, int threads)
    {
        var (best, _) = MultiStart.Run(starts, 4, HuberObjective(data, delta), LocalOptimizer.Lbfgs, threads > 0 ? threads : Environment.ProcessorCount);
        var p = best.Point;
        return new KaplanFit(Math.Exp(p[0]), Math.Exp(p[1]), Math.Exp(p[2]), Math.Exp(p[3]), best.Value, data.Count, starts.Count);
    }

    /// <summary>
    /// With r = α_N/α_D, u0 = r(ln N_c − ln N), u1 = ln D_c − ln D, S = LSE(u0, u1), w = softmax: ln L̂ = α_D S and
    /// ∂/∂ln N_c = α_N w0, ∂/∂ln D_c = α_D w1, ∂/∂α_N = w0 (ln N_c − ln N), ∂/∂α_D = S − r w0 (ln N_c − ln N);
    /// the log-parameters multiply the last two by α_N and α_D.
    /// </summary>
    internal static MinimizerRun.ValueAndGradient HuberObjective(SurfaceData data, double delta) => (p, g) =>
    {
        double lnNc = p[0], lnDc = p[1], aN = Math.Exp(p[2]), aD = Math.Exp(p[3]), r = aN / aD;
        double sum = 0, g0 = 0, g1 = 0, g2 = 0, g3 = 0;
        for (int i = 0; i < data.Count; i++)
        {
            double dn = lnNc - data.LnN[i];
            double u0 = r * dn, u1 = lnDc - data.LnD[i];
            double m = Math.Max(u0, u1);
            double e0 = Math.Exp(u0 - m), e1 = Math.Exp(u1 - m), s = e0 + e1;
            double lse = m + Math.Log(s);
            double w0 = e0 / s, w1 = e1 / s;
            double res = aD * lse - data.LnL[i];
            sum += Huber.Loss(res, delta);
            double psi = Huber.Derivative(res, delta);
            g0 += psi * aN * w0;
            g1 += psi * aD * w1;
            g2 += psi * w0 * dn * aN;
            g3 += psi * (lse - r * w0 * dn) * aD;
        }
        g[0] = g0; g[1] = g1; g[2] = g2; g[3] = g3;
        return sum;
    };
}
