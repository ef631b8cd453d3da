using MiniTransformer.Percolation;

namespace MiniTransformer.Knn;

public sealed record ModelScalingOptions(
    ScalingTheory Theory,
    int Points = 30,
    int Seeds = 5,
    ulong Seed = 0,
    double TestFraction = 0.001,
    double? ExamplesPerDof = null,
    double? MaxDof = null,
    int MaxThreads = -1);

/// <summary>One seed of the model-scaling experiment, prepared once for all its grid points (<see cref="ModelScalingExperiment.Prepare"/>).</summary>
public sealed record ModelScalingSeed(ClusterSet Set, ScalingTheory Theory, ulong Seed, SiteSplit Split, int[] RankOf, int[] TrainingRank,
    double[] ExamplesPerDof, double ExamplesPerDofMedian, double MaxDof);

/// <summary>One (seed, N) measurement: N degrees of freedom, the break rank k_br, the clusters that received
/// training sites, the training sites used, the held-out MSE, and the median examples-per-dof s_k used.</summary>
public sealed record ModelScalingRow(ulong Seed, double Dof, double KBreak, int ClustersTrained, long TrainSize, long TestSize, double Loss, double ExamplesPerDofMedian);

/// <summary>
/// SCIENCE.md's model-scaling experiment. Clusters are ranked by size (largest first, k = 1, 2, …). A model with N
/// degrees of freedom gives cluster k &lt; k_br the allocation n_k of <see cref="ScalingTheory.Allocation"/> (k_br from
/// <see cref="ScalingTheory.BreakRank"/>), realised as m_k = max(1, round(n_k·s_k)) training sites (capped by the
/// cluster's non-test sites): the non-test sites with the smallest sampling keys, so allocations are nested.
/// Clusters at or beyond k_br get nothing and predict 0.
/// <para>
/// s_k (examples per degree of freedom) converts the theory's piecewise-constant pieces into 1-NN examples. With
/// <see cref="ModelScalingOptions.ExamplesPerDof"/> unset it is estimated per cluster by a robust fit: the 1-NN
/// loss with m examples measured on the cluster's other non-test sites for m = 1, 2, 4, … ≤ half of them, and
/// under the manifold law ℓ(m) = (m/s_k)^−c/D each m gives ln s_k = ln m + ln ℓ(m)/(c/D); the median over m
/// is the estimate (robust to the small-m and near-saturation ends where the law bends). A cluster too small to
/// measure takes the median over the others.
/// </para>
/// </summary>
public static class ModelScalingExperiment
{
    public static List<ModelScalingRow> Run(ClusterSet set, TreeNearestNeighbourRegressor regressor, ModelScalingOptions o, IProgress<double>? progress = null)
    {
        o.Theory.Validate();
        if (o.Seeds < 1) throw new UserInputException($"the number of seeds must be ≥ 1 (got {o.Seeds})");
        double maxDof = o.MaxDof ?? o.Theory.DegreesOfFreedomAtBreak(set.Count);
        if (!(maxDof >= 1)) throw new UserInputException($"max-dof must be ≥ 1 (got {maxDof})");
        var grid = LogGrid.Create(1, maxDof, o.Points);
        var rows = new List<ModelScalingRow>();
        for (int r = 0; r < o.Seeds; r++)
        {
            var prepared = Prepare(set, regressor, o.Theory, o.Seed + (ulong)r, o.TestFraction, o.ExamplesPerDof, maxDof, o.MaxThreads);
            var results = new ModelScalingRow[grid.Length];
            Parallel.For(0, grid.Length, new ParallelOptions { MaxDegreeOfParallelism = o.MaxThreads }, () => new RegressorScratch(), (j, _, scratch) =>
            {
                results[j] = Measure(prepared, regressor, grid[j], scratch);
                return scratch;
            }, _ => { });
            rows.AddRange(results);
            progress?.Report((r + 1.0) / o.Seeds);
        }
        return rows;
    }

    /// <summary>
    /// What one seed's grid points share: the split, the clusters ranked by size, each site's rank in its cluster's
    /// training order, and s_k — estimated over the clusters a model of <paramref name="maxDof"/> degrees of freedom
    /// trains, so every N ≤ maxDof of the seed sees the same s_k.
    /// </summary>
    public static ModelScalingSeed Prepare(ClusterSet set, TreeNearestNeighbourRegressor regressor, ScalingTheory theory, ulong seed,
        double testFraction, double? examplesPerDof, double maxDof, int maxThreads = -1)
    {
        theory.Validate();
        if (examplesPerDof is { } fixedS && !(fixedS > 0)) throw new UserInputException($"examples per degree of freedom must be positive (got {fixedS})");
        if (!(maxDof >= 1)) throw new UserInputException($"max-dof must be ≥ 1 (got {maxDof})");
        // Rank clusters by size, largest first; equal sizes keep file order.
        var bySize = Enumerable.Range(0, set.Count).OrderByDescending(set.Size).ThenBy(k => k).ToArray();
        var rankOf = new int[set.Count];
        for (int r = 0; r < bySize.Length; r++) rankOf[bySize[r]] = r + 1;
        int needed = (int)Math.Min(set.Count, Math.Ceiling(theory.BreakRank(maxDof)));
        var split = SiteSplit.Create(set, seed, testFraction);
        var order = TrainingOrder(set, split, bySize.Take(needed), maxThreads);
        var perDof = new double[set.Count];
        if (examplesPerDof is { } s) Array.Fill(perDof, s);
        else EstimateExamplesPerDof(set, split, order, bySize.Take(needed).ToArray(), regressor, theory.ManifoldExponent, perDof, maxThreads);
        double medianS = Median(bySize.Take(needed).Select(k => perDof[k]));
        return new ModelScalingSeed(set, theory, seed, split, rankOf, order, perDof, medianS, maxDof);
    }

