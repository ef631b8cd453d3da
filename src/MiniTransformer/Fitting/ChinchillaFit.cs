using System.Numerics;

namespace MiniTransformer.Fitting;

public sealed record ChinchillaFitOptions
{
    /// <summary>Huber δ on the log-loss residual (Hoffmann et al.: 1e-3).</summary>
    public double Delta { get; init; } = 1e-3;
    /// <summary>Starts as (a, b, e, α, β); null = the standard Hoffmann et al. grid (4,500 starts).</summary>
    public IReadOnlyList<double[]>? Starts { get; init; }
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>The local optimiser: this project's allocation-free L-BFGS (default) or MathNet's, as a cross-check.</summary>
    public LocalOptimizer Optimizer { get; init; } = LocalOptimizer.Lbfgs;
}

/// <summary>
/// Chinchilla approach 3 (Hoffmann et al. 2022, App. D.2; Besiroglu et al. 2024): L(N, D) = E + A/N^α + B/D^β,
/// fitted in log space as ln L̂ = LSE(a − α ln N, b − β ln D, e) with A = e^a, B = e^b, E = e^e, minimising the
/// SUMMED Huber loss (δ = 1e-3) of ln L̂ − ln L with MathNet's L-BFGS and exact gradients, from every start of
/// the grid α, β ∈ {0, .5, …, 2}, e ∈ {−1, −.5, …, 1}, a, b ∈ {0, 5, …, 25}; the lowest objective wins.
/// </summary>
public sealed record ChinchillaFit(double E, double A, double B, double Alpha, double Beta, double Objective, int Points, int StartsRun) : ISurfaceFit
{
    public string Form => "chinchilla";

    public IReadOnlyDictionary<string, double> Parameters => new Dictionary<string, double>
    {
        ["E"] = E, ["A"] = A, ["B"] = B, ["alpha"] = Alpha, ["beta"] = Beta,
    };

    public double Predict(double n, double d) => E + A * Math.Pow(n, -Alpha) + B * Math.Pow(d, -Beta);

    /// <summary>Closed form along C = 6ND: N_opt ∝ C^a with a = β/(α+β).</summary>
    public double ComputeExponentN => Beta / (Alpha + Beta);
    /// <summary>D_opt ∝ C^b with b = α/(α+β).</summary>
    public double ComputeExponentD => Alpha / (Alpha + Beta);
    /// <summary>L_opt(C) − E ∝ C^(−γ), γ = αβ/(α+β).</summary>
    public double ComputeExponentLoss => Alpha * Beta / (Alpha + Beta);

    /// <summary>N_opt(C) = G·(C/6)^a, G = (αA/(βB))^(1/(α+β)) (Hoffmann et al. eq. 4).</summary>
    public double OptimalN(double compute) => Math.Pow(Alpha * A / (Beta * B), 1 / (Alpha + Beta)) * Math.Pow(compute / 6, ComputeExponentN);

    public static ChinchillaFit Fit(IReadOnlyList<ScalingPoint> points, ChinchillaFitOptions? options = null)
    {
        options ??= new();
        ScalingPoint.Validate(points, 5, "the Chinchilla form");
        return Fit(new SurfaceData(points), options.Starts ?? HoffmannGrid(), options);
    }

    /// <summary>
    /// Refit on resampled points (bootstrap, jackknife, validation splits) from this fit's optimum and its
    /// neighbourhood rather than the whole grid: the resample's optimum lies near the original one, and 4,500
    /// starts per resample would make a 1,000-resample interval cost an hour.
    /// </summary>
    public ChinchillaFit Refit(IReadOnlyList<ScalingPoint> points, ChinchillaFitOptions? options = null)
    {
        options ??= new();
        ScalingPoint.Validate(points, 5, "the Chinchilla form");
        double[] p = [Math.Log(A), Math.Log(B), Math.Log(E), Alpha, Beta];
        var starts = new List<double[]> { p };
        foreach (double f in new[] { 0.8, 1.25 })
        {
            starts.Add([p[0], p[1], p[2], p[3] * f, p[4]]);
            starts.Add([p[0], p[1], p[2], p[3], p[4] * f]);
        }
        return Fit(new SurfaceData(points), starts, options with { MaxDegreeOfParallelism = 1 });
    }

    internal static ChinchillaFit Fit(SurfaceData data, IReadOnlyList<double[]> starts, ChinchillaFitOptions options)
    {
        if (!(options.Delta > 0)) throw new UserInputException($"Huber delta must be positive (got {options.Delta})");
        var objective = HuberObjective(data, options.Delta);
        var (best, _) = MultiStart.Run(starts, 5, objective, options.Optimizer, options.MaxDegreeOfParallelism);
        var p = best.Point;
        return new ChinchillaFit(Math.Exp(p[2]), Math.Exp(p[0]), Math.Exp(p[1]), p[3], p[4], best.Value, data.Count, starts.Count);
    }

