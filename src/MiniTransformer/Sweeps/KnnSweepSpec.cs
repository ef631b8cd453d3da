namespace MiniTransformer.Sweeps;

/// <summary>
/// The cluster generator of a k-NN sweep (<c>data.percolation</c>): Bethe-lattice clusters grown from a root, or
/// the clusters of a finite hypercubic lattice. Fields that belong to the other lattice must be left out (null):
/// a value that would be ignored is a mistake, not a no-op. Defaults are those of `data percolation`.
/// </summary>
public sealed record PercolationDataSpec
{
    public const string Bethe = "bethe";
    public const string Hypercubic = "hypercubic";

    public string Lattice { get; init; } = Bethe;

    /// <summary>Bethe: coordination number z = 2d (default 200).</summary>
    public int? Z { get; init; }

    /// <summary>Occupation probability; Bethe default p_c = 1/(z−1), required for hypercubic lattices.</summary>
    public double? P { get; init; }

    /// <summary>Hypercubic: dimension d (default 2), side L (default 256), periodic edges (default false).</summary>
    public int? Dimension { get; init; }
    public int? Side { get; init; }
    public bool? Periodic { get; init; }

    public int MinSize { get; init; } = 100;
    public int MaxSize { get; init; } = 1_000_000;

    /// <summary>Bethe: clusters of size ≥ min_size to grow; default expected_large·(max/min)^(τ−2) (SCIENCE.md's rule).</summary>
    public int? Clusters { get; init; }
    public double? ExpectedLarge { get; init; }

    public ulong Seed { get; init; } = 1;
}

/// <summary>
/// The k-NN experiments of a sweep (<c>knn</c>): which experiments, the held-out fraction, the regressor, each
/// experiment's grid, and the theory the report compares with. Every (experiment, grid value, seed) is one run.
/// </summary>
public sealed record KnnSpec
{
    public const string DataScalingName = "data_scaling";
    public const string ModelScalingName = "model_scaling";
    public const string Tree = "tree";
    public const string Euclidean = "euclidean";

    public string[] Experiments { get; init; } = [DataScalingName];

    /// <summary>Fraction of all sites held out (per seed) for the test MSE.</summary>
    public double TestFraction { get; init; } = 0.001;

    /// <summary>tree: 1-NN by tree distance (SCIENCE.md); euclidean: k-NN on lattice coordinates (hypercubic clusters).</summary>
    public string Model { get; init; } = Tree;

    /// <summary>Tree: shrink toward 0 by 1/(1 + dist/√size) (default true).</summary>
    public bool? Shrinkage { get; init; }

    /// <summary>Euclidean: neighbours averaged (default 1) and their weights, uniform or distance (default uniform).</summary>
    public int? K { get; init; }
    public string? Weights { get; init; }

    public KnnDataScalingSpec? DataScaling { get; init; }
    public KnnModelScalingSpec? ModelScaling { get; init; }
    public KnnTheorySpec? Theory { get; init; }
}

/// <summary>
/// Training-set sizes of the data-scaling experiment, given one way: explicit expected sizes (<see cref="TrainSizes"/>),
/// sampling rates ρ (<see cref="Rates"/>, size = ρ·E[non-test sites]), or a log grid (<see cref="MinTrain"/> default 1,
/// <see cref="MaxTrain"/> default every non-test site, <see cref="Points"/> default 50).
/// </summary>
public sealed record KnnDataScalingSpec
{
    public double[]? TrainSizes { get; init; }
    public double[]? Rates { get; init; }
    public double? MinTrain { get; init; }
    public double? MaxTrain { get; init; }
    public int? Points { get; init; }
}

/// <summary>
/// Capacity budgets N (degrees of freedom) of the model-scaling experiment: explicit (<see cref="Dofs"/>) or a log grid
/// (<see cref="MinDof"/> default 1, <see cref="MaxDof"/> default the N whose break rank k_br is the cluster count,
/// <see cref="Points"/> default 30). <see cref="ExamplesPerDof"/>: s_k for every cluster (default: estimated per cluster).
/// </summary>
public sealed record KnnModelScalingSpec
{
    public double[]? Dofs { get; init; }
    public double? MinDof { get; init; }
    public double? MaxDof { get; init; }
    public int? Points { get; init; }
    public double? ExamplesPerDof { get; init; }
}

/// <summary>
/// The theory (Knn/ScalingTheory) drawn against the measurements and used for the model-scaling allocation:
/// defaults from the lattice (the full theory at the Bethe p_c; manifold-only elsewhere), overridden field by field.
/// </summary>
public sealed record KnnTheorySpec
{
    public double? Tau { get; init; }
    public double? FractalDimension { get; init; }
    public double C { get; init; } = 2;
}
