using MiniTransformer.Percolation;

namespace MiniTransformer.Knn;

/// <summary>
/// A regressor that predicts target values on one cluster from that cluster's training sites (sites of other
/// clusters carry unrelated targets, so they never help). A cluster without training sites predicts 0, the
/// target's mean — the experiments handle that case without calling the regressor.
/// </summary>
public abstract class ClusterRegressor
{
    /// <summary>Whether <see cref="Predict"/> may run concurrently on different clusters.</summary>
    public abstract bool IsThreadSafe { get; }

    /// <summary>
    /// Predictions at the local sites <paramref name="queries"/> of cluster <paramref name="cluster"/> from the sites
    /// with <paramref name="isTraining"/> set (at least one). <paramref name="scratch"/> is per-thread working memory.
    /// </summary>
    public abstract void Predict(ClusterSet set, int cluster, ReadOnlySpan<bool> isTraining, int trainingCount,
        ReadOnlySpan<int> queries, Span<double> predictions, RegressorScratch scratch);
}

/// <summary>Per-thread buffers, grown on demand, so the hot loops allocate nothing.</summary>
public sealed class RegressorScratch
{
    public long[] Packed = new long[256];
    public float[] Floats = new float[256];
    public float[] Floats2 = new float[256];
    public bool[] Mask = new bool[256];
    public double[] Predictions = new double[256];

    public static T[] Ensure<T>(ref T[] array, long length)
    {
        if (array.Length < length) array = new T[Math.Max(length, 2L * array.Length)];
        return array;
    }
}
