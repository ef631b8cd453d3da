using MiniTransformer.Percolation;
using MiniTransformer.Randomness;

namespace MiniTransformer.Knn;

/// <summary>
/// One experiment seed's random split of all sites: every site gets a key u ∈ [0, 1) (Philox, key = seed, stream
/// <see cref="Stream"/>, index = global site index). Sites with u &lt; test fraction are the held-out test set; the
/// training set at sampling rate ρ is the sites with test ≤ u &lt; test + ρ·(1 − test) — uniform sampling at rate ρ
/// among the non-test sites, and nested: a larger ρ only adds sites. Per cluster the test sites are listed and the
/// smallest non-test key kept, so a cluster with no training site at rate ρ is recognised in O(1).
/// </summary>
public sealed class SiteSplit
{
    /// <summary>Philox stream of the sampling keys, apart from every cluster-generation stream.</summary>
    public const ulong Stream = 1UL << 62;

    public required float[] Keys { get; init; }
    public required double TestFraction { get; init; }
    public required long[] TestOffsets { get; init; }
    public required int[] TestSites { get; init; }
    public required float[] MinTrainKey { get; init; }
    public long TestCount => TestSites.Length;

    public ReadOnlySpan<int> TestSitesOf(int cluster) => TestSites.AsSpan((int)TestOffsets[cluster], (int)(TestOffsets[cluster + 1] - TestOffsets[cluster]));

    /// <summary>The key threshold below which (and at or above the test fraction) a non-test site trains at rate ρ.</summary>
    public double Threshold(double rate) => TestFraction + rate * (1 - TestFraction);

    public static SiteSplit Create(ClusterSet set, ulong seed, double testFraction)
    {
        if (!(testFraction > 0 && testFraction < 1)) throw new UserInputException($"test fraction must lie in (0, 1) (got {testFraction})");
        long total = set.TotalSites;
        var keys = new float[total];
        Parallel.For(0, (total + 4095) / 4096, block =>
        {
            long end = Math.Min(total, (block + 1) * 4096);
            for (long i = block * 4096; i < end; i++)
            {
                var (a, b, _, _) = Philox.Draw(seed, Stream, (ulong)i);
                // Rounding to float could reach 1.0 only above 1 − 2^−25; clamp so every key stays in [0, 1).
                keys[i] = Math.Min((float)Philox.ToUnitDouble(a, b), 0.99999994f);
            }
        });
        var offsets = new long[set.Count + 1];
        var tests = new List<int>();
        var minTrain = new float[set.Count];
        for (int k = 0; k < set.Count; k++)
        {
            long start = set.Offsets[k];
            float min = float.PositiveInfinity;
            for (int i = 0; i < set.Size(k); i++)
            {
                float u = keys[start + i];
                if (u < testFraction) tests.Add(i);
                else if (u < min) min = u;
            }
            minTrain[k] = min;
            offsets[k + 1] = tests.Count;
        }
        if (tests.Count == 0)
            throw new UserInputException($"the held-out set is empty: a test fraction of {testFraction} of {total} sites selects none (raise --test-fraction or use more clusters)");
        return new SiteSplit
        {
            Keys = keys, TestFraction = testFraction, TestOffsets = offsets, TestSites = tests.ToArray(),
            MinTrainKey = minTrain,
        };
    }

    /// <summary>The number of training sites at key threshold <paramref name="threshold"/>.</summary>
    public long TrainingCount(double threshold)
    {
        long count = 0;
        var keys = Keys;
        double test = TestFraction;
        object gate = new();
        Parallel.For(0, (keys.Length + 65535) / 65536, () => 0L, (block, _, local) =>
        {
            int end = (int)Math.Min(keys.Length, (block + 1) * 65536L);
            for (int i = (int)(block * 65536L); i < end; i++) if (keys[i] >= test && keys[i] < threshold) local++;
            return local;
        }, local => { lock (gate) count += local; });
        return count;
    }
}
