using System.Text.Json;
using MiniTransformer.Knn;
using static MiniTransformer.Sweeps.SweepSpecLoader;

namespace MiniTransformer.Sweeps;

/// <summary>
/// The checks of a <c>percolation_knn</c> sweep spec. Every invalid value, and every field that the chosen lattice,
/// model or experiments would ignore, is an error naming the field (<c>spec field 'knn.k': …</c>).
/// </summary>
internal static class KnnSpecValidator
{
    /// <summary>Top-level and data fields that only transformer sweeps read.</summary>
    private static readonly string[] TransformerFields =
        ["model", "tokens", "compute", "learning_rates", "batch", "eval_points", "warmup_fraction", "weight_decay", "grad_clip"];
    private static readonly string[] WalkDataFields = ["graph", "sequence_length", "test_tokens"];

    /// <summary>
    /// A k-NN spec that sets a transformer field is contradictory. The typed spec cannot tell a default from a given
    /// value, so the check reads the JSON itself.
    /// </summary>
    public static void RejectTransformerFields(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        foreach (var field in TransformerFields)
            Check(!root.TryGetProperty(field, out _), field, $"is a transformer setting; a {DataSpec.PercolationKnn} sweep has no use for it");
        if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
            foreach (var field in WalkDataFields)
                Check(!data.TryGetProperty(field, out _), $"data.{field}", $"belongs to graph-walk data; a {DataSpec.PercolationKnn} sweep generates clusters (data.percolation)");
    }

    public static void Validate(SweepSpec s)
    {
        var p = s.Data.Percolation ?? new PercolationDataSpec();
        var k = s.Knn ?? new KnnSpec();
        ValidatePercolation(p);
        ValidateKnn(k, p);
        Check(s.Seeds.Length > 0 && s.Seeds.Distinct().Count() == s.Seeds.Length, "seeds", "must be a non-empty list without repeats");
        Check(IsBackendName(s.Backend), "backend", "must be cpu, opencl or cuda");
        Check(k.Model == KnnSpec.Euclidean || s.Backend == "cpu", "backend", "the tree 1-NN runs on the CPU; only knn.model 'euclidean' uses a compute backend");
    }

    private static void ValidatePercolation(PercolationDataSpec p)
    {
        const string at = "data.percolation";
        Check(p.Lattice is PercolationDataSpec.Bethe or PercolationDataSpec.Hypercubic, $"{at}.lattice", "must be 'bethe' or 'hypercubic'");
        bool bethe = p.Lattice == PercolationDataSpec.Bethe;
        OnlyFor(p.Z, bethe, $"{at}.z", "data.percolation.lattice 'bethe'");
        OnlyFor(p.Clusters, bethe, $"{at}.clusters", "data.percolation.lattice 'bethe'");
        OnlyFor(p.ExpectedLarge, bethe, $"{at}.expected_large", "data.percolation.lattice 'bethe'");
        OnlyFor(p.Dimension, !bethe, $"{at}.dimension", "data.percolation.lattice 'hypercubic'");
        OnlyFor(p.Side, !bethe, $"{at}.side", "data.percolation.lattice 'hypercubic'");
        OnlyFor(p.Periodic, !bethe, $"{at}.periodic", "data.percolation.lattice 'hypercubic'");
        Check(p.Z is null or >= 3, $"{at}.z", "the coordination number must be ≥ 3");
        Check(p.P is null || (p.P > 0 && p.P < 1), $"{at}.p", "must lie in (0, 1)");
        Check(bethe || p.P is not null, $"{at}.p", "a hypercubic lattice needs an occupation probability");
        Check(p.Dimension is null or >= 1, $"{at}.dimension", "must be ≥ 1");
        Check(p.Side is null or >= 2, $"{at}.side", "must be ≥ 2");
        Check(p.Periodic != true || (p.Side ?? 256) >= 3, $"{at}.periodic", "a periodic lattice needs side ≥ 3");
        Check(bethe || Math.Pow(p.Side ?? 256, p.Dimension ?? 2) <= 1 << 30, $"{at}.side", "side^dimension must be at most 2^30 sites");
        Check(p.MinSize >= 1, $"{at}.min_size", "must be ≥ 1");
        Check(p.MaxSize >= p.MinSize, $"{at}.max_size", "must be ≥ min_size");
        Check(p.Clusters is null or >= 1, $"{at}.clusters", "must be ≥ 1");
        Check(p.ExpectedLarge is null or > 0, $"{at}.expected_large", "must be positive");
        Check(p.Clusters is null || p.ExpectedLarge is null, $"{at}.expected_large", "give either clusters or expected_large (the rule that sets clusters), not both");
    }

