namespace MiniTransformer.Compute;

/// <summary>
/// The device state of a batch of Bethe clusters grown level by level (<see cref="ComputeBackend.BetheCountChildren"/>,
/// <see cref="ComputeBackend.BetheWriteChildren"/>). Grown sites are appended level after level to three parallel
/// arrays — the cluster (slot 0 … Clusters−1 of the batch, trial FirstTrial + slot), the site's BFS index within its
/// cluster, and its parent's BFS index (−1 for a root) — and every level stays sorted by cluster, then BFS index,
/// because children are appended in parent order. So a cluster's sites of one level are contiguous, and its parent
/// array in BFS order is the scatter parents[local] = parent of its entries.
/// <para>Child counts invert a 53-bit Philox key through key thresholds of the Binomial(z, p) root table and the
/// Binomial(z − 1, p) child table (<see cref="Percolation.BinomialTable.KeyThresholds"/>): k = #{j : key ≥ T_j}.</para>
/// </summary>
public sealed record DeviceBetheBatch(
    int Clusters,
    long FirstTrial,
    ulong Seed,
    DeviceSlice<int> SiteCluster,
    DeviceSlice<int> SiteLocal,
    DeviceSlice<int> SiteParent,
    DeviceSlice<int> ClusterSizes,
    DeviceSlice<int> LevelFirst,
    DeviceSlice<int> Offsets,
    DeviceSlice<ulong> RootThresholds,
    int RootTrials,
    DeviceSlice<ulong> ChildThresholds,
    int ChildTrials);
