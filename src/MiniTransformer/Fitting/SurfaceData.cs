namespace MiniTransformer.Fitting;

/// <summary>Scaling points in the log space the surface objectives work in: ln N, ln D, ln L as flat arrays.</summary>
internal sealed class SurfaceData
{
    public readonly double[] LnN, LnD, LnL;
    public int Count => LnL.Length;

    public SurfaceData(IReadOnlyList<ScalingPoint> points)
    {
        LnN = points.Select(p => Math.Log(p.N)).ToArray();
        LnD = points.Select(p => Math.Log(p.D)).ToArray();
        LnL = points.Select(p => Math.Log(p.Loss)).ToArray();
    }

    public SurfaceData(double[] lnN, double[] lnD, double[] lnL) => (LnN, LnD, LnL) = (lnN, lnD, lnL);
}

/// <summary>
/// Runs one local minimisation per start in parallel and keeps the lowest objective, ties to the earliest start —
/// so the winner does not depend on thread count or scheduling.
/// </summary>
internal static class MultiStart
{
    public static (MinimizerRun.Outcome Best, int Index) Run(IReadOnlyList<double[]> starts, Func<double[], MinimizerRun.Outcome> local, int maxDegreeOfParallelism)
    {
        var outcomes = new MinimizerRun.Outcome[starts.Count];
        Parallel.For(0, starts.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, i => outcomes[i] = local(starts[i]));
        int best = -1;
        for (int i = 0; i < outcomes.Length; i++)
            if (outcomes[i].Point.Length > 0 && (best < 0 || outcomes[i].Value < outcomes[best].Value)) best = i;
        if (best < 0) throw new UserInputException("no start reached a finite objective");
        return (outcomes[best], best);
    }
}
