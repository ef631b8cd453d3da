using MiniTransformer.Data.Graphs;
using MiniTransformer.Data.Walks;

namespace MiniTransformer.Tests.Data;

/// <summary>The alias tables encode exactly the distributions they stand for.</summary>
public class WalkTablesTests
{
    /// <summary>Probability of each absolute alias target implied by one table: slot j keeps itself with Threshold/2³² and otherwise goes to Alias[j].</summary>
    private static Dictionary<int, double> Implied(ReadOnlySpan<uint> threshold, ReadOnlySpan<int> alias, int slotBase)
    {
        var p = new Dictionary<int, double>();
        for (int j = 0; j < threshold.Length; j++)
        {
            double keep = threshold[j] == uint.MaxValue && alias[j] == slotBase + j ? 1 : threshold[j] / 4294967296.0;
            p[slotBase + j] = p.GetValueOrDefault(slotBase + j) + keep / threshold.Length;
            p[alias[j]] = p.GetValueOrDefault(alias[j]) + (1 - keep) / threshold.Length;
        }
        return p;
    }

    [Fact]
    public void NeighbourTablesReproduceNormalisedWeights()
    {
        var graph = new GraphSpec(GraphSpec.ErGnm, 500, Edges: 4000, Weights: new PowerLawWeights(1, 1, 50), Seed: 2).Generate();
        var tables = WalkTableBuilder.Build(graph);
        for (int u = 0; u < graph.NodeCount; u++)
        {
            int begin = graph.Offsets[u], size = graph.Degree(u);
            if (size == 0) continue;
            var implied = Implied(tables.Threshold.AsSpan(begin, size), tables.Alias.AsSpan(begin, size), begin);
            double total = graph.WeightedDegree(u);
            for (int i = begin; i < begin + size; i++)
                Assert.Equal(graph.Weights![i] / total, implied.GetValueOrDefault(i), 1e-9);
        }
    }

    [Fact]
    public void StartTableIsStationaryAndSkipsIsolatedNodes()
    {
        // Nodes 5 and 6 are isolated; the others carry weighted degrees 4, 3, 5, 2, 2.
        int[] a = [0, 1, 0, 3], b = [1, 2, 2, 4];
        uint[] w = [1, 2, 3, 2];
        var graph = CsrBuilder.Build(7, a, b, w, weighted: true);
        var tables = WalkTableBuilder.Build(graph);
        var implied = Implied(tables.StartThreshold, tables.StartAlias, 0);
        double[] stationary = [4 / 16.0, 3 / 16.0, 5 / 16.0, 2 / 16.0, 2 / 16.0, 0, 0];
        for (int u = 0; u < 7; u++) Assert.Equal(stationary[u], implied.GetValueOrDefault(u), 1e-9);
        Assert.Equal(0u, tables.StartThreshold[5]);
        Assert.Equal(0u, tables.StartThreshold[6]);
    }

    [Fact]
    public void GraphWithoutEdgesIsUserError()
    {
        var graph = CsrBuilder.Build(4, [], [], [], weighted: false);
        Assert.Throws<UserInputException>(() => WalkTableBuilder.Build(graph));
    }
}
