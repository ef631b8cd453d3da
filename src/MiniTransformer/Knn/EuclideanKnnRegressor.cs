using MiniTransformer.Percolation;

namespace MiniTransformer.Knn;

/// <summary>
/// k-NN regression on a finite-lattice cluster's Euclidean coordinates (the supercritical "manifold" regime):
/// training sites of the same cluster are the points, queries the sites to predict. See <see cref="EuclideanKnn"/>.
/// </summary>
public sealed class EuclideanKnnRegressor(EuclideanKnn knn, int k, KnnWeights weights) : ClusterRegressor
{
    public int K { get; } = k >= 1 ? k : throw new UserInputException($"k must be ≥ 1 (got {k})");
    public KnnWeights Weights { get; } = weights;
    public override bool IsThreadSafe => false;

    public override void Predict(ClusterSet set, int cluster, ReadOnlySpan<bool> isTraining, int trainingCount,
        ReadOnlySpan<int> queries, Span<double> predictions, RegressorScratch scratch)
    {
        if (set.Coordinates is null) throw new UserInputException("Euclidean k-NN needs coordinates: use clusters from a hypercubic lattice");
        int d = set.Dimension, size = set.Size(cluster);
        var coords = set.CoordinatesOf(cluster);
        var values = set.ValuesOf(cluster);
        var points = RegressorScratch.Ensure(ref scratch.Floats, (long)trainingCount * d);
        var queryCoords = RegressorScratch.Ensure(ref scratch.Floats2, (long)queries.Length * d);
        var trainValues = new double[trainingCount];
        for (int i = 0, t = 0; i < size; i++)
        {
            if (!isTraining[i]) continue;
            for (int a = 0; a < d; a++) points[t * d + a] = coords[i * d + a];
            trainValues[t++] = values[i];
        }
        for (int q = 0; q < queries.Length; q++)
            for (int a = 0; a < d; a++) queryCoords[q * d + a] = coords[queries[q] * d + a];
        knn.Predict(points, trainValues, trainingCount, queryCoords, queries.Length, d, K, Weights, predictions);
    }
}
