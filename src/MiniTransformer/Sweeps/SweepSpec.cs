using MiniTransformer.Data.Graphs;

namespace MiniTransformer.Sweeps;

/// <summary>
/// A sweep as the user writes it (JSON, snake_case): the data generator, the model grid, the token (or compute)
/// budgets, the learning-rate grid and the seeds. Every combination is one run; <see cref="SweepPlan"/> expands
/// the grid into fully resolved <see cref="RunConfig"/>s. Fields left out take the defaults below.
/// </summary>
public sealed record SweepSpec
{
    public string Name { get; init; } = "sweep";
    public DataSpec Data { get; init; } = new();
    public ModelGridSpec Model { get; init; } = new();

    /// <summary>Training-token budgets D. Exactly one of <see cref="Tokens"/> and <see cref="Compute"/> is given.</summary>
    public long[]? Tokens { get; init; }

    /// <summary>Compute budgets C in FLOPs; each run's D = C / (6·N) with N the non-embedding parameter count.</summary>
    public double[]? Compute { get; init; }

    public double[] LearningRates { get; init; } = [1e-2];
    public ulong[] Seeds { get; init; } = [0];
    public int Batch { get; init; } = 16;

    /// <summary>How many times the test loss is evaluated over a run (the last is at the end).</summary>
    public int EvalPoints { get; init; } = 4;

    public double WarmupFraction { get; init; } = 0.02;
    public double WeightDecay { get; init; } = 0.01;
    public double? GradClip { get; init; } = 1.0;
    public string Backend { get; init; } = "cpu";
}

/// <summary>Where the tokens come from. Only graph random walks exist so far (SCIENCE.md Program A).</summary>
public sealed record DataSpec
{
    public string Kind { get; init; } = "graph_walks";
    public GraphSpec Graph { get; init; } = new(GraphSpec.ErGnm, 512, Edges: 2_048, Seed: 1);
    public int SequenceLength { get; init; } = 50;

    /// <summary>Held-out tokens, sampled from a walk range disjoint from every training range.</summary>
    public long TestTokens { get; init; } = 50_000;
}

/// <summary>The model axes of the grid: every (layers, width) pair is swept.</summary>
public sealed record ModelGridSpec
{
    public int[] Layers { get; init; } = [2];
    public int[] Widths { get; init; } = [32];
    public int? Heads { get; init; }
    public string Param { get; init; } = "mup";
    public int BaseWidth { get; init; } = 32;
    public string Positions { get; init; } = "rope";
    public bool TiedEmbeddings { get; init; } = true;
}
