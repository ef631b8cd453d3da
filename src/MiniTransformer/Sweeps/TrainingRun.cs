using MiniTransformer.Compute;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.Training;

namespace MiniTransformer.Sweeps;

/// <summary>What every transformer sweep run (graph walks, ladder students) does once its trainer exists.</summary>
internal static class TrainingRun
{
    /// <summary>The run's backend: the CPU one with the run's share of the cores, a device one as it comes.</summary>
    public static ComputeBackend CreateBackend(string name, int threads) => Backends.Parse(name) switch
    {
        BackendKind.Cpu => new CpuBackend(threads),
        var kind => Backends.Create(kind),
    };

    /// <summary>
    /// Trains to the end (cancellation is checked every 16 steps, so a killed sweep stops promptly) and turns the run
    /// record into the store's row and curve. <paramref name="floor"/> is the loss floor stored with the run.
    /// </summary>
    public static RunOutcome Complete(Trainer trainer, double? floor, CancellationToken cancellation)
    {
        while (!trainer.Finished)
        {
            cancellation.ThrowIfCancellationRequested();
            trainer.RunSteps(16);
        }
        var record = trainer.Record();
        var metrics = new RunMetrics(
            record.Parameters.Total, record.Parameters.NonEmbedding, record.Tokens, record.FinalTestLoss,
            record.LossCurve.Count > 0 ? record.LossCurve[^1].Loss : null,
            record.Compute.TrainingFlops, record.Compute.SixNdWithEmbeddings, record.Compute.SixNdWithoutEmbeddings,
            floor, record.WallSeconds, record.TokensPerSecond);
        var evaluations = record.Evaluations.ToDictionary(e => e.Step, e => e.TestLoss);
        var curve = record.LossCurve
            .Select(p => new CurvePoint(p.Step, p.Tokens, p.Loss, evaluations.TryGetValue(p.Step, out var t) ? t : null))
            .ToList();
        var status = record.Status == Training.RunStatus.Diverged ? RunStatus.Diverged : RunStatus.Done;
        return new RunOutcome(status, record.DivergenceReason, metrics, curve, IO.Json.Serialize(record));
    }
}
