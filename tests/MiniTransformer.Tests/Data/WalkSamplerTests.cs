using MiniTransformer.Data.Graphs;
using MiniTransformer.Data.Walks;

namespace MiniTransformer.Tests.Data;

/// <summary>Walks against the theory of the random walk, and the reproducibility contract.</summary>
public class WalkSamplerTests
{
    private static Graph WeightedEr(int n = 300, long m = 1500) =>
        new GraphSpec(GraphSpec.ErGnm, n, Edges: m, Weights: new PowerLawWeights(1, 1, 10), Seed: 4).Generate();

    [Theory]
    [InlineData(1, 37, true)]
    [InlineData(8, 37, true)]
    [InlineData(16, 37, true)]
    [InlineData(16, 1, true)]
    [InlineData(16, 50, true)]
    [InlineData(1, 37, false)] // unweighted: the sampler's uniform-table shortcut
    [InlineData(16, 50, false)]
    public void MatchesTheReferenceDefinitionOfAWalk(int lanes, int length, bool weighted)
    {
        if (lanes > WalkSampler.BestLanes) Assert.Skip($"this CPU has no {lanes}-lane vector path");
        var tables = WalkTableBuilder.Build(weighted ? WeightedEr() : new GraphSpec(GraphSpec.ErGnm, 300, Edges: 1500, Seed: 4).Generate());
        const int count = 300; // not a multiple of the group width: the scalar tail runs too
        var tokens = new uint[count * length];
        // Streams straddle 2³² so the high counter word changes inside a vector group.
        const long first = (1L << 32) - 100;
        WalkSampler.Sample(tables, 0x1234_5678_9ABC_DEF0, first, count, length, tokens, threads: 0, lanes);
        var reference = new int[length];
        for (int i = 0; i < count; i++)
        {
            tables.SampleWalk(0x1234_5678_9ABC_DEF0, first + i, reference);
            Assert.Equal(reference.Select(x => (uint)x), tokens.Skip(i * length).Take(length));
        }
    }

    [Fact]
    public void IndependentOfThreadCountAndSharding()
    {
        var tables = WalkTableBuilder.Build(WeightedEr());
        const int length = 50, count = 5000;
        var all = WalkSampler.Sample(tables, 5, 0, count, length, threads: 0);
        Assert.Equal(all, WalkSampler.Sample(tables, 5, 0, count, length, threads: 1));
        var shards = new List<uint>();
        foreach (var (first, size) in new[] { (0, 1), (1, 700), (701, 2299), (3000, 2000) })
            shards.AddRange(WalkSampler.Sample(tables, 5, first, size, length, threads: 2));
        Assert.Equal(all, shards);
        Assert.NotEqual(all, WalkSampler.Sample(tables, 6, 0, count, length));
    }

    [Fact]
    public void StartNodesFollowTheStationaryDistribution()
    {
        var graph = WeightedEr();
        var tokens = WalkSampler.Sample(WalkTableBuilder.Build(graph), 1, 0, 200_000, 1);
        var observed = new double[graph.NodeCount];
        foreach (var t in tokens) observed[t]++;
        double total = Enumerable.Range(0, graph.NodeCount).Sum(u => (double)graph.WeightedDegree(u));
        ChiSquare.AssertFits(observed, Enumerable.Range(0, graph.NodeCount).Select(u => (double)tokens.Length * graph.WeightedDegree(u) / total).ToArray());
    }

    [Fact]
    public void TransitionFrequenciesMatchNormalisedWeights()
    {
        var graph = WeightedEr(60, 200);
        const int length = 100;
        var tokens = WalkSampler.Sample(WalkTableBuilder.Build(graph), 2, 0, 20_000, length);
        var counts = new Dictionary<(int, int), double>();
        var visits = new double[graph.NodeCount];
        for (int i = 0; i < tokens.Length; i++)
        {
            if (i % length == 0) continue;
            int u = (int)tokens[i - 1], v = (int)tokens[i];
            counts[(u, v)] = counts.GetValueOrDefault((u, v)) + 1;
            visits[u]++;
        }
        // One χ² over every (node, neighbour) cell, conditioning on each row's total: Σ_u (deg_u − 1) degrees of freedom.
        var observed = new List<double>();
        var expected = new List<double>();
        int rows = 0;
        for (int u = 0; u < graph.NodeCount; u++)
        {
            if (visits[u] == 0) continue;
            rows++;
            for (int i = graph.Offsets[u]; i < graph.Offsets[u + 1]; i++)
            {
                observed.Add(counts.GetValueOrDefault((u, graph.Neighbors[i])));
                expected.Add(visits[u] * graph.WeightAt(i) / graph.WeightedDegree(u));
            }
        }
        Assert.Equal(observed.Sum(), counts.Values.Sum()); // every transition followed an edge
        ChiSquare.AssertFits(observed, expected, constraints: rows);
    }

    [Fact]
    public void MeanNegativeLogLikelihoodConvergesToEntropyRate()
    {
        var graph = WeightedEr(2000, 12_000);
        const int length = 50;
        var tokens = WalkSampler.Sample(WalkTableBuilder.Build(graph), 3, 0, 40_000, length);
        var (_, nonEdges, mean, stdErr) = WalkFileStats.TransitionNll(graph, tokens, length);
        Assert.Equal(0, nonEdges);
        double h = EntropyRate.Compute(graph)!.Value;
        Assert.True(Math.Abs(mean!.Value - h) < 4 * stdErr!.Value, $"mean −ln P = {mean:F5} ± {stdErr:F5}, entropy rate {h:F5}");
        Assert.True(stdErr < 2e-3);
    }
}
