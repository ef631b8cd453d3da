namespace MiniTransformer.Fitting;

/// <summary>
/// Projected BFGS for the small box-constrained problems of the 1-D curve fits (2–3 parameters): Bertsekas'
/// projected quasi-Newton step (1982) with a dense inverse-Hessian approximation H. At each iterate the variables
/// held at a bound by their gradient are fixed; the others move along −H_ff·g_f; the step is projected back into
/// the box and accepted by an Armijo backtracking test along the projection arc, f(P(x + t·d)) ≤ f(x) + c₁·gᵀ(P(x + t·d) − x).
/// H gets the BFGS inverse update whenever sᵀy &gt; 0. When a quasi-Newton step finds no decrease, H is reset and
/// the projected steepest-descent step (always a descent direction) is tried before giving up.
/// It replaces MathNet's BfgsBMinimizer in <see cref="CurveFitter"/>: the same local problem, but it allocates
/// nothing per iteration and never unwinds an exception to stop — MathNet's spends ~90 KB and, at a bound, often an
/// exception per run, which made a 4,000-resample bootstrap of a 5-point slice cost seconds.
/// Stops when the projected gradient's ∞-norm is ≤ gtol, when an accepted step lowers f by less than
/// ftol·max(|f|, 1), when no step along either direction decreases f, or after maxIterations. Not thread-safe:
/// one instance per thread (or per call).
/// </summary>
internal sealed class BoxBfgs
{
    private const double C1 = 1e-4;
    private readonly int _n;
    private readonly double[] _h, _x, _g, _xt, _gt, _d, _s, _y, _hy;
    private readonly bool[] _free;

    public BoxBfgs(int dimension)
    {
        _n = dimension;
        _h = new double[dimension * dimension];
        _x = new double[dimension]; _g = new double[dimension]; _xt = new double[dimension]; _gt = new double[dimension];
        _d = new double[dimension]; _s = new double[dimension]; _y = new double[dimension]; _hy = new double[dimension];
        _free = new bool[dimension];
    }

    public MinimizerRun.Outcome Minimize(MinimizerRun.ValueAndGradient f, ReadOnlySpan<double> start, double[] lower, double[] upper,
                                         double gtol = 1e-10, double ftol = 1e-15, int maxIterations = 500)
    {
        for (int i = 0; i < _n; i++) _x[i] = Math.Clamp(start[i], lower[i], upper[i]);
        double fx = f(_x, _g);
        if (!IsFinite(fx, _g)) return new MinimizerRun.Outcome([], double.PositiveInfinity, 0, false);
        ResetHessian();
        bool scaled = false, converged = false;
        int iteration = 0;
        for (; iteration < maxIterations; iteration++)
        {
            double projected = FreeVariables(lower, upper);
            if (projected <= gtol) { converged = true; break; }
            bool steepest = !scaled;
            double slope = QuasiNewtonDirection();
            if (!(slope < 0)) { ResetHessian(); scaled = false; steepest = true; slope = QuasiNewtonDirection(); }
            double step0 = steepest ? Math.Min(1.0, 1.0 / projected) : 1.0;
            if (!LineSearch(f, fx, step0, lower, upper, out double ft))
            {
                if (steepest) break; // no decrease even along the projected gradient: at the floating-point floor
                ResetHessian(); scaled = false;
                QuasiNewtonDirection();
                if (!LineSearch(f, fx, Math.Min(1.0, 1.0 / projected), lower, upper, out ft)) break;
            }
            double sy = 0, yy = 0;
            for (int i = 0; i < _n; i++)
            {
                _s[i] = _xt[i] - _x[i]; _y[i] = _gt[i] - _g[i];
                sy += _s[i] * _y[i]; yy += _y[i] * _y[i];
            }
            if (sy > 1e-300 && yy > 0)
            {
                if (!scaled) { ScaleHessian(sy / yy); scaled = true; } // Nocedal & Wright (6.20): H₀ = (sᵀy / yᵀy)·I
                Update(sy);
            }
            bool flat = fx - ft <= ftol * Math.Max(Math.Max(Math.Abs(fx), Math.Abs(ft)), 1.0);
            _xt.CopyTo(_x, 0); _gt.CopyTo(_g, 0); fx = ft;
            if (flat) { converged = true; break; }
        }
        return new MinimizerRun.Outcome((double[])_x.Clone(), fx, iteration, converged);
    }

    /// <summary>Marks the variables not pinned at a bound by their gradient; returns the projected gradient's ∞-norm.</summary>
    private double FreeVariables(double[] lower, double[] upper)
    {
        double norm = 0;
        for (int i = 0; i < _n; i++)
        {
            _free[i] = !((_x[i] <= lower[i] && _g[i] > 0) || (_x[i] >= upper[i] && _g[i] < 0));
            if (_free[i]) norm = Math.Max(norm, Math.Abs(_g[i]));
        }
        return norm;
    }

    /// <summary>d_f = −H_ff·g_f on the free variables, 0 on the pinned ones; returns gᵀd.</summary>
    private double QuasiNewtonDirection()
    {
        double slope = 0;
        for (int i = 0; i < _n; i++)
        {
            double v = 0;
            if (_free[i])
                for (int j = 0; j < _n; j++)
                    if (_free[j]) v -= _h[i * _n + j] * _g[j];
            _d[i] = v;
            slope += _g[i] * v;
        }
        return slope;
    }

    /// <summary>Armijo backtracking along P(x + t·d); on success the accepted point and gradient are in _xt/_gt.</summary>
    private bool LineSearch(MinimizerRun.ValueAndGradient f, double f0, double step, double[] lower, double[] upper, out double fAccepted)
    {
        for (int k = 0; k < 60; k++, step *= 0.5)
        {
            double decrease = 0;
            bool moved = false;
            for (int i = 0; i < _n; i++)
            {
                _xt[i] = Math.Clamp(_x[i] + step * _d[i], lower[i], upper[i]);
                decrease += _g[i] * (_xt[i] - _x[i]);
                moved |= _xt[i] != _x[i];
            }
            if (!moved) break; // the step has shrunk below the spacing of doubles
            double ft = f(_xt, _gt);
            if (IsFinite(ft, _gt) && decrease < 0 && ft <= f0 + C1 * decrease) { fAccepted = ft; return true; }
        }
        fAccepted = double.NaN;
        return false;
    }

    /// <summary>H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ with ρ = 1/sᵀy, written out as H − ρ(s (Hy)ᵀ + (Hy) sᵀ) + (ρ² yᵀHy + ρ) s sᵀ.</summary>
    private void Update(double sy)
    {
        double rho = 1.0 / sy, yhy = 0;
        for (int i = 0; i < _n; i++)
        {
            double v = 0;
            for (int j = 0; j < _n; j++) v += _h[i * _n + j] * _y[j];
            _hy[i] = v;
            yhy += _y[i] * v;
        }
        double c = rho * rho * yhy + rho;
        for (int i = 0; i < _n; i++)
            for (int j = 0; j < _n; j++)
                _h[i * _n + j] += -rho * (_s[i] * _hy[j] + _hy[i] * _s[j]) + c * _s[i] * _s[j];
    }

    private void ResetHessian() => ScaleHessian(1.0);

    private void ScaleHessian(double gamma)
    {
        Array.Clear(_h);
        for (int i = 0; i < _n; i++) _h[i * _n + i] = gamma;
    }

    private static bool IsFinite(double v, double[] g)
    {
        if (!double.IsFinite(v)) return false;
        foreach (double x in g) if (!double.IsFinite(x)) return false;
        return true;
    }
}
