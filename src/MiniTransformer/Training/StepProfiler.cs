using System.Diagnostics;
using MiniTransformer.Compute;
using MiniTransformer.Model;
using MiniTransformer.Randomness;

namespace MiniTransformer.Training;

/// <summary>One op name's share of a profiled training step.</summary>
public sealed record OpProfile(string Op, long Launches, double Seconds, long Flops, long Bytes)
{
    public double GflopsPerSecond => Seconds > 0 ? Flops / Seconds / 1e9 : 0;
    public double GigabytesPerSecond => Seconds > 0 ? Bytes / Seconds / 1e9 : 0;
}

/// <summary>
/// A profiled training step: <see cref="StepSeconds"/> is the median wall time of un-instrumented steps (forward,
/// backward, AdamW), <see cref="Ops"/> the per-op times of one step run with the ledger synchronising around every op,
/// and <see cref="GemmShapes"/> that step's GEMM time split by shape (<see cref="GemmSpec.Describe"/>).
/// </summary>
/// <param name="WarmupSteps">Steps run before timing: until the JIT had compiled nothing new for a few steps.</param>
/// <param name="CpuSecondsPerStep">Process CPU time per timed step (all threads): on a shared machine, tokens per CPU-second
/// is the rate least disturbed by other work.</param>
public sealed record StepProfile(GptConfig Config, int BatchSize, string Backend, long Parameters, long FlopsPerStep,
    double StepSeconds, double TokensPerSecond, double CpuSecondsPerStep, int WarmupSteps, IReadOnlyList<OpProfile> Ops,
    IReadOnlyList<OpProfile> GemmShapes)
{
    public double GflopsPerSecond => FlopsPerStep / StepSeconds / 1e9;
}

/// <summary>Times training steps of a model on random tokens (uniform over the vocabulary; values do not change the work).</summary>
public static class StepProfiler
{
    /// <summary>Steps, and seconds, without a JIT compilation after which the code counts as warm. The seconds cover
    /// tiered compilation's call-counting delay (100 ms, restarted by every new method), so a quiet stretch is not just
    /// the JIT waiting to promote the hot methods.</summary>
    private const int QuietSteps = 3;
    private const double QuietSeconds = 0.5;

    /// <summary>Bound on the warm-up when something keeps compiling.</summary>
    private const double MaxWarmupSeconds = 30;

    public static StepProfile Profile(ComputeBackend backend, GptConfig config, int batchSize, ulong seed, int timedSteps = 5)
    {
        using var model = new Gpt(backend, config, batchSize);
        using var optimizer = new AdamWOptimizer(model, new AdamWSettings());
        backend.Upload<float>(GptInitializer.Initialize(model.Layout, seed), model.Parameters);
        var inputs = new int[model.Rows];
        var targets = new int[model.Rows];
        for (int i = 0; i < inputs.Length; i++)
        {
            var (r0, r1, _, _) = Philox.Draw(seed, 1, (ulong)i);
            inputs[i] = (int)((ulong)r0 * (ulong)config.VocabSize >> 32);
            targets[i] = (int)((ulong)r1 * (ulong)config.VocabSize >> 32);
        }
        model.SetBatch(inputs, targets);

        void Step()
        {
            model.Forward(training: true);
            model.Backward();
            optimizer.Step(1e-4f);
        }

        // Tiered compilation runs the first calls of every method as quickly-jitted code and recompiles the hot ones on a
        // background thread; on two cores that thread takes one of them. A fixed two-step warm-up timed steps that still
        // ran partly unoptimised code beside the JIT (≈ 1.8× the CPU time per step of the settled code at width 128), so
        // warm up until the process has compiled nothing for QuietSteps steps and QuietSeconds.
        int warmup = 0, quiet = 0;
        var warm = Stopwatch.StartNew();
        var quietSince = TimeSpan.Zero;
        while ((quiet < QuietSteps || (warm.Elapsed - quietSince).TotalSeconds < QuietSeconds) && warm.Elapsed.TotalSeconds < MaxWarmupSeconds)
        {
            long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            Step();
            warmup++;
            if (System.Runtime.JitInfo.GetCompiledMethodCount() == compiled) quiet++;
            else (quiet, quietSince) = (0, warm.Elapsed);
        }
        var times = new double[Math.Max(1, timedSteps)];
        var process = Process.GetCurrentProcess();
        var cpuStart = process.TotalProcessorTime;
        for (int i = 0; i < times.Length; i++)
        {
            var sw = Stopwatch.StartNew();
            Step();
            backend.Synchronize();
            times[i] = sw.Elapsed.TotalSeconds;
        }
        process.Refresh();
        double cpuPerStep = (process.TotalProcessorTime - cpuStart).TotalSeconds / times.Length;
        Array.Sort(times);
        double median = times[times.Length / 2];

        var ledger = new OpLedger { TimeEachOp = true, RecordGemmShapes = true };
        backend.Ledger = ledger;
        try { Step(); }
        finally { backend.Ledger = null; }
        return new StepProfile(config, batchSize, $"{backend.Kind.ToString().ToLowerInvariant()} ({backend.Info.Name})",
            model.Layout.Count, ledger.Total.Flops, median, model.Rows / median, cpuPerStep, warmup, Slowest(ledger.Totals),
            Slowest(ledger.GemmShapes));
    }

    private static List<OpProfile> Slowest(IReadOnlyDictionary<string, OpTotals> totals) => totals
        .Select(kv => new OpProfile(kv.Key, kv.Value.Launches, kv.Value.Elapsed.TotalSeconds, kv.Value.Cost.Flops, kv.Value.Cost.Bytes))
        .OrderByDescending(o => o.Seconds).ToList();
}
