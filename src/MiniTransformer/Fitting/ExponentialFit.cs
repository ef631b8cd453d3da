namespace MiniTransformer.Fitting;

/// <summary>
/// y = a + b·e^(−c·x), fitted like the power law (same Huber δ rule, bounds, multi-start), and the comparison
/// every power-law fit reports: MSE(power law) / MSE(exponential). A ratio well below 1 says the data prefers
/// the power law; above 1, the exponential.
/// </summary>
public static class ExponentialFit
{
    public static CurveFit Fit(IReadOnlyList<double> x, IReadOnlyList<double> y, CurveFitOptions? options = null) =>
        CurveFitter.Fit(CurveModel.For(CurveForm.Exponential), new CurveData(x, y), options ?? new());

    /// <summary>MSE of the power-law fit over MSE of the exponential fit (both on the same points); 0/0 reads as 1.</summary>
    public static double MseRatio(CurveFit powerLaw, CurveFit exponential)
    {
        if (powerLaw.Points != exponential.Points)
            throw new ArgumentException("the two fits must be on the same points");
        if (exponential.Mse == 0) return powerLaw.Mse == 0 ? 1.0 : double.PositiveInfinity;
        return powerLaw.Mse / exponential.Mse;
    }
}
