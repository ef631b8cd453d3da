using MiniTransformer.Fitting;

namespace MiniTransformer.Tests.Fitting;

/// <summary>The 1-D fits' bounded optimiser against minima worked out by hand (KKT conditions), interior and on a bound.</summary>
public class BoxBfgsTests
{
    private static double Rosenbrock(ReadOnlySpan<double> p, Span<double> g)
    {
        double a = 1 - p[0], b = p[1] - p[0] * p[0];
        g[0] = -2 * a - 400 * p[0] * b;
        g[1] = 200 * b;
        return a * a + 100 * b * b;
    }

    [Fact]
    public void FindsTheInteriorMinimumOfRosenbrock()
    {
        var o = new BoxBfgs(2).Minimize(Rosenbrock, [-1.2, 1.0], [-2, -2], [2, 2]);
        Assert.True(o.Converged);
        Assert.Equal(1.0, o.Point[0], 6);
        Assert.Equal(1.0, o.Point[1], 6);
    }

    [Fact]
    public void StopsOnTheBoundThatHoldsTheMinimum()
    {
        // x1 ≤ 0.5 cuts off (1, 1): on x1 = 0.5 the best x2 is x1² = 0.25, and there ∂f/∂x1 = −2(1 − 0.5) = −1 < 0
        // pushes against the bound, so (0.5, 0.25) is the KKT point, f = 0.25.
        var o = new BoxBfgs(2).Minimize(Rosenbrock, [-1.2, 1.0], [-2, -2], [0.5, 2]);
        Assert.Equal(0.5, o.Point[0], 12);
        Assert.Equal(0.25, o.Point[1], 6);
        Assert.Equal(0.25, o.Value, 9);
    }

    [Fact]
    public void CoupledQuadraticWithOneActiveBound()
    {
        // f = ½(x − c)ᵀQ(x − c), Q = [[2, 0.5], [0.5, 1]], c = (3, −1), box [−1, 1]². With x1 = 1 fixed, ∂f/∂x2 =
        // 0.5(x1 − 3) + (x2 + 1) = 0 gives x2 = 0 (inside); there ∂f/∂x1 = 2(1 − 3) + 0.5(0 + 1) = −3.5 < 0, so
        // the bound x1 ≤ 1 is active and (1, 0) is the constrained minimum. The start lies outside the box (clamped).
        double Quadratic(ReadOnlySpan<double> p, Span<double> g)
        {
            double u = p[0] - 3, v = p[1] + 1;
            g[0] = 2 * u + 0.5 * v;
            g[1] = 0.5 * u + v;
            return 0.5 * (2 * u * u + u * v + v * v);
        }
        var o = new BoxBfgs(2).Minimize(Quadratic, [-5, 7], [-1, -1], [1, 1]);
        Assert.True(o.Converged);
        Assert.Equal(1.0, o.Point[0], 12);
        Assert.Equal(0.0, o.Point[1], 8);
    }

    [Fact]
    public void NonFiniteStartIsReportedAsFailed()
    {
        var o = new BoxBfgs(1).Minimize((p, g) => { g[0] = 0; return double.NaN; }, [0.0], [-1], [1]);
        Assert.Empty(o.Point);
        Assert.False(o.Converged);
    }
}
