using MiniTransformer.Compute;
using MiniTransformer.Percolation;
using MiniTransformer.Tests.Compute;

namespace MiniTransformer.Tests.Percolation;

/// <summary>Level-parallel Bethe growth as kernels (<see cref="DeviceBetheGrowth"/>) against the CPU generator.</summary>
public class DeviceBetheGrowthTests
{
    public static TheoryData<BackendKind> Backends => BackendCases.All;

    /// <summary>
    /// The integer key thresholds invert exactly like the double table: at every threshold T_k and its neighbours
    /// T_k − 1 and T_k + 1, and at random keys, #{j : key ≥ T_j} equals Sample(key·2^−53).
    /// </summary>
    [Theory]
    [InlineData(199, 1.0 / 199)]
    [InlineData(200, 1.0 / 199)]
    [InlineData(3, 0.6)]
    [InlineData(40, 0.5)]
    public void KeyThresholdsInvertLikeTheDoubleTable(int n, double p)
    {
        var table = new BinomialTable(n, p);
        var thresholds = table.KeyThresholds();
        Assert.Equal(1UL << 53, thresholds[n]);
        var keys = new List<ulong>();
        foreach (ulong t in thresholds)
            foreach (long delta in new long[] { -1, 0, 1 })
                if ((long)t + delta is >= 0 and < 1L << 53) keys.Add((ulong)((long)t + delta));
        var random = new Random(7);
        for (int i = 0; i < 20_000; i++) keys.Add((ulong)random.NextInt64(1L << 53));
        foreach (ulong key in keys)
            Assert.Equal(table.Sample(key * (1.0 / (1UL << 53))), thresholds.Count(t => key >= t));
    }

    /// <summary>
    /// Whole data sets, bit for bit: at p_c with z = 200 (mean one child), on a small coordination number (z = 3) and
    /// supercritical (z = 4, p = 0.45), where many clusters run past max-size and are discarded — across several
    /// device sub-batches.
    /// </summary>
    [Theory]
    [MemberData(nameof(Backends))]
    public void DeviceGrowthEqualsTheCpuGenerator(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var spec in new[]
                 {
                     new BetheSpec(200, BetheGrowth.CriticalProbability(200), MinSize: 3, MaxSize: 2000, Clusters: 3000, Seed: 11),
                     new BetheSpec(3, 0.5, MinSize: 1, MaxSize: 300, Clusters: 5000, Seed: 12),
                     new BetheSpec(4, 0.45, MinSize: 10, MaxSize: 500, Clusters: 600, Seed: 13),
                 })
        {
            var cpu = BetheClusterGenerator.Generate(spec);
            var device = BetheClusterGenerator.Generate(spec, backend: backend);
            Assert.Equal(cpu.Info.Trials, device.Info.Trials);
            Assert.Equal(cpu.Info.Discarded, device.Info.Discarded);
            Assert.Equal(cpu.Info.ClusterIds, device.Info.ClusterIds);
            Assert.Equal(cpu.Offsets, device.Offsets);
            Assert.Equal(cpu.Parents, device.Parents);
            Assert.Equal(cpu.Values, device.Values);
        }
    }

    /// <summary>
    /// Every trial's size (−1 past max-size) and parent array equal BetheGrowth.Grow's, in one batch: slightly
    /// supercritical (z = 6, p = 0.22 > p_c = 0.2), so both finished and stopped clusters; and 70,000 trials at once,
    /// so the first levels (≈ 70,000 and ≈ 60,000 sites) take the prefix sum through several chunks of group totals.
    /// </summary>
    [Theory]
    [MemberData(nameof(Backends))]
    public void BatchEqualsPerTrialGrowth(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        CheckBatch(backend, z: 6, p: 0.22, count: 777, maxSize: 400, expectStopped: true);
        CheckBatch(backend, z: 3, p: 0.3, count: 70_000, maxSize: 64, expectStopped: false);
    }

    private static void CheckBatch(ComputeBackend backend, int z, double p, int count, int maxSize, bool expectStopped)
    {
        var growth = new BetheGrowth(z, p, seed: 5);
        using var device = new DeviceBetheGrowth(backend, z, p, seed: 5);
        var sizes = new int[count];
        var parents = new int[]?[count];
        device.GrowBatch(firstTrial: 1000, minSize: 1, maxSize, sizes, parents);
        var scratch = new GrowthScratch();
        int stopped = 0;
        for (int i = 0; i < count; i++)
        {
            int size = growth.Grow(1000 + i, maxSize, scratch);
            Assert.Equal(size, sizes[i]);
            if (size < 0) { stopped++; Assert.Null(parents[i]); continue; }
            Assert.Equal(scratch.Parents.AsSpan(0, size).ToArray(), parents[i]);
        }
        if (expectStopped) Assert.InRange(stopped, 1, count - 1);
    }
}
