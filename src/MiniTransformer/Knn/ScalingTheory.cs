using MathNet.Numerics.RootFinding;

namespace MiniTransformer.Knn;

/// <summary>
/// The scaling theory of SCIENCE.md Program B (Brill, arXiv 2412.07942) for clusters with size exponent τ, fractal
/// dimension D and approximation order c (c = 2: piecewise-constant fit, squared error):
/// α = (3−τ)/(τ−2) (the quanta exponent: the k-th largest cluster holds ∝ k^−(α+1) of the data), e = c/D (the
/// manifold exponent). Curves are normalised as in SCIENCE.md; the asymptotic exponents are
/// model: min(α, e); data: min(α/(1+α), e), with a logarithmic correction where the two coincide.
/// Bethe lattice at p_c: τ = 5/2, D = 4 ⇒ α = 1, e = 1/2 = α/(1+α): the logarithmic case. Away from p_c the
/// size distribution is cut off exponentially, the quanta term decays faster than any power and only the manifold
/// baseline remains: D = 4 below p_c (finite clusters of a high-dimensional lattice are branched polymers) and the
/// lattice dimension d above it (SCIENCE.md), see <see cref="ForBethe"/>.
/// </summary>
public sealed record ScalingTheory(double Tau, double FractalDimension, double C)
{
    public double Alpha => (3 - Tau) / (Tau - 2);
    /// <summary>e = c/D, the manifold exponent.</summary>
    public double ManifoldExponent => C / FractalDimension;
    /// <summary>α/(1+α), the quanta data exponent.</summary>
    public double QuantaDataExponent => Alpha / (1 + Alpha);
    /// <summary>b = 1 − (α+1)/(c/D + 1) of the capacity allocation n_k ∝ k^(b−1).</summary>
    public double AllocationExponent => 1 - (Alpha + 1) / (ManifoldExponent + 1);

    public double ModelExponent => Math.Min(Alpha, ManifoldExponent);
    public double DataExponent => Math.Min(QuantaDataExponent, ManifoldExponent);
    /// <summary>True when the two data terms share an exponent (to 1e−9) and the logarithmic form applies.</summary>
    public bool DataIsLogarithmic => Math.Abs(ManifoldExponent - QuantaDataExponent) < 1e-9;

    public void Validate()
    {
        if (!(Tau > 2 && Tau < 3)) throw new UserInputException($"τ must lie in (2, 3) for a finite α = (3−τ)/(τ−2) > 0 (got {Tau})");
        if (!(FractalDimension > 0)) throw new UserInputException($"the fractal dimension D must be positive (got {FractalDimension})");
        if (!(C > 0)) throw new UserInputException($"the approximation order c must be positive (got {C})");
    }

    public static ScalingTheory BetheCritical { get; } = new(2.5, 4, 2);

    /// <summary>
    /// The theory a Bethe-lattice run at p should be compared with: the full theory at p_c (to 1e−9 relative), else
    /// a manifold-only description (τ enters no more) with D = 4 below p_c and D = z/2 (the lattice dimension) above.
    /// </summary>
    public static (ScalingTheory Theory, bool ManifoldOnly) ForBethe(int z, double p)
    {
        double pc = 1.0 / (z - 1);
        if (Math.Abs(p - pc) <= 1e-9 * pc) return (BetheCritical, false);
        return (new ScalingTheory(2.5, p < pc ? 4 : z / 2.0, 2), true);
    }

    /// <summary>
    /// The theory clusters of a lattice are compared with: <see cref="ForBethe"/> for a Bethe lattice, else a
    /// manifold-only description with D = the lattice dimension; then the user's overrides. Giving τ asks for the full
    /// theory (quanta terms included) whatever the lattice. Shared by the `knn` verbs and k-NN sweeps.
    /// </summary>
    public static (ScalingTheory Theory, bool ManifoldOnly) ForLattice(string lattice, int? z, double p, int dimension,
        double? tau = null, double? fractalDimension = null, double c = 2)
    {
        var (theory, manifoldOnly) = lattice == "bethe" ? ForBethe(z ?? 200, p) : (new ScalingTheory(2.5, dimension, 2), true);
        if (tau is { } t) { theory = theory with { Tau = t }; manifoldOnly = false; }
        if (fractalDimension is { } d) theory = theory with { FractalDimension = d };
        theory = theory with { C = c };
        theory.Validate();
        return (theory, manifoldOnly);
    }

