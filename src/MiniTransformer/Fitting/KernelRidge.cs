using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace MiniTransformer.Fitting;

/// <summary>
/// Kernel ridge regression of ln L on standardised (ln N, ln D) with the ANOVA-RBF kernel
/// k(x, x') = Π_d (1 + exp(−(x_d − x'_d)²/(2ℓ²))) − 1 — the sum of all main effects and their interaction, so a
/// separable law like E + A/N^α + B/D^β is representable without the full 2-D RBF's curse. The length scale ℓ and
/// ridge λ are chosen on the training points by exact leave-one-out error (e_i = c_i / (K + λI)⁻¹_ii), so the
/// fit needs no held-out data of its own. A nonparametric yardstick for the parametric forms, not an extrapolator.
/// </summary>
public sealed class KernelRidge : ISurfaceFit
{
    private static readonly double[] LengthScales = [0.25, 0.5, 1.0, 2.0];
    private static readonly double[] Ridges = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1];

    private readonly double[][] _z;
    private readonly double[] _coef;
    private readonly double[] _mean, _scale;
    private readonly double _yMean;

    public string Form => "kernel_ridge";
    public double LengthScale { get; }
    public double Ridge { get; }
    public double LooMse { get; }
    public IReadOnlyDictionary<string, double> Parameters => new Dictionary<string, double>
    {
        ["length_scale"] = LengthScale, ["ridge"] = Ridge, ["loo_mse_log_loss"] = LooMse,
    };

    private KernelRidge(double[][] z, double[] coef, double[] mean, double[] scale, double yMean, double length, double ridge, double loo)
        => (_z, _coef, _mean, _scale, _yMean, LengthScale, Ridge, LooMse) = (z, coef, mean, scale, yMean, length, ridge, loo);

    public static KernelRidge Fit(IReadOnlyList<ScalingPoint> points)
    {
        ScalingPoint.Validate(points, 2, "kernel ridge regression");
        var raw = points.Select(p => new[] { Math.Log(p.N), Math.Log(p.D) }).ToArray();
        var mean = new double[2]; var scale = new double[2];
        for (int d = 0; d < 2; d++)
        {
            mean[d] = raw.Average(r => r[d]);
            scale[d] = Math.Sqrt(raw.Sum(r => (r[d] - mean[d]) * (r[d] - mean[d])) / raw.Length);
        }
        var z = raw.Select(r => new[] { (r[0] - mean[0]) / scale[0], (r[1] - mean[1]) / scale[1] }).ToArray();
        var lnL = points.Select(p => Math.Log(p.Loss)).ToArray();
        double yMean = lnL.Average();
        var y = Vector<double>.Build.DenseOfEnumerable(lnL.Select(v => v - yMean));
        KernelRidge? best = null;
        foreach (double length in LengthScales)
        {
            // one eigendecomposition K = QΛQᵀ serves every ridge: (K + λI)⁻¹ = Q diag(1/(Λ + λ)) Qᵀ
            var k = Matrix<double>.Build.Dense(z.Length, z.Length, (i, j) => Kernel(z[i], z[j], length));
            var evd = k.Evd(Symmetricity.Symmetric);
            var q = evd.EigenVectors;
            var lambda = evd.EigenValues.Select(v => Math.Max(v.Real, 0)).ToArray();
            var qty = q.TransposeThisAndMultiply(y);
            var q2 = q.PointwiseMultiply(q);
            foreach (double ridge in Ridges)
            {
                var inv = Vector<double>.Build.Dense(lambda.Length, i => 1 / (lambda[i] + ridge));
                var coef = q * qty.PointwiseMultiply(inv);
                var diag = q2 * inv;
                double loo = 0;
                for (int i = 0; i < z.Length; i++) { double e = coef[i] / diag[i]; loo += e * e; }
                loo /= z.Length;
                if (best is null || loo < best.LooMse) best = new KernelRidge(z, coef.ToArray(), mean, scale, yMean, length, ridge, loo);
            }
        }
        return best!;
    }

    public double Predict(double n, double d)
    {
        double[] q = [(Math.Log(n) - _mean[0]) / _scale[0], (Math.Log(d) - _mean[1]) / _scale[1]];
        double s = _yMean;
        for (int i = 0; i < _z.Length; i++) s += _coef[i] * Kernel(q, _z[i], LengthScale);
        return Math.Exp(s);
    }

    internal static double Kernel(double[] a, double[] b, double length)
    {
        double prod = 1;
        for (int d = 0; d < a.Length; d++)
        {
            double t = a[d] - b[d];
            prod *= 1 + Math.Exp(-t * t / (2 * length * length));
        }
        return prod - 1;
    }
}
