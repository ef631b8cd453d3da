using MiniTransformer.Percolation;

namespace MiniTransformer.Knn;

/// <summary>
/// SCIENCE.md's model: predict a site's value from its nearest training site by tree distance, shrunk toward 0 by
/// ŷ = y_nn / (1 + dist/√size) (<see cref="Shrinkage"/> off: ŷ = y_nn). The nearest sites of the whole cluster come
/// from <see cref="TreeNearestTraining"/> in O(size), never from a pairwise search.
/// </summary>
public sealed class TreeNearestNeighbourRegressor(bool shrinkage = true) : ClusterRegressor
{
    public bool Shrinkage { get; } = shrinkage;
    public override bool IsThreadSafe => true;

    public override void Predict(ClusterSet set, int cluster, ReadOnlySpan<bool> isTraining, int trainingCount,
        ReadOnlySpan<int> queries, Span<double> predictions, RegressorScratch scratch)
    {
        int size = set.Size(cluster);
        var best = RegressorScratch.Ensure(ref scratch.Packed, size).AsSpan(0, size);
        TreeNearestTraining.Compute(set.ParentsOf(cluster), isTraining, best);
        var values = set.ValuesOf(cluster);
        double invSqrtSize = 1.0 / Math.Sqrt(size);
        for (int q = 0; q < queries.Length; q++)
        {
            long b = best[queries[q]];
            double y = values[TreeNearestTraining.Site(b)];
            predictions[q] = Shrinkage ? y / (1.0 + TreeNearestTraining.Distance(b) * invSqrtSize) : y;
        }
    }
}
