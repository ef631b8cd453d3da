using MiniTransformer.Knn;
using MiniTransformer.Percolation;

namespace MiniTransformer.Sweeps;

/// <summary>
/// A k-NN sweep's grid expanded into runs: one per (experiment, grid value, seed). Grid defaults that depend on the
/// clusters (every non-test site, the N whose k_br is the cluster count) are resolved against the generated cluster
/// set, which is a pure function of the spec, so every machine plans the same runs. Runs are ordered by experiment,
/// seed, then x, so runs that share a seed's split and training order run close together (and shard together).
/// </summary>
public sealed class KnnSweepPlan
{
    private KnnSweepPlan(SweepSpec spec, PercolationData data, ScalingTheory theory, bool manifoldOnly, IReadOnlyList<KnnRunConfig> runs)
    {
        Spec = spec;
        Data = data;
        Theory = theory;
        ManifoldOnly = manifoldOnly;
        Runs = runs;
    }

    public SweepSpec Spec { get; }
    public PercolationData Data { get; }

    /// <summary>The theory the report draws; <see cref="ManifoldOnly"/>: only the manifold law applies (away from the Bethe p_c, or a finite lattice).</summary>
    public ScalingTheory Theory { get; }
    public bool ManifoldOnly { get; }
    public IReadOnlyList<KnnRunConfig> Runs { get; }

    /// <summary>
    /// Shard <paramref name="index"/> of <paramref name="count"/>: a contiguous block of the runs in plan order
    /// (experiment, seed, x). Blocks cover the grid exactly once like the transformer shards' id striping, but keep a
    /// seed's runs together, so a shard prepares each seed's split (the dominant cost at full scale) once, not once
    /// per run. The order depends only on the spec, so every machine cuts the same blocks.
    /// </summary>
    public IReadOnlyList<KnnRunConfig> Shard(int index, int count)
    {
        if (count < 1 || index < 0 || index >= count) throw new UserInputException($"shard {index}/{count} is not a valid shard (need 0 ≤ i < n)");
        int start = (int)((long)Runs.Count * index / count), end = (int)((long)Runs.Count * (index + 1) / count);
        return Runs.Skip(start).Take(end - start).ToList();
    }

    /// <summary>The cluster generator with its defaults resolved (Bethe: z = 200, p = p_c, SCIENCE.md's cluster-count rule).</summary>
    public static PercolationData ResolveData(SweepSpec spec)
    {
        var p = spec.Data.Percolation ?? new PercolationDataSpec();
        if (p.Lattice == PercolationDataSpec.Bethe)
        {
            int z = p.Z ?? 200;
            return new PercolationData(p.Lattice, z, null, null, null, p.P ?? BetheGrowth.CriticalProbability(z), p.MinSize, p.MaxSize,
                p.Clusters ?? BetheSpec.ClustersFromRule(p.ExpectedLarge ?? 1.0, p.MinSize, p.MaxSize), p.Seed);
        }
        return new PercolationData(p.Lattice, null, p.Dimension ?? 2, p.Side ?? 256, p.Periodic ?? false, p.P!.Value, p.MinSize, p.MaxSize, null, p.Seed);
    }

    /// <summary>The theory of the spec's lattice with the spec's overrides (<see cref="ScalingTheory.ForLattice"/>).</summary>
    public static (ScalingTheory Theory, bool ManifoldOnly) ResolveTheory(SweepSpec spec)
    {
        var d = ResolveData(spec);
        var t = spec.Knn?.Theory ?? new KnnTheorySpec();
        try
        {
            return ScalingTheory.ForLattice(d.Lattice, d.Z, d.P, d.Dimension ?? 0, t.Tau, t.FractalDimension, t.C);
        }
        catch (UserInputException e)
        {
            throw new UserInputException($"spec field 'knn.theory': {e.Message}");
        }
    }

    public static KnnSweepPlan Expand(SweepSpec spec, ClusterSet set)
    {
        SweepSpecLoader.Validate(spec);
        if (!spec.IsKnn) throw new ArgumentException("not a k-NN sweep spec", nameof(spec));
        var knn = spec.Knn ?? new KnnSpec();
        var data = ResolveData(spec);
        var (theory, manifoldOnly) = ResolveTheory(spec);
        var regressor = knn.Model == KnnSpec.Euclidean
            ? new KnnRegressorConfig(knn.Model, null, knn.K ?? 1, knn.Weights ?? "uniform", spec.Backend)
            : new KnnRegressorConfig(knn.Model, knn.Shrinkage ?? true, null, null, null);
        var runs = new List<KnnRunConfig>();
        foreach (var experiment in knn.Experiments)
        {
            KnnAllocationConfig? allocation = null;
            double[] xs;
            if (experiment == KnnSpec.DataScalingName) xs = TrainSizes(knn, set);
            else
            {
                xs = Dofs(knn, theory, set);
                var m = knn.ModelScaling ?? new KnnModelScalingSpec();
                allocation = new KnnAllocationConfig(theory.Tau, theory.FractalDimension, theory.C, m.ExamplesPerDof, xs.Max());
            }
            foreach (var seed in spec.Seeds)
            foreach (var x in xs)
                runs.Add(new KnnRunConfig(data, experiment, x, seed, knn.TestFraction, regressor, allocation));
        }
        return new KnnSweepPlan(spec, data, theory, manifoldOnly, runs.DistinctBy(r => r.Id).ToList());
    }

    private static double[] TrainSizes(KnnSpec knn, ClusterSet set)
    {
        const string at = "knn.data_scaling";
        var d = knn.DataScaling ?? new KnnDataScalingSpec();
        double nonTest = DataScalingExperiment.ExpectedNonTest(set, knn.TestFraction);
        if (d.Rates is { } rates) return rates.Select(r => r * nonTest).ToArray();
        if (d.TrainSizes is { } sizes)
        {
            Within(sizes.Max() <= nonTest, $"{at}.train_sizes", $"exceeds the {nonTest:F0} expected non-test sites of the clusters");
            return sizes;
        }
        double min = d.MinTrain ?? 1, max = d.MaxTrain ?? nonTest;
        Within(max <= nonTest, $"{at}.max_train", $"exceeds the {nonTest:F0} expected non-test sites of the clusters");
        Within(min <= max, $"{at}.min_train", $"exceeds the {nonTest:F0} expected non-test sites of the clusters");
        return LogGrid.Create(min, max, d.Points ?? 50);
    }

    private static double[] Dofs(KnnSpec knn, ScalingTheory theory, ClusterSet set)
    {
        const string at = "knn.model_scaling";
        var m = knn.ModelScaling ?? new KnnModelScalingSpec();
        if (m.Dofs is { } dofs) return dofs;
        double max = m.MaxDof ?? theory.DegreesOfFreedomAtBreak(set.Count);
        Within(max >= (m.MinDof ?? 1), m.MaxDof is null ? "data.percolation" : $"{at}.max_dof",
            $"the default largest N (k_br = the {set.Count} clusters) is below min_dof; grow more clusters or set max_dof");
        return LogGrid.Create(m.MinDof ?? 1, max, m.Points ?? 30);
    }

    private static void Within(bool ok, string field, string problem)
    {
        if (!ok) throw new UserInputException($"spec field '{field}': {problem}");
    }
}
