using MathNet.Numerics.Statistics;
using MiniTransformer.Knn;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Reports;

/// <summary>One k-NN row of the results store, typed: x is 𝒟 (data scaling) or N (model scaling), loss the held-out MSE.</summary>
public sealed record KnnRunRow(string Id, string Sweep, string Status, string? Reason, string Kind, double X, ulong Seed, double? Loss,
    long? TrainSize, long? TestSize, double? WallSeconds)
{
    public bool IsDone => Status == "done" && Loss is { } l && double.IsFinite(l);
}

/// <summary>One grid value of an experiment: the median held-out MSE over seeds and its 16–84% band (SCIENCE.md).</summary>
public sealed record KnnPoint(double X, double Median, double Q16, double Q84, int Seeds);

/// <summary>A k-NN sweep directory read back: its spec, its runs in the store, the theory of its lattice, the per-x medians.</summary>
public sealed class KnnSweepResults
{
    public string Directory { get; }
    public SweepSpec Spec { get; }
    public string SpecJson { get; }
    public IReadOnlyList<KnnRunRow> Runs { get; }
    public ScalingTheory Theory { get; }
    /// <summary>Only the manifold law applies (away from the Bethe p_c, or a finite lattice without a τ override).</summary>
    public bool ManifoldOnly { get; }

    public KnnSweepResults(string directory, SweepSpec spec, string specJson, IReadOnlyList<KnnRunRow> runs)
    {
        Directory = directory;
        Spec = spec;
        SpecJson = specJson;
        Runs = runs;
        (Theory, ManifoldOnly) = KnnSweepPlan.ResolveTheory(spec);
    }

    public static KnnSweepResults Load(string directory)
    {
        var (spec, specJson, storePath) = SweepResults.Locate(directory);
        if (!spec.IsKnn) throw new UserInputException($"'{directory}' holds a transformer sweep, not a k-NN sweep");
        using var store = new ResultsStore(storePath);
        var runs = store.Rows("knn_runs").Where(r => (string)r["sweep"]! == spec.Name).Select(r => new KnnRunRow(
            (string)r["id"]!, (string)r["sweep"]!, (string)r["status"]!, r["reason"] as string, (string)r["kind"]!, Convert.ToDouble(r["x"]),
            unchecked((ulong)Convert.ToInt64(r["seed"])), r["loss"] is null ? null : Convert.ToDouble(r["loss"]),
            r["train_size"] is null ? null : Convert.ToInt64(r["train_size"]), r["test_size"] is null ? null : Convert.ToInt64(r["test_size"]),
            r["wall_seconds"] is null ? null : Convert.ToDouble(r["wall_seconds"]))).ToList();
        return new KnnSweepResults(directory, spec, specJson, runs);
    }

    /// <summary>Median and 16/84% quantiles of the finished runs' losses per x of one store kind (knn_data_scaling, knn_model_scaling).</summary>
    public IReadOnlyList<KnnPoint> Points(string kind) => Runs.Where(r => r.Kind == kind && r.IsDone)
        .GroupBy(r => r.X).OrderBy(g => g.Key)
        .Select(g =>
        {
            var losses = g.Select(r => r.Loss!.Value).ToArray();
            return new KnnPoint(g.Key, Statistics.Median(losses), Statistics.Quantile(losses, 0.16), Statistics.Quantile(losses, 0.84), losses.Length);
        }).ToList();
}
