using MiniTransformer.Data.Graphs;
using MiniTransformer.Data.Walks;

namespace MiniTransformer.Tests.Data;

/// <summary>The entropy-rate formula against values worked out by hand and against the definition evaluated directly.</summary>
public class EntropyRateTests
{
    private static Graph Build(int n, (int U, int V, uint W)[] edges, bool weighted = true) =>
        CsrBuilder.Build(n, edges.Select(e => e.U).ToArray(), edges.Select(e => e.V).ToArray(), edges.Select(e => e.W).ToArray(), weighted);

    [Fact]
    public void HandWorkedGraphs()
    {
        // Complete graph K5: every step uniform over 4 neighbours, H = ln 4.
        var k5 = Build(5, [(0, 1, 1), (0, 2, 1), (0, 3, 1), (0, 4, 1), (1, 2, 1), (1, 3, 1), (1, 4, 1), (2, 3, 1), (2, 4, 1), (3, 4, 1)], weighted: false);
        Assert.Equal(Math.Log(4), EntropyRate.Compute(k5)!.Value, 12);
        // Star with 3 leaves: half the time at the centre (ln 3), half at a leaf (0): H = ½ ln 3.
        var star = Build(4, [(0, 1, 1), (0, 2, 1), (0, 3, 1)], weighted: false);
        Assert.Equal(0.5 * Math.Log(3), EntropyRate.Compute(star)!.Value, 12);
        // Path 0 –(1)– 1 –(3)– 2: π = (1, 4, 3)/8; only node 1 has a choice, (¼, ¾): H = ½·(ln 4 − ¾ ln 3).
        var path = Build(3, [(0, 1, 1), (1, 2, 3)]);
        Assert.Equal(0.5 * (Math.Log(4) - 0.75 * Math.Log(3)), EntropyRate.Compute(path)!.Value, 12);
    }

    [Fact]
    public void MatchesDefinitionWithPowerIterationStationaryDistribution()
    {
        // H = Σ_u π_u Σ_v −P(v|u) ln P(v|u), with π found by iterating the (lazy, to avoid periodicity) transition matrix — no use of π ∝ s.
        var graph = new GraphSpec(GraphSpec.ErGnm, 40, Edges: 120, Weights: new PowerLawWeights(0.5, 1, 7), Seed: 8).Generate();
        int n = graph.NodeCount;
        var P = new double[n, n];
        for (int u = 0; u < n; u++)
        {
            double s = graph.WeightedDegree(u);
            for (int i = graph.Offsets[u]; i < graph.Offsets[u + 1]; i++) P[u, graph.Neighbors[i]] = graph.WeightAt(i) / s;
        }
        var components = GraphStats.CountComponents(graph);
        Assert.Equal(1, components.Count - Enumerable.Range(0, n).Count(u => graph.Degree(u) == 0)); // one component with edges
        var pi = new double[n];
        for (int u = 0; u < n; u++) pi[u] = graph.Degree(u) > 0 ? 1 : 0;
        for (int iteration = 0; iteration < 20_000; iteration++)
        {
            var next = new double[n];
            for (int u = 0; u < n; u++)
                for (int v = 0; v < n; v++) next[v] += pi[u] * (0.5 * P[u, v] + (u == v ? 0.5 : 0));
            double z = next.Sum();
            for (int v = 0; v < n; v++) pi[v] = next[v] / z;
        }
        double h = 0;
        for (int u = 0; u < n; u++)
            for (int v = 0; v < n; v++)
                if (P[u, v] > 0) h -= pi[u] * P[u, v] * Math.Log(P[u, v]);
        Assert.Equal(h, EntropyRate.Compute(graph)!.Value, 10);
    }

    [Fact]
    public void CountingEstimatorExcessMatchesBaseline()
    {
        // Fit a bigram table by maximum likelihood to D transitions, measure its exact excess loss Σ_u π_u KL(P(·|u) ‖ P̂(·|u)),
        // and average over independent repeats: it should approach (2E − n)/(2D).
        var graph = new GraphSpec(GraphSpec.ErGnm, 12, Edges: 30, Weights: new PowerLawWeights(1, 1, 5), Seed: 1).Generate();
        var tables = WalkTableBuilder.Build(graph);
        var baseline = CountingBaseline.Of(graph);
        const int length = 200_001, repeats = 60;
        double total = Enumerable.Range(0, graph.NodeCount).Sum(u => (double)graph.WeightedDegree(u));
        var excess = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            var walk = WalkSampler.Sample(tables, 77, r, 1, length);
            var counts = new double[graph.Neighbors.Length];
            var rowTotals = new double[graph.NodeCount];
            for (int t = 1; t < walk.Length; t++)
            {
                int u = (int)walk[t - 1];
                counts[graph.Offsets[u] + graph.NeighborsOf(u).BinarySearch((int)walk[t])]++;
                rowTotals[u]++;
            }
            for (int u = 0; u < graph.NodeCount; u++)
                for (int i = graph.Offsets[u]; i < graph.Offsets[u + 1]; i++)
                {
                    double p = graph.WeightAt(i) / (double)graph.WeightedDegree(u), q = counts[i] / rowTotals[u];
                    excess[r] += graph.WeightedDegree(u) / total * p * Math.Log(p / q);
                }
        }
        double mean = excess.Average(), se = Math.Sqrt(excess.Select(x => (x - mean) * (x - mean)).Sum() / (repeats - 1) / repeats);
        double expected = baseline.ExcessLoss(length - 1);
        Assert.True(Math.Abs(mean - expected) < 4 * se, $"measured {mean:E3} ± {se:E2}, baseline {expected:E3}");
    }
}
