namespace MiniTransformer.Fitting;

/// <summary>
/// L(x) = E + A·(x/x0)^(−α) with x0 = median(x), fitted on (E, ln A, ln α) inside bounds with a Huber loss
/// (δ = 1.4826·MAD(y), fallback 0.1·std) from ~40 starts (offsets at quantiles of y and below min(y), each with a
/// log-linear (A, α); then random starts from a seeded Philox stream); the best objective is kept.
/// </summary>
public static class PowerLawFit
{
    public static CurveFit Fit(IReadOnlyList<double> x, IReadOnlyList<double> y, CurveFitOptions? options = null) =>
        CurveFitter.Fit(CurveModel.For(CurveForm.PowerLaw), new CurveData(x, y), options ?? new());

    /// <summary>L(x) = A·(x/x0)^(−α): the law without an irreducible term, for comparison.</summary>
    public static CurveFit FitNoOffset(IReadOnlyList<double> x, IReadOnlyList<double> y, CurveFitOptions? options = null) =>
        CurveFitter.Fit(CurveModel.For(CurveForm.PowerLawNoOffset), new CurveData(x, y), options ?? new());
}
