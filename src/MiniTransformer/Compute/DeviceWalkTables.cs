namespace MiniTransformer.Compute;

/// <summary>
/// <see cref="Data.Walks.WalkTables"/> uploaded to a device, so walks are sampled where training runs and the
/// device never waits on host data. Same layout and meaning as the host tables.
/// </summary>
public sealed record DeviceWalkTables(
    int NodeCount,
    DeviceSlice<int> Offsets,
    DeviceSlice<int> Neighbors,
    DeviceSlice<uint> Threshold,
    DeviceSlice<int> Alias,
    DeviceSlice<uint> StartThreshold,
    DeviceSlice<int> StartAlias);
