namespace MiniTransformer.Fitting;

/// <summary>The 1-D laws y(x) the curve fitter knows. Parameters are always reported in natural units of x and y.</summary>
public enum CurveForm
{
    /// <summary>y = E + A·(x/x0)^(−α), x0 = median(x); parameters (E, A, alpha).</summary>
    PowerLaw,
    /// <summary>y = A·(x/x0)^(−α) — the no-offset law, for comparison; parameters (A, alpha).</summary>
    PowerLawNoOffset,
    /// <summary>y = a + b·e^(−c·x); parameters (a, b, c), c in units of 1/x.</summary>
    Exponential,
}
