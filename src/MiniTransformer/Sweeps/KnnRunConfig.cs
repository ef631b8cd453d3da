using System.Text.Json;
using System.Text.Json.Serialization;
using MiniTransformer.Knn;
using MiniTransformer.Percolation;

namespace MiniTransformer.Sweeps;

/// <summary>
/// A cluster generator with every default resolved (p, the cluster count): a pure function of these fields gives the
/// cluster set, so it is part of every k-NN run's identity. Fields of the other lattice are null and left out of the JSON.
/// </summary>
public sealed record PercolationData(
    string Lattice,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Z,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Dimension,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Side,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Periodic,
    double P,
    int MinSize,
    int MaxSize,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Clusters,
    ulong Seed)
{
    public bool IsBethe => Lattice == PercolationDataSpec.Bethe;

    public ClusterSet Generate(int maxThreads = -1) => IsBethe
        ? BetheClusterGenerator.Generate(new BetheSpec(Z!.Value, P, MinSize, MaxSize, Clusters!.Value, Seed), maxThreads)
        : LatticeClusterExtractor.Extract(new LatticeSpec(Dimension!.Value, Side!.Value, Periodic!.Value, P, MinSize, MaxSize, Seed));
}

/// <summary>The regressor of a k-NN run; the tree model carries <see cref="Shrinkage"/>, the Euclidean one K, weights and backend.</summary>
public sealed record KnnRegressorConfig(
    string Model,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Shrinkage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? K,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Weights,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Backend);

/// <summary>
/// What a model-scaling run's allocation depends on beyond N: the theory (b and k_br), s_k when fixed, and the
/// largest N of the grid, whose trained clusters are the ones s_k is estimated over (<see cref="ModelScalingExperiment.Prepare"/>).
/// </summary>
public sealed record KnnAllocationConfig(
    double Tau,
    double FractalDimension,
    double C,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ExamplesPerDof,
    double MaxDof)
{
    public ScalingTheory Theory => new(Tau, FractalDimension, C);
}

/// <summary>
/// One k-NN measurement of a sweep: experiment, grid value x (expected training-set size 𝒟 for data scaling, degrees
/// of freedom N for model scaling) and seed (the test split and the training sample), with everything else that
/// determines the held-out MSE. Its <see cref="Id"/> follows the transformer runs' convention: a hash of this content.
/// </summary>
public sealed record KnnRunConfig(
    PercolationData Data,
    string Experiment,
    double X,
    ulong Seed,
    double TestFraction,
    KnnRegressorConfig Regressor,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] KnnAllocationConfig? Allocation) : ISweepRun
{
    public const string DataScalingKind = "knn_data_scaling";
    public const string ModelScalingKind = "knn_model_scaling";

    [JsonIgnore]
    public string CanonicalJson => JsonSerializer.Serialize(this, RunConfig.Canonical);

    [JsonIgnore]
    public string Id => RunConfig.HashId(CanonicalJson);

    [JsonIgnore]
    public string Kind => Experiment == KnnSpec.ModelScalingName ? ModelScalingKind : DataScalingKind;

    /// <summary>Every measurement walks the clusters that hold test sites once: about the same cost for every run.</summary>
    [JsonIgnore]
    public double EstimatedCost => 1.0;

    public string Describe() => Experiment == KnnSpec.ModelScalingName
        ? $"model scaling N={X:G4} seed={Seed}"
        : $"data scaling 𝒟={X:G4} seed={Seed}";
}