    /// <summary>The 4,500 starts (a, b, e, α, β) of Hoffmann et al.</summary>
    public static IReadOnlyList<double[]> HoffmannGrid()
    {
        var starts = new List<double[]>(4500);
        for (int ia = 0; ia < 5; ia++)
            for (int ib = 0; ib < 5; ib++)
                for (int ie = 0; ie < 5; ie++)
                    for (int iA = 0; iA < 6; iA++)
                        for (int iB = 0; iB < 6; iB++)
                            starts.Add([5.0 * iA, 5.0 * iB, -1 + 0.5 * ie, 0.5 * ia, 0.5 * ib]);
        return starts;
    }

    /// <summary>
    /// Σ_i Huber_δ(LSE(a − α ln N_i, b − β ln D_i, e) − ln L_i) over p = (a, b, e, α, β), with its exact gradient:
    /// ∂/∂t_k of the LSE is the softmax weight w_k, so ∂/∂a = Σ ψ_i w0_i, ∂/∂α = −Σ ψ_i w0_i ln N_i, … (ψ = Huber′).
    /// SIMD over points (System.Numerics.Vector exp/log), scalar tail; the objective is the whole cost of a fit.
    /// </summary>
    internal static MinimizerRun.ValueAndGradient HuberObjective(SurfaceData data, double delta) => (p, g) =>
    {
        double a = p[0], b = p[1], e = p[2], alpha = p[3], beta = p[4];
        var lnN = data.LnN; var lnD = data.LnD; var lnL = data.LnL;
        int w = Vector<double>.Count, n = lnL.Length, i = 0;
        var vSum = Vector<double>.Zero; var vA = vSum; var vB = vSum; var vE = vSum; var vAlpha = vSum; var vBeta = vSum;
        var va = new Vector<double>(a); var vb = new Vector<double>(b); var ve = new Vector<double>(e);
        var vAl = new Vector<double>(alpha); var vBe = new Vector<double>(beta);
        var vDelta = new Vector<double>(delta); var vHalf = new Vector<double>(0.5); var vHalfDelta = new Vector<double>(0.5 * delta);
        for (; i <= n - w; i += w)
        {
            var ln = new Vector<double>(lnN, i); var ld = new Vector<double>(lnD, i);
            var t0 = va - vAl * ln; var t1 = vb - vBe * ld;
            var m = Vector.Max(Vector.Max(t0, t1), ve);
            var x0 = Vector.Exp(t0 - m); var x1 = Vector.Exp(t1 - m); var x2 = Vector.Exp(ve - m);
            var s = x0 + x1 + x2;
            var r = m + Vector.Log(s) - new Vector<double>(lnL, i);
            var ar = Vector.Abs(r);
            vSum += Vector.ConditionalSelect(Vector.LessThanOrEqual(ar, vDelta), vHalf * r * r, vDelta * (ar - vHalfDelta));
            var psi = Vector.Min(Vector.Max(r, -vDelta), vDelta) / s;
            var w0 = psi * x0; var w1 = psi * x1;
            vA += w0; vB += w1; vE += psi * x2;
            vAlpha -= w0 * ln; vBeta -= w1 * ld;
        }
        double sum = Vector.Sum(vSum), ga = Vector.Sum(vA), gb = Vector.Sum(vB), ge = Vector.Sum(vE);
        double gAlpha = Vector.Sum(vAlpha), gBeta = Vector.Sum(vBeta);
        for (; i < n; i++)
        {
            double t0 = a - alpha * lnN[i], t1 = b - beta * lnD[i];
            double m = Math.Max(Math.Max(t0, t1), e);
            double x0 = Math.Exp(t0 - m), x1 = Math.Exp(t1 - m), x2 = Math.Exp(e - m);
            double s = x0 + x1 + x2;
            double r = m + Math.Log(s) - lnL[i];
            double ar = Math.Abs(r);
            sum += ar <= delta ? 0.5 * r * r : delta * (ar - 0.5 * delta);
            double psi = Math.Clamp(r, -delta, delta) / s;
            double w0 = psi * x0, w1 = psi * x1;
            ga += w0; gb += w1; ge += psi * x2;
            gAlpha -= w0 * lnN[i];
            gBeta -= w1 * lnD[i];
        }
        g[0] = ga; g[1] = gb; g[2] = ge; g[3] = gAlpha; g[4] = gBeta;
        return sum;
    };
}
