using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace MiniTransformer.Compute.Cpu;

/// <summary>
/// The process's fork-join team for the CPU backend's ops: ProcessorCount − 1 background threads that, after a job,
/// spin for <see cref="SpinTicks"/> before sleeping, so the next op of a training step (tens of microseconds later)
/// finds them awake. Parallel.For hands its items to thread-pool workers that have usually gone to sleep between two
/// ops; waking one (a futex, and in a VM an inter-processor interrupt to a halted virtual CPU) costs about as much as
/// one of the step's small ops. Items are claimed one at a time from a shared counter, the caller taking part, and
/// every item runs exactly once, so results are the same as any other schedule. One job at a time: a call that finds
/// the team busy (another backend on another thread, or a nested call) runs on Parallel.For instead. Either way a
/// failing item's exception reaches the caller as it was thrown.
/// </summary>
internal static class CpuWorkers
{
    /// <summary>How long an idle worker keeps polling for the next job before it sleeps (≈ 200 µs).</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000;

    private static readonly object Gate = new();
    private static readonly Lazy<Thread[]> Team = new(StartTeam);
    private static Job? _current;
    private static long _generation;
    private static int _sleepers;
    private static int _busy;

    private sealed class Job(Action<long> body, long count, int helpers)
    {
        public readonly Action<long> Body = body;
        public readonly long Count = count;
        public readonly int Helpers = helpers;
        public long Next;
        public int Active;
        public Exception? Error;

        /// <summary>Claims and runs items until none are left (or one has failed).</summary>
        public void Work()
        {
            long i;
            while (Error == null && (i = Interlocked.Increment(ref Next) - 1) < Count)
            {
                try { Body(i); }
                catch (Exception e) { Interlocked.CompareExchange(ref Error, e, null); }
            }
        }
    }

    /// <summary>Runs body(i) for every i in [0, count) on the caller and up to <paramref name="threads"/> − 1 workers.</summary>
    public static void For(long count, int threads, ParallelOptions fallback, Action<long> body)
    {
        int helpers = Math.Min(threads - 1, Environment.ProcessorCount - 1);
        if (helpers < 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            // The first failure itself, as from the team (not Parallel.For's AggregateException).
            try { Parallel.For(0L, count, fallback, body); }
            catch (AggregateException e) { ExceptionDispatchInfo.Throw(e.InnerExceptions[0]); }
            return;
        }
        try
        {
            _ = Team.Value;
            var job = new Job(body, count, helpers);
            Volatile.Write(ref _current, job);
            Interlocked.Increment(ref _generation);
            if (Volatile.Read(ref _sleepers) > 0)
                lock (Gate) Monitor.PulseAll(Gate);
            job.Work();
            // Every item is claimed; wait for the workers still running one. A worker that joins later claims nothing.
            var spin = new SpinWait();
            while (Volatile.Read(ref job.Active) != 0) spin.SpinOnce(sleep1Threshold: -1);
            if (job.Error != null) ExceptionDispatchInfo.Throw(job.Error);
        }
        finally
        {
            Volatile.Write(ref _current, null);
            Volatile.Write(ref _busy, 0);
        }
    }

    private static Thread[] StartTeam()
    {
        var team = new Thread[Environment.ProcessorCount - 1];
        for (int w = 0; w < team.Length; w++)
        {
            int index = w;
            team[w] = new Thread(() => Run(index)) { IsBackground = true, Name = $"cpu-op-worker-{w}" };
            team[w].Start();
        }
        return team;
    }

    private static void Run(int index)
    {
        long seen = Volatile.Read(ref _generation);
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _generation) == seen && Stopwatch.GetTimestamp() - start < SpinTicks) Thread.SpinWait(20);
            if (Volatile.Read(ref _generation) == seen)
                lock (Gate)
                {
                    // Counted as a sleeper before the last look at the generation, so a publisher either sees this
                    // worker asleep and pulses, or this look sees its new generation.
                    Interlocked.Increment(ref _sleepers);
                    while (Volatile.Read(ref _generation) == seen) Monitor.Wait(Gate);
                    Interlocked.Decrement(ref _sleepers);
                }
            seen = Volatile.Read(ref _generation);
            var job = Volatile.Read(ref _current);
            if (job == null || index >= job.Helpers) continue;
            Interlocked.Increment(ref job.Active);
            job.Work();
            Interlocked.Decrement(ref job.Active);
        }
    }
}
