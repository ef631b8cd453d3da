namespace MiniTransformer.Fitting;

/// <summary>
/// Limited-memory BFGS (Nocedal &amp; Wright, Alg. 7.4/7.5) with a strong-Wolfe line search (Alg. 3.5/3.6), written
/// to allocate nothing per iteration: the surface fits run it from thousands of starts (the Hoffmann grid has
/// 4,500), where MathNet's LimitedMemoryBfgsMinimizer — correct, and kept as a cross-check option — spends
/// more time building vectors and objective-function objects than evaluating a 240-point objective. One instance
/// per thread; <see cref="Minimize"/> reuses its buffers.
/// Stops when ‖g‖∞ ≤ gtol, when an accepted step lowers f by less than ftol·max(|f|, 1) (scipy's factr test), when
/// the line search cannot satisfy the Wolfe conditions (already at the floating-point floor), or after maxIterations.
/// </summary>
internal sealed class Lbfgs
{
    private const double C1 = 1e-4, C2 = 0.9;
    private readonly int _n, _m;
    private readonly double[][] _s, _y;
    private readonly double[] _rho, _alpha, _x, _g, _d, _xt, _gt, _best;

    public Lbfgs(int dimension, int memory = 10)
    {
        _n = dimension; _m = memory;
        _s = new double[memory][]; _y = new double[memory][];
        for (int i = 0; i < memory; i++) { _s[i] = new double[dimension]; _y[i] = new double[dimension]; }
        _rho = new double[memory]; _alpha = new double[memory];
        _x = new double[dimension]; _g = new double[dimension]; _d = new double[dimension];
        _xt = new double[dimension]; _gt = new double[dimension]; _best = new double[dimension];
    }

    public MinimizerRun.Outcome Minimize(MinimizerRun.ValueAndGradient f, ReadOnlySpan<double> start,
                                         double gtol = 1e-12, double ftol = 1e-15, int maxIterations = 1000)
    {
        start.CopyTo(_x);
        double fx = f(_x, _g);
        if (!IsFinite(fx, _g)) return new MinimizerRun.Outcome([], double.PositiveInfinity, 0, false);
        double bestValue = fx;
        _x.CopyTo(_best, 0);
        int stored = 0, head = 0, iteration = 0;
        bool converged = false;
        for (; iteration < maxIterations; iteration++)
        {
            if (NormInf(_g) <= gtol) { converged = true; break; }
            Direction(stored, head);
            double slope = Dot(_g, _d);
            if (!(slope < 0))
            {
                // memory produced an uphill direction (curvature lost to rounding): restart from steepest descent
                stored = 0;
                for (int i = 0; i < _n; i++) _d[i] = -_g[i];
                slope = Dot(_g, _d);
            }
            double step0 = stored == 0 ? Math.Min(1.0, 1.0 / NormInf(_g)) : 1.0;
            if (!LineSearch(f, fx, slope, step0, out double ft)) break;
            if (ft < bestValue) { bestValue = ft; _xt.CopyTo(_best, 0); }

            // curvature pair s = x⁺ − x, y = g⁺ − g, kept only when sᵀy > 0 (always so under strong Wolfe, barring rounding)
            var s = _s[head]; var y = _y[head];
            double sy = 0;
            for (int i = 0; i < _n; i++) { s[i] = _xt[i] - _x[i]; y[i] = _gt[i] - _g[i]; sy += s[i] * y[i]; }
            if (sy > 1e-300)
            {
                _rho[head] = 1.0 / sy;
                head = (head + 1) % _m;
                stored = Math.Min(stored + 1, _m);
            }
            bool flat = fx - ft <= ftol * Math.Max(Math.Max(Math.Abs(fx), Math.Abs(ft)), 1.0);
            _xt.CopyTo(_x, 0); _gt.CopyTo(_g, 0); fx = ft;
            if (flat) { converged = true; break; }
        }
        return new MinimizerRun.Outcome((double[])_best.Clone(), bestValue, iteration, converged);
    }

