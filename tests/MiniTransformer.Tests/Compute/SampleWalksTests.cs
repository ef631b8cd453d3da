using MiniTransformer.Compute;
using MiniTransformer.Data.Walks;

namespace MiniTransformer.Tests.Compute;

public class SampleWalksTests
{
    private const uint Half = 1u << 31, Always = uint.MaxValue;

    /// <summary>
    /// Four nodes built by hand: 0 → {1: ¼, 2: ¾}, 1 → {0, 2, 3} uniform, 2 → {3}, 3 → {0, 1} uniform; walks start at
    /// node 0 with probability ⅜ (slot 0, plus half of slot 1), node 1 with ⅛, nodes 2 and 3 with ¼ each.
    /// </summary>
    internal static WalkTables HandBuilt() => new(
        Offsets: [0, 2, 5, 6, 8],
        Neighbors: [1, 2, 0, 2, 3, 3, 0, 1],
        Threshold: [Half, Always, Always, Always, Always, Always, Always, Always],
        Alias: [1, 1, 2, 3, 4, 5, 6, 7],
        StartThreshold: [Always, Half, Always, Always],
        StartAlias: [0, 0, 2, 3]);

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void BitIdenticalToTheHostSampler(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        var host = HandBuilt();
        using var offsets = backend.UploadNew<int>(host.Offsets);
        using var neighbors = backend.UploadNew<int>(host.Neighbors);
        using var threshold = backend.UploadNew<uint>(host.Threshold);
        using var alias = backend.UploadNew<int>(host.Alias);
        using var startThreshold = backend.UploadNew<uint>(host.StartThreshold);
        using var startAlias = backend.UploadNew<int>(host.StartAlias);
        var tables = new DeviceWalkTables(host.NodeCount, offsets, neighbors, threshold, alias, startThreshold, startAlias);
        foreach (var (first, count, length, seed) in new[] { (0L, 1, 1, 1UL), (5L, 37, 9, 42UL), (1L << 33, 300, 64, 0xDEADBEEFCAFEUL) })
        {
            using var tokens = backend.Allocate<int>((long)count * length);
            backend.SampleWalks(tokens, tables, length, first, count, seed);
            var got = backend.DownloadArray<int>(tokens);
            var expected = new int[count * length];
            for (int w = 0; w < count; w++) host.SampleWalk(seed, first + w, expected.AsSpan(w * length, length));
            Assert.Equal(expected, got);
            for (int w = 0; w < count; w++)
                for (int t = 1; t < length; t++)
                {
                    int from = got[w * length + t - 1], to = got[w * length + t];
                    Assert.Contains(to, host.Neighbors[host.Offsets[from]..host.Offsets[from + 1]]);
                }
        }
    }
}
