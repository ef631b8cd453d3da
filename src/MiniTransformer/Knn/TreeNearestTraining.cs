namespace MiniTransformer.Knn;

/// <summary>
/// For every site of a tree, the nearest training site by tree distance — what a multi-source BFS from all
/// training sites computes — in two O(size) sweeps over the BFS-ordered parent array, with no adjacency lists
/// and no queue. Each site carries the lexicographically smallest (distance, site index) pair seen so far, packed
/// into one long: sweep 1 (leaves to root) folds every subtree's best into its parent, sweep 2 (root to leaves)
/// lets each site inherit its parent's best + 1. After sweep 2 a site holds the minimum over every training site
/// (those outside its subtree arrive through the parent; those inside are already there and only ever reappear via
/// the parent at distance + 2). Ties go to the lowest site index, so the result is a pure function of the tree and
/// the training set. Both sweeps are level-parallel on a device (one level after another).
/// </summary>
public static class TreeNearestTraining
{
    /// <summary>Packed "no training site": larger than any (distance, index) pair.</summary>
    public const long None = long.MaxValue;

    public static int Distance(long packed) => (int)(packed >> 32);
    public static int Site(long packed) => (int)(uint)packed;

    /// <param name="parents">parents[0] = −1, parents[i] &lt; i.</param>
    /// <param name="isTraining">training-site mask.</param>
    /// <param name="best">receives (distance &lt;&lt; 32 | nearest site) per site, or <see cref="None"/> when the tree has no training site.</param>
    public static void Compute(ReadOnlySpan<int> parents, ReadOnlySpan<bool> isTraining, Span<long> best)
    {
        int n = parents.Length;
        for (int i = 0; i < n; i++) best[i] = isTraining[i] ? i : None;
        const long step = 1L << 32;
        for (int i = n - 1; i > 0; i--)
        {
            long b = best[i];
            if (b == None) continue;
            int p = parents[i];
            if (b + step < best[p]) best[p] = b + step;
        }
        for (int i = 1; i < n; i++)
        {
            long b = best[parents[i]];
            if (b == None) continue;
            if (b + step < best[i]) best[i] = b + step;
        }
    }
}