    // ---- model scaling -------------------------------------------------------------------------------------

    /// <summary>
    /// k_br solving N = k_br(1 − k_br^−b)/b — i.e. the cluster whose allocation n_k falls to one degree of freedom —
    /// with the b → 0 limit N = k_br·ln k_br. Found by Brent's method on ln k_br.
    /// </summary>
    public double BreakRank(double n)
    {
        if (!(n > 0)) throw new ArgumentOutOfRangeException(nameof(n));
        double b = AllocationExponent;
        double F(double logK)
        {
            double k = Math.Exp(logK);
            return (Math.Abs(b) < 1e-12 ? k * logK : k * -ExpM1(-b * logK) / b) - n;
        }
        double hi = 1;
        while (F(hi) < 0) hi *= 2;
        return Math.Exp(Brent.FindRoot(F, 0, hi, 1e-13, 500));
    }

    /// <summary>N at which k_br = <paramref name="k"/> (the inverse of <see cref="BreakRank"/>).</summary>
    public double DegreesOfFreedomAtBreak(double k)
    {
        double b = AllocationExponent, logK = Math.Log(k);
        return Math.Abs(b) < 1e-12 ? k * logK : k * -ExpM1(-b * logK) / b;
    }

    /// <summary>n_k = b·N·k^(b−1)/(k_br^b − 1) for k &lt; k_br, else 0 (b → 0: N/(k·ln k_br)).</summary>
    public double Allocation(double n, double kBreak, int k)
    {
        if (k >= kBreak) return 0;
        double b = AllocationExponent;
        if (Math.Abs(b) < 1e-12) return n / (k * Math.Log(kBreak));
        return b * n * Math.Pow(k, b - 1) / ExpM1(b * Math.Log(kBreak));
    }

    /// <summary>L(N) ∝ (N/k_br + 1/α)·k_br^−α, normalised to 1 at N = 1.</summary>
    public double ModelLoss(double n) => UnnormalisedModelLoss(n) / UnnormalisedModelLoss(1);

    private double UnnormalisedModelLoss(double n)
    {
        double k = BreakRank(n);
        return (n / k + 1 / Alpha) * Math.Pow(k, -Alpha);
    }

    // ---- data scaling --------------------------------------------------------------------------------------

    /// <summary>
    /// L(𝒟) = A·𝒟^−a + B·𝒟^−e with a = α/(1+α), e = c/D, A = α^(−a−1)/(1 − a/e), B = α^(−e−1)/(1 − e/a);
    /// at e = a the limit α^(−a−1)·𝒟^−a·(1 + a·ln(α𝒟)). Evaluated in the equivalent form
    /// f(a)·[1 − a·expm1(−(e−a)·ln(α𝒟))/(e−a)] with f(s) = α^(−s−1)·𝒟^−s, which has no cancellation as e → a
    /// (A and B each diverge there with opposite signs).
    /// </summary>
    public double DataLoss(double d)
    {
        double a = QuantaDataExponent, e = ManifoldExponent, alpha = Alpha;
        double fa = Math.Pow(alpha, -a - 1) * Math.Pow(d, -a);
        double logAlphaD = Math.Log(alpha * d), delta = e - a;
        double ratio = delta == 0 ? -logAlphaD : ExpM1(-delta * logAlphaD) / delta;
        return fa * (1 - a * ratio);
    }

    /// <summary>
    /// e^x − 1 accurate to a few ulps near 0 (Kahan's trick). .NET's double.ExpM1 is Exp(x) − 1, which loses all
    /// digits exactly where the logarithmic limit needs them.
    /// </summary>
    internal static double ExpM1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1.0) return x;
        double um1 = u - 1.0;
        if (um1 == -1.0) return -1.0;
        return um1 * x / Math.Log(u);
    }

    // ---- the two baselines the theory unifies ----------------------------------------------------------------

    public double QuantaModelLoss(double n) => Math.Pow(n, -Alpha);
    public double QuantaDataLoss(double d) => Math.Pow(d, -QuantaDataExponent);
    public double ManifoldLoss(double x) => Math.Pow(x, -ManifoldExponent);
}
