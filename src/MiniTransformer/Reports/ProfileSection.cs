using System.Text.Json;
using MiniTransformer.Compute;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.IO;
using MiniTransformer.Training;

namespace MiniTransformer.Reports;

/// <summary>The per-op cost of one training step of the sweep's median model, or why there is none.</summary>
/// <param name="RecordFlopsPerStep">FLOPs per step the run itself recorded: the profiled step plus gradient-norm clipping when the run clipped.</param>
public sealed record ProfileSection(RunRow? Run, StepProfile? Profile, string? Unavailable, long? RecordFlopsPerStep = null)
{
    /// <summary>
    /// Picks the done run whose non-embedding N is the median of the sweep's models, rebuilds its exact model and
    /// batch from its run record, and profiles one step with the trainer's profiler (random tokens: the values do
    /// not change the work) on the sweep's backend.
    /// </summary>
    public static ProfileSection Measure(IReadOnlyList<RunRow> runs, int threads, ulong seed)
    {
        var models = runs.Where(r => r.IsDone && r.RecordJson is not null).GroupBy(r => (r.Layers, r.Width))
            .OrderBy(g => g.First().NonEmbeddingParameters).ToList();
        if (models.Count == 0) return new ProfileSection(null, null, "no finished run carries a run record to rebuild its model from");
        var run = models[(models.Count - 1) / 2].MaxBy(r => r.Tokens)!;
        RunRecord? record;
        try
        {
            record = JsonSerializer.Deserialize<RunRecord>(run.RecordJson!, Json.Options);
        }
        catch (JsonException e)
        {
            return new ProfileSection(run, null, $"run {run.Id}'s record is not a readable run record: {e.Message.Split('\n')[0]}");
        }
        if (record?.Config is null || record.Training is null) return new ProfileSection(run, null, $"run {run.Id}'s record has no model configuration");
        ComputeBackend backend;
        try
        {
            backend = Backends.Parse(record.Backend.Split(' ')[0]) == BackendKind.Cpu ? new CpuBackend(threads) : Backends.Create(Backends.Parse(record.Backend.Split(' ')[0]));
        }
        catch (Exception e) when (e is BackendUnavailableException or UserInputException)
        {
            return new ProfileSection(run, null, $"backend '{record.Backend}' is not available here: {e.Message}");
        }
        using (backend)
            return new ProfileSection(run, StepProfiler.Profile(backend, record.Config, record.Training.BatchSize, seed), null, record.Compute?.FlopsPerStep);
    }
}
