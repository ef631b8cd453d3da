namespace MiniTransformer.Sweeps;

/// <summary>
/// The grid of a spec expanded into runs, and the deterministic slice of it one shard executes. Shards order the
/// runs by id and take every n-th, so shards 0..n−1 cover the grid exactly once whatever machine plans them.
/// </summary>
public sealed class SweepPlan
{
    private SweepPlan(SweepSpec spec, IReadOnlyList<RunConfig> runs)
    {
        Spec = spec;
        Runs = runs;
    }

    public SweepSpec Spec { get; }

    /// <summary>
    /// The runs in execution order: most expensive first, ties by id — the longest-processing-time rule, so the cheap
    /// runs fill the workers at the end instead of one big run finishing alone on one worker's share of the cores.
    /// </summary>
    public IReadOnlyList<RunConfig> Runs { get; }

    /// <param name="nonEmbeddingParameters">N of a (layers, width) model, used to turn compute budgets C into D = C/(6N).</param>
    public static SweepPlan Expand(SweepSpec spec, Func<int, int, long> nonEmbeddingParameters)
    {
        SweepSpecLoader.Validate(spec);
        var runs = new List<RunConfig>();
        var m = spec.Model;
        foreach (var layers in m.Layers)
        foreach (var width in m.Widths)
        foreach (var tokens in Budgets(spec, nonEmbeddingParameters(layers, width)))
        foreach (var lr in spec.LearningRates)
        foreach (var seed in spec.Seeds)
            runs.Add(new RunConfig(spec.Data, layers, width, m.Heads, m.Param, m.BaseWidth, m.Positions, m.TiedEmbeddings,
                tokens, lr, seed, spec.Batch, spec.EvalPoints, spec.WarmupFraction, spec.WeightDecay, spec.GradClip, spec.Backend));
        var ordered = runs
            .DistinctBy(r => r.Id)
            .OrderByDescending(EstimatedCost)
            .ThenBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
        return new SweepPlan(spec, ordered);
    }

    /// <summary>Relative cost of a run for ordering and ETAs: tokens × (12·layers·width² + width·64), the
    /// non-embedding FLOPs plus a per-token share for embeddings, norms and launch overheads.</summary>
    public static double EstimatedCost(RunConfig r) => (double)r.Tokens * (12.0 * r.Layers * r.Width * r.Width + 64.0 * r.Width);

    /// <summary>The runs of shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    public IReadOnlyList<RunConfig> Shard(int index, int count)
    {
        if (count < 1 || index < 0 || index >= count) throw new UserInputException($"shard {index}/{count} is not a valid shard (need 0 ≤ i < n)");
        var byId = Runs.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        var mine = byId.Where((_, rank) => rank % count == index).Select(r => r.Id).ToHashSet();
        return Runs.Where(r => mine.Contains(r.Id)).ToList();
    }

    /// <summary>Parses "i/n" as given to --shard.</summary>
    public static (int Index, int Count) ParseShard(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var i) || !int.TryParse(parts[1], out var n) || n < 1 || i < 0 || i >= n)
            throw new UserInputException($"--shard '{text}' must be i/n with 0 ≤ i < n (e.g. 0/4)");
        return (i, n);
    }

    private static IEnumerable<long> Budgets(SweepSpec spec, long nonEmbeddingParameters)
    {
        if (spec.Tokens is { } tokens) return tokens;
        long sequence = (long)spec.Batch * spec.Data.SequenceLength;
        // D = C / 6N, rounded to whole batches (at least one) so the run sees exactly the tokens it is charged for.
        return spec.Compute!.Select(c => Math.Max(1, (long)Math.Round(c / (6.0 * nonEmbeddingParameters) / sequence)) * sequence).Distinct();
    }
}
