using MiniTransformer.Compute;
using MiniTransformer.Percolation;
using MiniTransformer.Tests.Compute;

namespace MiniTransformer.Tests.Percolation;

/// <summary>
/// <see cref="ComputeBackend.LabelClusters"/> (label equivalence with pointer jumping, one implementation per backend)
/// against the sequential union–find of <see cref="ClusterLabelling.UnionFind"/> — itself checked against the BFS
/// extraction — on random configurations of several dimensions, awkward sides (2, primes, one past a work-group),
/// both boundaries, and p below, near and above the threshold.
/// </summary>
public class DeviceLabellingTests
{
    private static readonly (int D, int Side, bool Periodic, double P)[] Configurations =
    [
        (1, 1000, false, 0.9), (1, 257, true, 0.95),
        (2, 2, false, 0.6), (2, 3, true, 0.5), (2, 37, false, 0.5927), (2, 64, true, 0.5927), (2, 257, false, 0.75), (2, 100, true, 0.1),
        (3, 13, true, 0.3116), (3, 10, false, 0.25), (3, 17, false, 0.6),
        (4, 7, true, 0.1968), (5, 5, false, 0.3),
    ];

    public static TheoryData<BackendKind> Backends => BackendCases.All;

    [Theory]
    [MemberData(nameof(Backends))]
    public void DeviceLabelsEqualUnionFindUpToRenaming(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (d, side, periodic, p) in Configurations)
            foreach (ulong seed in new ulong[] { 1, 99 })
            {
                var lattice = new HypercubicLattice(d, side, periodic);
                var occupied = OccupationOrder.OccupiedAt(lattice, seed, p);
                var expected = ClusterLabelling.UnionFind(lattice, occupied);
                var got = ClusterLabelling.OnBackend(backend, lattice, occupied);
                string where = $"{side}^{d} {(periodic ? "periodic" : "open")} p = {p} seed {seed}";
                // A bijection between the two labellings (the same partition of the occupied sites) …
                var forward = new Dictionary<int, int>();
                var backward = new Dictionary<int, int>();
                for (int i = 0; i < lattice.SiteCount; i++)
                {
                    Assert.True((expected[i] < 0) == (got[i] < 0), $"{where}: site {i} occupied in one labelling only");
                    if (expected[i] < 0) continue;
                    Assert.Equal(forward.GetValueOrDefault(expected[i], got[i]), got[i]);
                    Assert.Equal(backward.GetValueOrDefault(got[i], expected[i]), expected[i]);
                    forward[expected[i]] = got[i];
                    backward[got[i]] = expected[i];
                }
                // … and the documented canonical name: each cluster's lowest site index.
                Assert.Equal(expected, got);
            }
    }

    /// <summary>The union–find reference and the BFS extraction are independent: same cluster-size multiset.</summary>
    [Theory]
    [InlineData(2, 48, false, 0.58)]
    [InlineData(3, 12, true, 0.33)]
    public void UnionFindLabelsMatchBreadthFirstClusters(int d, int side, bool periodic, double p)
    {
        var lattice = new HypercubicLattice(d, side, periodic);
        var labels = ClusterLabelling.UnionFind(lattice, OccupationOrder.OccupiedAt(lattice, 5, p));
        var sizes = labels.Where(l => l >= 0).GroupBy(l => l).Select(g => g.Count()).Order().ToArray();
        var set = LatticeClusterExtractor.Extract(new LatticeSpec(d, side, periodic, p, 1, int.MaxValue, Seed: 5));
        Assert.Equal(set.Info.Sizes.Order().ToArray(), sizes);
        for (int k = 0; k < set.Count; k++)
            Assert.Equal((int)set.Info.ClusterIds[k], labels[(int)set.Info.ClusterIds[k]]); // a BFS root is its cluster's lowest index
    }
}
