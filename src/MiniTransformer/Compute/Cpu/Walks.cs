using MiniTransformer.Data.Walks;

namespace MiniTransformer.Compute.Cpu;

// Walk sampling on the CPU is the host definition itself: WalkTables.SampleWalk per walk, walks in parallel.
public sealed unsafe partial class CpuBackend
{
    protected override void SampleWalksCore(DeviceSlice<int> tokens, DeviceWalkTables tables, int length, long firstWalk, int count, ulong seed)
    {
        var host = new WalkTables(
            DownloadArray(tables.Offsets), DownloadArray(tables.Neighbors), DownloadArray(tables.Threshold),
            DownloadArray(tables.Alias), DownloadArray(tables.StartThreshold), DownloadArray(tables.StartAlias));
        if (host.NodeCount != tables.NodeCount) throw new ArgumentException($"walk tables hold {host.NodeCount} nodes, not {tables.NodeCount}");
        int* output = Ptr(tokens);
        ForChunks(count, 256, (start, end) =>
        {
            for (long w = start; w < end; w++) host.SampleWalk(seed, firstWalk + w, new Span<int>(output + w * length, length));
        });
    }
}
