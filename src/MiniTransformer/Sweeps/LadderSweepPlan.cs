using MiniTransformer.Language;

namespace MiniTransformer.Sweeps;

/// <summary>
/// A ladder sweep's grid: every rung × the student grid (layers × widths × token budgets × learning rates × seeds), run
/// most expensive first (as <see cref="SweepPlan"/>: the longest runs start while the others fill the remaining workers,
/// so no single big run is left alone at the end); shards stripe the runs by id as transformer sweeps do. The corpus is resolved here (the path given
/// with --corpus, else the spec's) and identified by its hash.
/// </summary>
public sealed class LadderSweepPlan
{
    private LadderSweepPlan(LadderDataConfig data, TextCorpus corpus, IReadOnlyList<LadderRunConfig> runs) =>
        (Data, Corpus, Runs) = (data, corpus, runs);

    public LadderDataConfig Data { get; }
    public TextCorpus Corpus { get; }
    public IReadOnlyList<LadderRunConfig> Runs { get; }

    /// <param name="corpusOverride">The corpus given on the command line (`sweep --corpus`), which replaces the spec's.</param>
    public static LadderSweepPlan Expand(SweepSpec spec, string? corpusOverride = null)
    {
        SweepSpecLoader.Validate(spec);
        var ladder = spec.Ladder!;
        string corpusPath = corpusOverride ?? ladder.Corpus
            ?? throw new UserInputException("spec field 'ladder.corpus': no corpus given; pass --corpus PATH (a UTF-8 text file or a directory of them)");
        if (!File.Exists(corpusPath) && !Directory.Exists(corpusPath))
            throw new UserInputException($"the ladder's corpus '{corpusPath}' does not exist (from {(corpusOverride is null ? "spec field 'ladder.corpus'" : "--corpus")}); " +
                                         "pass --corpus PATH, a UTF-8 text file or a directory of them");
        var corpus = new TextCorpus([corpusPath]);
        var data = new LadderDataConfig(LadderSweepData.CorpusHash(corpus), ladder.VocabSize, spec.Data.SequenceLength, ladder.TestEvery,
            ladder.SampleTokens ?? LadderSpecValidator.TrainTokensNeeded(spec.Tokens!.Max(), spec.Batch, spec.Data.SequenceLength),
            spec.Data.TestTokens, ladder.GeneratorSeed, ladder.SampleSeed, spec.Backend);
        var m = spec.Model;
        var runs = new List<LadderRunConfig>();
        foreach (var rung in ladder.Rungs)
        foreach (var layers in m.Layers)
        foreach (var width in m.Widths)
        foreach (var tokens in spec.Tokens!)
        foreach (var lr in spec.LearningRates)
        foreach (var seed in spec.Seeds)
            runs.Add(new LadderRunConfig(data, rung, layers, width, m.Heads, m.Param, m.BaseWidth, m.Positions, m.TiedEmbeddings,
                tokens, lr, seed, spec.Batch, spec.EvalPoints, spec.WarmupFraction, spec.WeightDecay, spec.GradClip, spec.Backend));
        var ordered = runs.DistinctBy(r => r.Id).OrderByDescending(r => r.EstimatedCost).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        return new LadderSweepPlan(data, corpus, ordered);
    }

    /// <summary>The runs of shard <paramref name="index"/> of <paramref name="count"/>: ranks ≡ index mod count in id order.</summary>
    public IReadOnlyList<LadderRunConfig> Shard(int index, int count)
    {
        if (count < 1 || index < 0 || index >= count) throw new UserInputException($"shard {index}/{count} is not a valid shard (need 0 ≤ i < n)");
        var mine = Runs.OrderBy(r => r.Id, StringComparer.Ordinal).Where((_, rank) => rank % count == index).Select(r => r.Id).ToHashSet();
        return Runs.Where(r => mine.Contains(r.Id)).ToList();
    }
}