    private static void ValidateKnn(KnnSpec k, PercolationDataSpec p)
    {
        Check(k.Experiments.Length > 0 && k.Experiments.Distinct().Count() == k.Experiments.Length
              && k.Experiments.All(e => e is KnnSpec.DataScalingName or KnnSpec.ModelScalingName),
            "knn.experiments", $"must list '{KnnSpec.DataScalingName}' and/or '{KnnSpec.ModelScalingName}', each once");
        Check(k.TestFraction is > 0 and < 1, "knn.test_fraction", "must lie in (0, 1)");
        Check(k.Model is KnnSpec.Tree or KnnSpec.Euclidean, "knn.model", "must be 'tree' or 'euclidean'");
        bool euclidean = k.Model == KnnSpec.Euclidean;
        Check(!euclidean || p.Lattice == PercolationDataSpec.Hypercubic, "knn.model",
            "the Euclidean k-NN needs lattice coordinates: use data.percolation.lattice 'hypercubic'");
        Check(!euclidean || !k.Experiments.Contains(KnnSpec.ModelScalingName), "knn.model",
            "model scaling allocates training sites for the tree 1-NN; use knn.model 'tree'");
        OnlyFor(k.Shrinkage, !euclidean, "knn.shrinkage", "knn.model 'tree'");
        OnlyFor(k.K, euclidean, "knn.k", "knn.model 'euclidean'");
        OnlyFor(k.Weights, euclidean, "knn.weights", "knn.model 'euclidean'");
        Check(k.K is null or >= 1, "knn.k", "must be ≥ 1");
        Check(k.Weights is null or "uniform" or "distance", "knn.weights", "must be 'uniform' or 'distance'");

        Check(k.DataScaling is null || k.Experiments.Contains(KnnSpec.DataScalingName), "knn.data_scaling", $"is set but knn.experiments does not list '{KnnSpec.DataScalingName}'");
        Check(k.ModelScaling is null || k.Experiments.Contains(KnnSpec.ModelScalingName), "knn.model_scaling", $"is set but knn.experiments does not list '{KnnSpec.ModelScalingName}'");
        if (k.DataScaling is { } d)
        {
            const string at = "knn.data_scaling";
            bool grid = d.MinTrain is not null || d.MaxTrain is not null || d.Points is not null;
            Check(d.TrainSizes is null || d.Rates is null, $"{at}.rates", "give training-set sizes one way: train_sizes, rates, or a grid (min_train, max_train, points)");
            Check(!grid || (d.TrainSizes is null && d.Rates is null), d.TrainSizes is not null ? $"{at}.train_sizes" : $"{at}.rates",
                "give training-set sizes one way: train_sizes, rates, or a grid (min_train, max_train, points)");
            if (d.TrainSizes is { } sizes) DistinctPositive(sizes, $"{at}.train_sizes", "expected training-set sizes");
            if (d.Rates is { } rates)
            {
                DistinctPositive(rates, $"{at}.rates", "sampling rates");
                Check(rates.All(r => r <= 1), $"{at}.rates", "a sampling rate is at most 1");
            }
            Check(d.MinTrain is null or > 0 && (d.MinTrain is null || double.IsFinite(d.MinTrain.Value)), $"{at}.min_train", "must be positive");
            Check(d.MaxTrain is null || (double.IsFinite(d.MaxTrain.Value) && d.MaxTrain >= (d.MinTrain ?? 1)), $"{at}.max_train", "must be ≥ min_train");
            Check(d.Points is null or >= 1, $"{at}.points", "must be ≥ 1");
        }
        if (k.ModelScaling is { } m)
        {
            const string at = "knn.model_scaling";
            bool grid = m.MinDof is not null || m.MaxDof is not null || m.Points is not null;
            Check(!grid || m.Dofs is null, $"{at}.dofs", "give capacity budgets one way: dofs, or a grid (min_dof, max_dof, points)");
            if (m.Dofs is { } dofs)
            {
                DistinctPositive(dofs, $"{at}.dofs", "degrees of freedom");
                Check(dofs.All(v => v >= 1), $"{at}.dofs", "a model has at least one degree of freedom");
            }
            Check(m.MinDof is null || (m.MinDof >= 1 && double.IsFinite(m.MinDof.Value)), $"{at}.min_dof", "must be ≥ 1");
            Check(m.MaxDof is null || (double.IsFinite(m.MaxDof.Value) && m.MaxDof >= (m.MinDof ?? 1)), $"{at}.max_dof", "must be ≥ min_dof (and ≥ 1)");
            Check(m.Points is null or >= 1, $"{at}.points", "must be ≥ 1");
            Check(m.ExamplesPerDof is null || (m.ExamplesPerDof > 0 && double.IsFinite(m.ExamplesPerDof.Value)), $"{at}.examples_per_dof", "must be positive");
        }
        if (k.Theory is { } t)
        {
            Check(t.Tau is null or > 2 and < 3, "knn.theory.tau", "must lie in (2, 3) for a finite α = (3−τ)/(τ−2) > 0");
            Check(t.FractalDimension is null || (t.FractalDimension > 0 && double.IsFinite(t.FractalDimension.Value)), "knn.theory.fractal_dimension", "must be positive");
            Check(t.C > 0 && double.IsFinite(t.C), "knn.theory.c", "must be positive");
        }
    }

    private static void DistinctPositive(double[] values, string field, string what) =>
        Check(values.Length > 0 && values.All(v => v > 0 && double.IsFinite(v)) && values.Distinct().Count() == values.Length,
            field, $"must be a non-empty list of distinct positive {what}");

    /// <summary>A field set where it would be ignored is an error.</summary>
    private static void OnlyFor<T>(T? value, bool applies, string field, string setting) =>
        Check(value is null || applies, field, $"applies only to {setting}");
}
