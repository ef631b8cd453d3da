namespace MiniTransformer.Fitting;

/// <summary>Which unconstrained quasi-Newton method the surface fits run from each start.</summary>
public enum LocalOptimizer
{
    /// <summary>The project's allocation-free L-BFGS (<see cref="Lbfgs"/>): the default, ~an order of magnitude faster per start.</summary>
    Lbfgs,
    /// <summary>MathNet.Numerics' LimitedMemoryBfgsMinimizer, kept to cross-check the default.</summary>
    MathNetLbfgs,
}

/// <summary>
/// Runs one local minimisation per start in parallel and keeps the lowest objective, ties to the earliest start —
/// so the winner does not depend on thread count or scheduling.
/// </summary>
internal static class MultiStart
{
    public static (MinimizerRun.Outcome Best, int Index) Run(IReadOnlyList<double[]> starts, int dimension, MinimizerRun.ValueAndGradient objective,
                                                             LocalOptimizer optimizer, int maxDegreeOfParallelism)
    {
        var outcomes = new MinimizerRun.Outcome[starts.Count];
        Parallel.For(0, starts.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => new Lbfgs(dimension),
            (i, _, lbfgs) =>
            {
                outcomes[i] = optimizer == LocalOptimizer.Lbfgs ? lbfgs.Minimize(objective, starts[i]) : MinimizerRun.Unbounded(objective, starts[i]);
                return lbfgs;
            },
            _ => { });
        int best = -1;
        for (int i = 0; i < outcomes.Length; i++)
            if (outcomes[i].Point.Length > 0 && (best < 0 || outcomes[i].Value < outcomes[best].Value)) best = i;
        if (best < 0) throw new UserInputException("no start reached a finite objective");
        return (outcomes[best], best);
    }
}
