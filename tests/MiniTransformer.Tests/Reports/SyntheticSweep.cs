using MiniTransformer.IO;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Tests.Reports;

/// <summary>
/// A sweep directory written by hand: spec.json plus a results store whose losses follow a known surface
/// L = E + A·N^(−α) + B·D^(−β) exactly, so every plotted value and fitted exponent is known in advance. Two
/// learning rates (the second worse by 0.1) and two seeds (the second worse by 0.02), one failed and one diverged run.
/// </summary>
public static class SyntheticSweep
{
    public const double E = 1.5, A = 40, Alpha = 0.35, B = 60, Beta = 0.3;
    public static readonly int[] Widths = [16, 32, 64, 128];
    public static readonly long[] NonEmbedding = [10_000, 40_000, 160_000, 640_000];
    public static readonly long[] Tokens = [10_000, 20_000, 40_000, 80_000];
    public const string FailureReason = "<img src=x onerror=alert(1)> out of memory & \"more\"";
    public const string DivergenceReason = "loss became NaN at step 12";

    public static double Loss(double n, double d) => E + A * Math.Pow(n, -Alpha) + B * Math.Pow(d, -Beta);

    public static SweepSpec Spec(bool withRuns) => new()
    {
        Name = "synthetic",
        Model = new ModelGridSpec { Layers = [2], Widths = Widths, BaseWidth = 16 },
        Tokens = Tokens,
        LearningRates = [0.01, 0.03],
        Seeds = [0, 1],
        Batch = 4,
        Data = new DataSpec { SequenceLength = 50, TestTokens = 1000 },
    };

    public static readonly double[] ComputeBudgets = [6e9, 6e10];

    /// <summary>The IsoFLOP variant: compute budgets C, each model trained on D = C/(6N).</summary>
    public static string CreateIsoFlop()
    {
        var dir = Directory.CreateTempSubdirectory("mt-report-iso-").FullName;
        var spec = Spec(true) with { Tokens = null, Compute = ComputeBudgets, LearningRates = [0.01], Seeds = [0] };
        AtomicFile.WriteAllText(Path.Combine(dir, "spec.json"), Json.Serialize(spec), force: false);
        using var store = new ResultsStore(Path.Combine(dir, ResultsStore.FileName));
        foreach (var c in ComputeBudgets)
            for (int w = 0; w < Widths.Length; w++)
            {
                long n = NonEmbedding[w], d = (long)(c / (6.0 * n));
                double loss = Loss(n, d);
                var metrics = new RunMetrics(n, n, d, loss, loss, 6.0 * n * d, 6.0 * n * d, 6.0 * n * d, E, 1.0, d);
                store.Write(spec.Name, Config(spec, Widths[w], d, 0.01, 0), new RunOutcome(RunStatus.Done, null, metrics, [], null));
            }
        return dir;
    }

    public static string Create(bool done = true)
    {
        var dir = Directory.CreateTempSubdirectory("mt-report-").FullName;
        var spec = Spec(done);
        AtomicFile.WriteAllText(Path.Combine(dir, "spec.json"), Json.Serialize(spec), force: false);
        using var store = new ResultsStore(Path.Combine(dir, ResultsStore.FileName));
        if (done)
            for (int w = 0; w < Widths.Length; w++)
                foreach (var d in Tokens)
                    foreach (var lr in spec.LearningRates)
                        foreach (var seed in spec.Seeds)
                        {
                            double loss = Loss(NonEmbedding[w], d) + (lr == 0.03 ? 0.1 : 0) + seed * 0.02;
                            long n = NonEmbedding[w], total = n + 256L * Widths[w];
                            var metrics = new RunMetrics(total, n, d, loss, loss + 0.05, 7.0 * n * d, 6.0 * total * d, 6.0 * n * d, E, 1.0, d);
                            store.Write(spec.Name, Config(spec, Widths[w], d, lr, seed), new RunOutcome(RunStatus.Done, null, metrics, [], null));
                        }
        store.Write(spec.Name, Config(spec, 256, 10_000, 0.1, 0), new RunOutcome(RunStatus.Failed, FailureReason, null, [], null));
        store.Write(spec.Name, Config(spec, 256, 20_000, 0.3, 0), new RunOutcome(RunStatus.Diverged, DivergenceReason, null, [], null));
        return dir;
    }

    public static RunConfig Config(SweepSpec s, int width, long tokens, double lr, ulong seed) =>
        new(s.Data, 2, width, null, "mup", 16, "rope", true, tokens, lr, seed, s.Batch, s.EvalPoints, s.WarmupFraction, s.WeightDecay, s.GradClip, s.Backend);
}
