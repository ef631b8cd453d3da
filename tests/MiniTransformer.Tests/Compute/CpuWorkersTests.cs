using MiniTransformer.Compute.Cpu;

namespace MiniTransformer.Tests.Compute;

/// <summary>The CPU ops' fork-join team: every item exactly once, failures surface, and it is safe to share.</summary>
public class CpuWorkersTests
{
    private static readonly ParallelOptions Fallback = new() { MaxDegreeOfParallelism = 2 };

    [Fact]
    public void RunsEveryItemExactlyOnce()
    {
        foreach (long count in new long[] { 1, 2, 3, 17, 1000 })
            for (int round = 0; round < 50; round++)
            {
                var hits = new int[count];
                CpuWorkers.For(count, 2, Fallback, i => Interlocked.Increment(ref hits[i]));
                Assert.All(hits, h => Assert.Equal(1, h));
            }
    }

    [Fact]
    public void AnItemsExceptionReachesTheCallerAndTheTeamStaysUsable()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            CpuWorkers.For(64, 2, Fallback, i => { if (i == 37) throw new InvalidOperationException("item 37"); }));
        Assert.Equal("item 37", error.Message);
        long sum = 0;
        CpuWorkers.For(100, 2, Fallback, i => Interlocked.Add(ref sum, i));
        Assert.Equal(4950, sum);
    }

    [Fact]
    public void NestedAndConcurrentCallsEachRunEveryItem()
    {
        var hits = new int[8 * 16];
        Parallel.For(0, 4, caller =>
            CpuWorkers.For(8, 2, Fallback, outer =>
                CpuWorkers.For(16, 2, Fallback, inner => Interlocked.Increment(ref hits[outer * 16 + inner]))));
        Assert.All(hits, h => Assert.Equal(4, h));
    }
}
