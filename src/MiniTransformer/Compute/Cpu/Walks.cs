using System.Runtime.CompilerServices;
using MiniTransformer.Data.Walks;

namespace MiniTransformer.Compute.Cpu;

// Walk sampling on the CPU is the host definition itself: WalkTables.SampleWalk per walk, walks in parallel.
public sealed unsafe partial class CpuBackend
{
    // Training streams sample one batch of walks per step from the same uploaded tables; copying a large graph's
    // tables back out of CPU buffers on every call would cost more than the walks. Uploaded tables are immutable.
    private readonly ConditionalWeakTable<DeviceWalkTables, WalkTables> _hostWalkTables = new();

    protected override void SampleWalksCore(DeviceSlice<int> tokens, DeviceWalkTables tables, int length, long firstWalk, int count, ulong seed)
    {
        var host = _hostWalkTables.GetValue(tables, t => new WalkTables(
            DownloadArray(t.Offsets), DownloadArray(t.Neighbors), DownloadArray(t.Threshold),
            DownloadArray(t.Alias), DownloadArray(t.StartThreshold), DownloadArray(t.StartAlias)));
        if (host.NodeCount != tables.NodeCount) throw new ArgumentException($"walk tables hold {host.NodeCount} nodes, not {tables.NodeCount}");
        int* output = Ptr(tokens);
        ForChunks(count, 256, (start, end) =>
        {
            for (long w = start; w < end; w++) host.SampleWalk(seed, firstWalk + w, new Span<int>(output + w * length, length));
        });
    }

    protected override void SplitSequencesCore(DeviceSlice<int> inputs, DeviceSlice<int> targets, DeviceSlice<int> sequences, int count, int length)
    {
        int* source = Ptr(sequences), input = Ptr(inputs), target = Ptr(targets);
        int context = length - 1;
        for (long row = 0; row < count; row++)
        {
            new ReadOnlySpan<int>(source + row * length, context).CopyTo(new Span<int>(input + row * context, context));
            new ReadOnlySpan<int>(source + row * length + 1, context).CopyTo(new Span<int>(target + row * context, context));
        }
    }
}
