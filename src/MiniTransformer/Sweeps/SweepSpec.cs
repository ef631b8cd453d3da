using System.Text.Json.Serialization;
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

    /// <summary>The k-NN experiments of a <c>percolation_knn</c> sweep (SCIENCE.md Program B); absent for transformer sweeps.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public KnnSpec? Knn { get; init; }

    /// <summary>The language ladder of a <c>language_ladder</c> sweep (corpus, tokenizer, rungs); absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LadderSpec? Ladder { get; init; }

    /// <summary>Whether this sweep trains students on the rungs of a language ladder.</summary>
    [JsonIgnore]
    public bool IsLadder => Data.Kind == DataSpec.LanguageLadder;

    /// <summary>Whether this sweep measures k-NN regression on percolation clusters rather than training transformers.</summary>
    [JsonIgnore]
    public bool IsKnn => Data.Kind == DataSpec.PercolationKnn;
}

/// <summary>
/// Where the data comes from: graph random walks for transformer runs (SCIENCE.md Program A), or percolation clusters
/// for k-NN runs (Program B; <see cref="Percolation"/>, and the sweep's <see cref="SweepSpec.Knn"/> section).
/// </summary>
public sealed record DataSpec
{
    public const string GraphWalks = "graph_walks";
    public const string PercolationKnn = "percolation_knn";
    public const string LanguageLadder = "language_ladder";

    public string Kind { get; init; } = GraphWalks;
    public GraphSpec Graph { get; init; } = new(GraphSpec.ErGnm, 512, Edges: 2_048, Seed: 1);
    public int SequenceLength { get; init; } = 50;

    /// <summary>Held-out tokens, sampled from a walk range disjoint from every training range.</summary>
    public long TestTokens { get; init; } = 50_000;

    /// <summary>The cluster generator of a <c>percolation_knn</c> sweep. Left out of the JSON when null, so transformer run ids do not change.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PercolationDataSpec? Percolation { get; init; }
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