    /// <summary>The held-out MSE of a model with <paramref name="n"/> ≤ maxDof degrees of freedom on one prepared seed.</summary>
    public static ModelScalingRow Measure(ModelScalingSeed p, TreeNearestNeighbourRegressor regressor, double n, RegressorScratch scratch)
    {
        if (!(n >= 1 && n <= p.MaxDof * (1 + 1e-12))) throw new UserInputException($"N = {n} lies outside the prepared range 1 … {p.MaxDof}");
        var set = p.Set;
        double kBreak = p.Theory.BreakRank(n);
        var budget = new int[set.Count];
        long trainSize = 0;
        int clustersTrained = 0;
        for (int k = 0; k < set.Count; k++)
        {
            double nk = p.Theory.Allocation(n, kBreak, p.RankOf[k]);
            if (nk <= 0) continue;
            int available = set.Size(k) - p.Split.TestSitesOf(k).Length;
            budget[k] = (int)Math.Min(available, Math.Max(1, Math.Round(nk * p.ExamplesPerDof[k])));
            trainSize += budget[k];
            if (budget[k] > 0) clustersTrained++;
        }
        double loss = HeldOutLoss.Compute(set, p.Split, regressor, k => budget[k] > 0,
            (k, mask) => FirstM(p.TrainingRank, set, k, budget[k], mask), scratch);
        return new ModelScalingRow(p.Seed, n, kBreak, clustersTrained, trainSize, p.Split.TestCount, loss, p.ExamplesPerDofMedian);
    }

    /// <summary>Per site of the listed clusters: its rank among the cluster's non-test sites by sampling key (−1 for test sites).</summary>
    private static int[] TrainingOrder(ClusterSet set, SiteSplit split, IEnumerable<int> clusters, int maxThreads)
    {
        var rank = new int[set.TotalSites];
        Parallel.ForEach(clusters, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, k =>
        {
            int start = (int)set.Offsets[k], size = set.Size(k);
            var u = split.Keys.AsSpan(start, size);
            var sites = new List<int>(size);
            for (int i = 0; i < size; i++)
            {
                if (u[i] < split.TestFraction) rank[start + i] = -1;
                else sites.Add(i);
            }
            var ordered = sites.ToArray();
            var keys = new float[ordered.Length];
            for (int j = 0; j < ordered.Length; j++) keys[j] = u[ordered[j]];
            Array.Sort(keys, ordered);
            for (int j = 0; j < ordered.Length; j++) rank[start + ordered[j]] = j;
        });
        return rank;
    }

    private static int FirstM(int[] rank, ClusterSet set, int k, int m, Span<bool> mask)
    {
        var ranks = rank.AsSpan((int)set.Offsets[k], set.Size(k));
        int count = 0;
        for (int i = 0; i < ranks.Length; i++)
        {
            bool train = ranks[i] >= 0 && ranks[i] < m;
            mask[i] = train;
            count += train ? 1 : 0;
        }
        return count;
    }

    private static void EstimateExamplesPerDof(ClusterSet set, SiteSplit split, int[] rank, int[] clusters,
        TreeNearestNeighbourRegressor regressor, double manifoldExponent, double[] estimates, int maxThreads)
    {
        Array.Fill(estimates, double.NaN);
        Parallel.ForEach(clusters, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, () => new RegressorScratch(), (k, _, scratch) =>
        {
            int size = set.Size(k), start = (int)set.Offsets[k];
            int available = size - split.TestSitesOf(k).Length;
            var logS = new List<double>();
            var mask = new bool[size];
            var values = set.ValuesOf(k);
            for (int m = 1; 2 * m <= available; m *= 2)
            {
                FirstM(rank, set, k, m, mask);
                var queries = new List<int>(available - m);
                for (int i = 0; i < size; i++) if (rank[start + i] >= m) queries.Add(i);
                var predictions = new double[queries.Count];
                regressor.Predict(set, k, mask, m, queries.ToArray(), predictions, scratch);
                double sq = 0;
                for (int q = 0; q < queries.Count; q++) { double e = predictions[q] - values[queries[q]]; sq += e * e; }
                double loss = sq / queries.Count;
                if (loss > 0) logS.Add(Math.Log(m) + Math.Log(loss) / manifoldExponent);
            }
            if (logS.Count > 0) estimates[k] = Math.Exp(Median(logS));
            return scratch;
        }, _ => { });
        var measured = clusters.Where(k => !double.IsNaN(estimates[k])).Select(k => estimates[k]).ToList();
        double fallback = measured.Count > 0 ? Median(measured) : 1.0;
        for (int k = 0; k < estimates.Length; k++) if (double.IsNaN(estimates[k])) estimates[k] = fallback;
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0) return double.NaN;
        int h = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[h] : 0.5 * (sorted[h - 1] + sorted[h]);
    }
}
