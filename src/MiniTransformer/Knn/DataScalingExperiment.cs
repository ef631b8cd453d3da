using MiniTransformer.Percolation;

namespace MiniTransformer.Knn;

public sealed record DataScalingOptions(
    int Points = 50,
    int Seeds = 10,
    ulong Seed = 0,
    double TestFraction = 0.001,
    double MinTrain = 1,
    double? MaxTrain = null,
    int MaxThreads = -1);

/// <summary>One (seed, training-set size) measurement. <see cref="TrainSize"/> is the expected size ρ·N_nontest (the
/// grid value, shared by all seeds); <see cref="TrainSizeRealized"/> the number of sites actually sampled.</summary>
public sealed record DataScalingRow(ulong Seed, double Rate, double TrainSize, long TrainSizeRealized, long TestSize, double Loss);

/// <summary>
/// SCIENCE.md's data-scaling experiment: for each seed, hold out a test fraction of all sites, sample training
/// sites uniformly at rate ρ over all clusters for a log-spaced grid of expected training-set sizes, and measure
/// the held-out MSE of the regressor. Grid points run in parallel when the regressor allows it; every number is a
/// pure function of (clusters, seed, grid), whatever the thread count.
/// </summary>
public static class DataScalingExperiment
{
    public static List<DataScalingRow> Run(ClusterSet set, ClusterRegressor regressor, DataScalingOptions o, IProgress<double>? progress = null)
    {
        if (o.Seeds < 1) throw new UserInputException($"the number of seeds must be ≥ 1 (got {o.Seeds})");
        if (!(o.TestFraction > 0 && o.TestFraction < 1)) throw new UserInputException($"test fraction must lie in (0, 1) (got {o.TestFraction})");
        // One grid for every seed, so the seeds' losses line up per training-set size: sizes are expected counts,
        // ρ = size / E[non-test sites] with E[non-test sites] = (1 − test fraction)·N.
        double expectedNonTest = ExpectedNonTest(set, o.TestFraction);
        double maxTrain = Math.Min(o.MaxTrain ?? expectedNonTest, expectedNonTest);
        if (!(o.MinTrain > 0) || o.MinTrain > maxTrain)
            throw new UserInputException($"training sizes must satisfy 0 < min ≤ max ≤ {expectedNonTest:F0} expected non-test sites (got {o.MinTrain} … {maxTrain})");
        var grid = LogGrid.Create(o.MinTrain, maxTrain, o.Points);
        var rows = new List<DataScalingRow>();
        for (int r = 0; r < o.Seeds; r++)
        {
            ulong seed = o.Seed + (ulong)r;
            var split = SiteSplit.Create(set, seed, o.TestFraction);
            var results = new DataScalingRow[grid.Length];
            var options = new ParallelOptions { MaxDegreeOfParallelism = regressor.IsThreadSafe ? o.MaxThreads : 1 };
            Parallel.For(0, grid.Length, options, () => new RegressorScratch(), (j, _, scratch) =>
            {
                results[j] = Measure(set, split, regressor, seed, grid[j], scratch);
                return scratch;
            }, _ => { });
            rows.AddRange(results);
            progress?.Report((r + 1.0) / o.Seeds);
        }
        return rows;
    }

    /// <summary>E[non-test sites] = (1 − test fraction)·N: expected training-set sizes convert to rates ρ = size / this.</summary>
    public static double ExpectedNonTest(ClusterSet set, double testFraction) => set.TotalSites * (1 - testFraction);

    /// <summary>
    /// One grid point of one seed: the held-out MSE when training on the non-test sites sampled at rate
    /// ρ = <paramref name="trainSize"/> / E[non-test sites] (a sweep measures its points one run at a time with this).
    /// </summary>
    public static DataScalingRow Measure(ClusterSet set, SiteSplit split, ClusterRegressor regressor, ulong seed, double trainSize, RegressorScratch scratch)
    {
        double rate = trainSize / ExpectedNonTest(set, split.TestFraction);
        double threshold = split.Threshold(rate);
        double loss = Evaluate(set, split, regressor, threshold, scratch);
        return new DataScalingRow(seed, rate, trainSize, split.TrainingCount(threshold), split.TestCount, loss);
    }

    /// <summary>Held-out MSE when the non-test sites with key below <paramref name="threshold"/> train.</summary>
    public static double Evaluate(ClusterSet set, SiteSplit split, ClusterRegressor regressor, double threshold, RegressorScratch scratch)
    {
        var keys = split.Keys;
        double test = split.TestFraction;
        return HeldOutLoss.Compute(set, split, regressor,
            k => split.MinTrainKey[k] < threshold,
            (k, mask) =>
            {
                var u = keys.AsSpan((int)set.Offsets[k], set.Size(k));
                int count = 0;
                for (int i = 0; i < u.Length; i++)
                {
                    bool train = u[i] >= test && u[i] < threshold;
                    mask[i] = train;
                    count += train ? 1 : 0;
                }
                return count;
            }, scratch);
    }
}
