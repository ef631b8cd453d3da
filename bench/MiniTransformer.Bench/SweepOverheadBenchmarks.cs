using BenchmarkDotNet.Attributes;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.Data.Graphs;
using MiniTransformer.Sweeps;
using MiniTransformer.Training;

namespace MiniTransformer.Bench;

/// <summary>
/// What a sweep adds to each run beyond training (issue 6 target: under 50 ms). Both benchmarks execute the same
/// tiny run (the quick preset's graph and shapes, width 16, one optimizer step, one 6-batch test evaluation):
/// <list type="bullet">
/// <item>"whole run through the sweep": SweepExecutor on a one-run plan — store row marked running, backend made,
///   options built, the trainer, run record, curve and row written to SQLite (WAL), progress reported;</item>
/// <item>"trainer alone" (baseline): the trainer (with its device walk streams) constructed and run to its end, and its
///   record built.</item>
/// </list>
/// The per-run overhead is the difference of the two medians. Each sweep invocation gets a fresh run id (the
/// learning rate moves by 1e-12) so the store never skips it as finished.
/// </summary>
[MedianColumn]
public class SweepOverheadBenchmarks
{
    private string _dir = null!;
    private GraphWalkRunExecutor _executor = null!;
    private ResultsStore _store = null!;
    private RunConfig _run = null!;
    private int _invocation;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("mt-sweep-overhead-").FullName;
        var data = new DataSpec { Graph = new GraphSpec(GraphSpec.ErGnm, 256, Edges: 1_024, Seed: 1), SequenceLength = 32, TestTokens = 6 * 16 * 31 };
        const int batch = 16;
        long tokens = batch * (data.SequenceLength - 1);
        _executor = new GraphWalkRunExecutor(SweepData.Prepare(data, _dir));
        _store = new ResultsStore(Path.Combine(_dir, ResultsStore.FileName));
        _run = new RunConfig(data, Layers: 2, Width: 16, Heads: null, Param: "mup", BaseWidth: 16, Positions: "rope", TiedEmbeddings: true,
            Tokens: tokens, LearningRate: 0.01, Seed: 0, Batch: batch, EvalPoints: 1, WarmupFraction: 0.02, WeightDecay: 0.01,
            GradClip: 1.0, Backend: "cpu");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Description = "whole run through the sweep")]
    public SweepProgress WholeRun()
    {
        var run = _run with { LearningRate = _run.LearningRate + ++_invocation * 1e-12 };
        return SweepExecutor.Run("overhead", [run], _store, _executor, workers: 1);
    }

    [Benchmark(Baseline = true, Description = "trainer alone")]
    public RunRecord TrainerAlone()
    {
        using var backend = new CpuBackend(Environment.ProcessorCount);
        using var trainer = _executor.StartTrainer(backend, _run, _executor.OptionsFor(_run));
        while (!trainer.Finished) trainer.RunSteps(16);
        return trainer.Record();
    }
}
