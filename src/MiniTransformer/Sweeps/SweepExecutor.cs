using System.Collections.Concurrent;
using System.Diagnostics;

namespace MiniTransformer.Sweeps;

/// <summary>Progress of a sweep as the executor reports it after every finished run.</summary>
public sealed record SweepProgress(int Total, int Finished, int Skipped, ISweepRun? LastRun, RunOutcome? LastOutcome, TimeSpan Elapsed,
    double CostDone = 0, double CostLeft = 0, TimeSpan ProcessorTime = default)
{
    /// <summary>
    /// Share of the machine's cores this process kept busy since the sweep started: CPU time of the whole process
    /// over (wall time × cores). A worker pool that leaves cores idle shows up here.
    /// </summary>
    public double? CoreUtilisation => Elapsed > TimeSpan.Zero ? ProcessorTime / (Elapsed * Environment.ProcessorCount) : null;

    /// <summary>
    /// Remaining time, extrapolated from the runs finished in this process by their estimated cost
    /// (<see cref="ISweepRun.EstimatedCost"/>): runs differ in cost by orders of magnitude and the expensive ones go first.
    /// </summary>
    public TimeSpan? Eta => CostDone > 0 && Total > Finished ? Elapsed * (CostLeft / CostDone) : null;
}

/// <summary>
/// Executes the unfinished runs of a plan (or shard) with up to <c>workers</c> runs at once, each run given an
/// equal share of the cores, recording every outcome in the store as it finishes. A run that throws is recorded
/// as failed with its reason and the sweep goes on; a killed sweep resumes where it stopped.
/// </summary>
public static class SweepExecutor
{
    public static SweepProgress Run<TRun>(
        string sweep, IReadOnlyList<TRun> runs, ResultsStore store, IRunExecutor<TRun> executor,
        int workers, Action<SweepProgress>? progress = null, CancellationToken cancellation = default) where TRun : ISweepRun
    {
        if (workers < 1) throw new UserInputException("--workers must be at least 1");
        var finished = store.FinishedIds();
        var todo = runs.Where(r => !finished.Contains(r.Id)).ToList();
        int skipped = runs.Count - todo.Count, done = skipped;
        double costDone = 0, costLeft = todo.Sum(r => r.EstimatedCost);
        int threadsPerRun = Math.Max(1, Environment.ProcessorCount / Math.Min(workers, Math.Max(1, todo.Count)));
        var clock = Stopwatch.StartNew();
        var processorTimeAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        var gate = new Lock();
        var last = new SweepProgress(runs.Count, done, skipped, null, null, TimeSpan.Zero);
        progress?.Invoke(last);

        // One run at a time, in plan order: the default list partitioner hands out growing chunks, which lets one worker
        // queue several runs while another goes idle.
        var queue = Partitioner.Create(todo, EnumerablePartitionerOptions.NoBuffering);
        Parallel.ForEach(queue, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellation }, config =>
        {
            store.MarkRunning(sweep, config);
            RunOutcome outcome;
            try
            {
                outcome = executor.Execute(config, threadsPerRun, cancellation);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception e)
            {
                // One broken configuration (out of memory, a bad shape) must not end a thousand-run sweep; the
                // reason is kept in the store and shown by the report.
                outcome = new RunOutcome(RunStatus.Failed, $"{e.GetType().Name}: {e.Message}", null, [], null);
            }
            store.Write(sweep, config, outcome);
            lock (gate)
            {
                done++;
                costDone += config.EstimatedCost;
                costLeft -= config.EstimatedCost;
                last = new SweepProgress(runs.Count, done, skipped, config, outcome, clock.Elapsed, costDone, costLeft,
                    Process.GetCurrentProcess().TotalProcessorTime - processorTimeAtStart);
                progress?.Invoke(last);
            }
        });
        return last;
    }
}