    /// <summary>Two-loop recursion: d = −H g with H₀ = (sᵀy / yᵀy)·I from the newest pair.</summary>
    private void Direction(int stored, int head)
    {
        for (int i = 0; i < _n; i++) _d[i] = -_g[i];
        if (stored == 0) return;
        for (int k = 1; k <= stored; k++)
        {
            int j = (head - k + _m) % _m;
            _alpha[j] = _rho[j] * Dot(_s[j], _d);
            Axpy(-_alpha[j], _y[j], _d);
        }
        int newest = (head - 1 + _m) % _m;
        double gamma = 1.0 / (_rho[newest] * Dot(_y[newest], _y[newest]));
        for (int i = 0; i < _n; i++) _d[i] *= gamma;
        for (int k = stored; k >= 1; k--)
        {
            int j = (head - k + _m) % _m;
            double beta = _rho[j] * Dot(_y[j], _d);
            Axpy(_alpha[j] - beta, _s[j], _d);
        }
    }

    /// <summary>Strong-Wolfe search along _d from _x; on success the accepted point and gradient are in _xt/_gt.</summary>
    private bool LineSearch(MinimizerRun.ValueAndGradient f, double f0, double slope0, double step, out double fAccepted)
    {
        double prevStep = 0, prevF = f0, prevSlope = slope0;
        for (int i = 0; i < 40; i++)
        {
            double ft = Evaluate(f, step, out double st);
            if (ft > f0 + C1 * step * slope0 || (i > 0 && ft >= prevF))
                return Zoom(f, f0, slope0, prevStep, prevF, prevSlope, step, ft, out fAccepted);
            if (Math.Abs(st) <= -C2 * slope0) { fAccepted = ft; return true; }
            if (st >= 0) return Zoom(f, f0, slope0, step, ft, st, prevStep, prevF, out fAccepted);
            prevStep = step; prevF = ft; prevSlope = st;
            step *= 2;
        }
        fAccepted = double.NaN;
        return false;
    }

    private bool Zoom(MinimizerRun.ValueAndGradient f, double f0, double slope0,
                      double lo, double fLo, double slopeLo, double hi, double fHi, out double fAccepted)
    {
        for (int j = 0; j < 40; j++)
        {
            double width = hi - lo;
            if (Math.Abs(width) <= 1e-16 * Math.Max(Math.Abs(lo), 1e-300)) break;
            // minimiser of the quadratic through (lo, fLo, slopeLo) and (hi, fHi), kept inside the middle 80%
            double denom = 2 * (fHi - fLo - slopeLo * width);
            double step = double.IsFinite(fHi) && denom > 0 ? lo - slopeLo * width * width / denom : lo + 0.5 * width;
            double a = lo + 0.1 * width, b = hi - 0.1 * width;
            step = Math.Clamp(step, Math.Min(a, b), Math.Max(a, b));
            double ft = Evaluate(f, step, out double st);
            if (ft > f0 + C1 * step * slope0 || ft >= fLo) { hi = step; fHi = ft; }
            else
            {
                if (Math.Abs(st) <= -C2 * slope0) { fAccepted = ft; return true; }
                if (st * (hi - lo) >= 0) { hi = lo; fHi = fLo; }
                lo = step; fLo = ft; slopeLo = st;
            }
        }
        // no Wolfe point: accept the best sufficient-decrease point if there is one (lo), else give up
        if (lo > 0 && fLo < f0)
        {
            fAccepted = Evaluate(f, lo, out _);
            return true;
        }
        fAccepted = double.NaN;
        return false;
    }

    private double Evaluate(MinimizerRun.ValueAndGradient f, double step, out double slope)
    {
        for (int i = 0; i < _n; i++) _xt[i] = _x[i] + step * _d[i];
        double v = f(_xt, _gt);
        if (!IsFinite(v, _gt)) { slope = double.NaN; return double.PositiveInfinity; }
        slope = Dot(_gt, _d);
        return v;
    }

    private static bool IsFinite(double v, double[] g)
    {
        if (!double.IsFinite(v)) return false;
        foreach (double x in g) if (!double.IsFinite(x)) return false;
        return true;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += a * x[i];
    }

    private static double NormInf(double[] g)
    {
        double m = 0;
        foreach (double x in g) m = Math.Max(m, Math.Abs(x));
        return m;
    }
}
