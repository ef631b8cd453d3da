using MiniTransformer.Compute;

namespace MiniTransformer.Percolation;

/// <summary>
/// Grows the clusters of a <see cref="BetheSpec"/> in parallel and returns them as a <see cref="ClusterSet"/>.
/// Trials run in batches, each batch in parallel (each trial is a pure function of (seed, trial index)); a
/// sequential scan of the batch then decides which trials count and where to stop. The result is therefore
/// identical for every thread count; trials grown past the stopping point are simply dropped.
/// With a compute backend the trials of a batch grow as kernels (<see cref="DeviceBetheGrowth"/>, sub-batches of
/// <see cref="DeviceBatch"/> trials to bound device memory): the clusters are the same, bit for bit.
/// </summary>
public static class BetheClusterGenerator
{
    /// <summary>Trials grown together on a device; a batch at p_c holds about DeviceBatch·√max-size sites.</summary>
    public const int DeviceBatch = 4096;

    /// <param name="backend">Grow on this backend's kernels instead of CPU threads (the targets stay on the CPU).</param>
    public static ClusterSet Generate(BetheSpec spec, int maxThreads = -1, IProgress<double>? progress = null, ComputeBackend? backend = null)
    {
        spec.Validate();
        var growth = new BetheGrowth(spec.Z, spec.P, spec.Seed);
        using var device = backend is null ? null : new DeviceBetheGrowth(backend, spec.Z, spec.P, spec.Seed);
        var kept = new List<(long Trial, int[] Parents, float[] Values)>();
        long trial = 0, discarded = 0, grown = 0;
        int reached = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxThreads };
        int minBatch = 16 * (maxThreads > 0 ? maxThreads : Environment.ProcessorCount);
        var inlineScratch = new GrowthScratch();
        while (reached < spec.Clusters)
        {
            if (trial >= spec.MaxTrials)
                throw new UserInputException(
                    $"after {trial} trials only {reached} of {spec.Clusters} clusters reached min-size {spec.MinSize} at p = {spec.P} (raise --max-trials, lower --min-size, or move p toward p_c)");
            // Size batches to half the trials still expected to be needed at the observed rate of reaching min-size:
            // trials grown past the stopping point are wasted work (a batch sized to the whole remainder, +20%, grew
            // about 1.6× the sites it kept at z = 200, p_c), while an extra batch costs one Parallel.For, so halving
            // converges in a few rounds and overshoots by little. The rule depends only on past results.
            double rate = (reached + 1.0) / (trial + 1.0);
            // (Batch boundaries never change the output — the scan below does — so the floor may follow the thread count.)
            long batch = Math.Clamp((long)Math.Ceiling(0.5 * (spec.Clusters - reached) / rate), minBatch, 1 << 16);
            int n = (int)Math.Min(batch, spec.MaxTrials - trial);
            var sizes = new int[n];
            var candidates = new int[]?[n];
            long first = trial;
            void GrowOne(int i, GrowthScratch scratch)
            {
                int size = growth.Grow(first + i, spec.MaxSize, scratch);
                sizes[i] = size;
                if (size >= spec.MinSize) candidates[i] = scratch.Parents.AsSpan(0, size).ToArray();
            }
            // One thread runs inline: a Parallel.For hands work to a pool thread, and on a loaded machine every
            // hand-off waits for the scheduler.
            if (device is not null)
                for (int at = 0; at < n; at += DeviceBatch)
                {
                    int m = Math.Min(DeviceBatch, n - at);
                    device.GrowBatch(first + at, spec.MinSize, spec.MaxSize, sizes.AsSpan(at, m), candidates.AsSpan(at, m));
                }
            else if (maxThreads == 1)
                for (int i = 0; i < n; i++) GrowOne(i, inlineScratch);
            else
                Parallel.For(0, n, options, () => new GrowthScratch(), (i, _, scratch) => { GrowOne(i, scratch); return scratch; }, _ => { });
            int keptBefore = kept.Count;
            for (int i = 0; i < n && reached < spec.Clusters; i++)
            {
                trial++;
                grown += sizes[i] < 0 ? spec.MaxSize : sizes[i];
                if (sizes[i] < 0) { discarded++; reached++; }
                else if (sizes[i] >= spec.MinSize) { kept.Add((first + i, candidates[i]!, new float[sizes[i]])); reached++; }
            }
            // Targets only for what was kept (candidates past the stopping point never get one).
            void Target(int k) => RandomWalkTarget.Compute(kept[k].Parents, spec.Seed, (ulong)kept[k].Trial, kept[k].Values);
            if (maxThreads == 1)
                for (int k = keptBefore; k < kept.Count; k++) Target(k);
            else
                Parallel.For(keptBefore, kept.Count, options, Target);
            progress?.Report((double)reached / spec.Clusters);
        }
        if (kept.Count == 0)
            throw new UserInputException($"all {discarded} clusters that reached min-size {spec.MinSize} exceeded max-size {spec.MaxSize}; nothing to keep");
        var info = new ClusterSetInfo
        {
            Lattice = "bethe",
            Z = spec.Z,
            P = spec.P,
            Seed = spec.Seed,
            MinSize = spec.MinSize,
            MaxSize = spec.MaxSize,
            Trials = trial,
            Discarded = discarded,
            GrownSites = grown,
        };
        return ClusterSet.FromClusters(info, kept.Select(k => (k.Trial, k.Parents, k.Values, (int[]?)null)).ToList(), dimension: 0);
    }
}
