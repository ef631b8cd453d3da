using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace MiniTransformer.Fitting;

/// <summary>
/// One local minimisation with MathNet.Numerics' LimitedMemoryBfgsMinimizer (the surface fits' cross-check
/// optimiser), made safe for multi-start use: MathNet throws when its line search cannot make progress or the
/// iteration cap is hit, and the exception does not carry the iterate — so the objective is wrapped to remember
/// the best finite point it was ever evaluated at, and that point is the answer whenever MathNet gives up.
/// Non-finite objective values are reported to MathNet as +∞ so its line search backs off instead of accepting
/// them. <see cref="Outcome"/> and <see cref="ValueAndGradient"/> are what every local optimiser here speaks.
/// </summary>
internal static class MinimizerRun
{
    /// <summary>f(p) with its gradient written into the second argument; returns the value.</summary>
    public delegate double ValueAndGradient(ReadOnlySpan<double> p, Span<double> gradient);

    public readonly record struct Outcome(double[] Point, double Value, int Iterations, bool Converged);

    public static Outcome Unbounded(ValueAndGradient f, double[] start, double gradientTolerance = 1e-10, int maxIterations = 1000, int memory = 10)
    {
        var tracker = new BestTracker(f, start.Length);
        try
        {
            var result = new LimitedMemoryBfgsMinimizer(gradientTolerance, 1e-14, 1e-15, memory, maxIterations)
                .FindMinimum(tracker.Objective, Vector<double>.Build.DenseOfArray(start));
            return tracker.Finish(result.Iterations, true);
        }
        catch (Exception e) when (e is OptimizationException or ArgumentException or ArithmeticException)
        {
            return tracker.Finish(maxIterations, false);
        }
    }

    private sealed class BestTracker
    {
        private readonly ValueAndGradient _f;
        private readonly double[] _gradient;
        private double[]? _bestPoint;
        private double _bestValue = double.PositiveInfinity;
        public readonly IObjectiveFunction Objective;

        public BestTracker(ValueAndGradient f, int dimension)
        {
            _f = f;
            _gradient = new double[dimension];
            Objective = ObjectiveFunction.Gradient(Evaluate);
        }

        private (double, Vector<double>) Evaluate(Vector<double> p)
        {
            var point = p is MathNet.Numerics.LinearAlgebra.Double.DenseVector dense ? dense.Values : p.ToArray();
            double value = _f(point, _gradient);
            bool finite = double.IsFinite(value);
            for (int i = 0; i < _gradient.Length && finite; i++) finite = double.IsFinite(_gradient[i]);
            if (!finite) return (double.PositiveInfinity, Vector<double>.Build.Dense(_gradient.Length));
            if (value < _bestValue)
            {
                _bestValue = value;
                _bestPoint = point.ToArray();
            }
            return (value, Vector<double>.Build.DenseOfArray((double[])_gradient.Clone()));
        }

        public Outcome Finish(int iterations, bool converged) =>
            _bestPoint is null
                ? new Outcome([], double.PositiveInfinity, iterations, false)
                : new Outcome(_bestPoint, _bestValue, iterations, converged);
    }
}
