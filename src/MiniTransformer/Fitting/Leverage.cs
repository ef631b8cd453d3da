using MathNet.Numerics.LinearAlgebra;

namespace MiniTransformer.Fitting;

/// <summary>
/// Residuals of a fitted model are smaller than the noise that made them — each point pulls the fit toward
/// itself by its leverage h_ii, the diagonal of the hat matrix J(JᵀJ)⁻¹Jᵀ of the linearised model — so a wild
/// bootstrap on raw residuals gives intervals that are too narrow for small n. We resample the HC3-transformed
/// residuals r_i / (1 − h_ii) (MacKinnon &amp; White 1985; the small-sample choice of Davidson &amp; Flachaire 2008).
/// Measured, not assumed: on 16-point power laws the 95% BCa interval of α covered the truth 88.5% of the time
/// with the HC2 transform r_i / √(1 − h_ii) and near nominal with HC3 (docs/PERF.md, CoverageTests).
/// </summary>
public static class Leverage
{
    /// <summary>r_i / (1 − h_ii); falls back to the uniform √(n/(n − k)) when JᵀJ is singular or some h_ii ≈ 1.</summary>
    public static double[] Inflate(double[] residuals, double[,] jacobian)
    {
        int n = residuals.Length, k = jacobian.GetLength(1);
        double uniform = Math.Sqrt((double)n / Math.Max(1, n - k));
        var fallback = residuals.Select(r => r * uniform).ToArray();
        var j = Matrix<double>.Build.DenseOfArray(jacobian);
        // column scaling makes the Gram matrix well conditioned without changing the hat matrix
        var scale = Enumerable.Range(0, k).Select(c => j.Column(c).L2Norm()).ToArray();
        if (scale.Any(s => !(s > 0) || !double.IsFinite(s))) return fallback;
        for (int c = 0; c < k; c++) j.SetColumn(c, j.Column(c) / scale[c]);
        var qr = j.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
        if (Math.Abs(qr.R.Diagonal().AbsoluteMinimum()) < 1e-12) return fallback;
        var q = qr.Q;
        var inflated = new double[n];
        for (int i = 0; i < n; i++)
        {
            double h = q.Row(i).DotProduct(q.Row(i));
            if (h > 1 - 1e-6) return fallback;
            inflated[i] = residuals[i] / (1 - h);
        }
        return inflated;
    }
}
