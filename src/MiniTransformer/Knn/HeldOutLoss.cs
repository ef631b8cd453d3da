using MiniTransformer.Percolation;

namespace MiniTransformer.Knn;

/// <summary>
/// Mean squared error over a <see cref="SiteSplit"/>'s test sites, for a training set given cluster by cluster.
/// Clusters without test sites are skipped; a cluster without training sites predicts 0 (each cluster's target has
/// mean 0), so it adds the sum of its squared test targets.
/// </summary>
public static class HeldOutLoss
{
    /// <summary>Fills the training mask of a cluster (length = its size) and returns how many sites train.</summary>
    public delegate int TrainingMask(int cluster, Span<bool> mask);

    /// <param name="hasTraining">cheap check whether a cluster trains at all (skips building its mask when not).</param>
    public static double Compute(ClusterSet set, SiteSplit split, ClusterRegressor regressor,
        Func<int, bool> hasTraining, TrainingMask fillMask, RegressorScratch scratch)
    {
        double sum = 0;
        for (int k = 0; k < set.Count; k++)
        {
            var tests = split.TestSitesOf(k);
            if (tests.Length == 0) continue;
            var values = set.ValuesOf(k);
            int trained = 0;
            Span<bool> mask = default;
            if (hasTraining(k))
            {
                mask = RegressorScratch.Ensure(ref scratch.Mask, set.Size(k)).AsSpan(0, set.Size(k));
                trained = fillMask(k, mask);
            }
            if (trained == 0)
            {
                foreach (int t in tests) sum += (double)values[t] * values[t];
                continue;
            }
            var predictions = RegressorScratch.Ensure(ref scratch.Predictions, tests.Length).AsSpan(0, tests.Length);
            regressor.Predict(set, k, mask, trained, tests, predictions, scratch);
            for (int q = 0; q < tests.Length; q++)
            {
                double e = predictions[q] - values[tests[q]];
                sum += e * e;
            }
        }
        return sum / split.TestCount;
    }
}
