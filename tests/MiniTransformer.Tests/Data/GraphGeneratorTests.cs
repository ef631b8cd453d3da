using MathNet.Numerics.Distributions;
using MiniTransformer.Data.Graphs;

namespace MiniTransformer.Tests.Data;

/// <summary>Random graphs against their theory: degree laws, exact edge counts, simplicity.</summary>
public class GraphGeneratorTests
{
    [Fact]
    public void GnpDegreesFollowBinomial()
    {
        const int n = 20_000;
        const double p = 10.0 / (n - 1);
        var graph = new GraphSpec(GraphSpec.ErGnp, n, P: p, Seed: 11).Generate();
        var observed = new double[60];
        for (int u = 0; u < n; u++) observed[Math.Min(graph.Degree(u), observed.Length - 1)]++;
        var binomial = new Binomial(p, n - 1);
        var expected = Enumerable.Range(0, observed.Length)
            .Select(k => n * (k == observed.Length - 1 ? 1 - binomial.CumulativeDistribution(k - 1) : binomial.Probability(k))).ToArray();
        ChiSquare.AssertFits(observed, expected);
    }

    [Fact]
    public void GnpEdgeCountIsBinomialOverPairs()
    {
        // Many small graphs: the edge count of G(n, p) is Binomial(N, p), N = n(n−1)/2.
        const int n = 40, graphs = 2000;
        const double p = 0.1;
        int pairs = n * (n - 1) / 2;
        var observed = new double[pairs + 1];
        for (int s = 0; s < graphs; s++) observed[ErdosRenyi.SampleGnp(n, p, (ulong)s).Length]++;
        var binomial = new Binomial(p, pairs);
        ChiSquare.AssertFits(observed, Enumerable.Range(0, pairs + 1).Select(k => graphs * binomial.Probability(k)).ToArray());
    }

    [Theory]
    [InlineData(8192, 53292)]
    [InlineData(1000, 499_000)] // denser than half of all pairs: the complement path
    [InlineData(2, 1)]
    [InlineData(5, 0)]
    public void GnmHasExactlyMEdgesAndIsSimple(int n, long m)
    {
        var graph = new GraphSpec(GraphSpec.ErGnm, n, Edges: m, Seed: 3).Generate();
        Assert.Equal(m, graph.EdgeCount);
        AssertSimpleUndirected(graph);
    }

    [Fact]
    public void GnpExtremesAreEmptyAndComplete()
    {
        Assert.Empty(ErdosRenyi.SampleGnp(100, 0, 1));
        Assert.Equal(Enumerable.Range(0, 4950).Select(i => (long)i), ErdosRenyi.SampleGnp(100, 1, 1));
    }

    [Fact]
    public void HugeSparseGraphsCostWhatTheirEdgesCost()
    {
        // 2·10⁷ nodes (2·10¹⁴ pairs, 1.2·10⁷ chunks of 2²⁴) with 1,000 edges: the chunk count must stay bounded.
        var graph = new GraphSpec(GraphSpec.ErGnm, 20_000_000, Edges: 1000, Seed: 2).Generate();
        Assert.Equal(1000, graph.EdgeCount);
    }

    [Fact]
    public void GnmIsUniformOverEdgeSets()
    {
        // n = 4 has 6 pairs; each of the C(6, 3) = 20 three-edge graphs must be equally likely.
        const int samples = 4000;
        var counts = new Dictionary<string, int>();
        for (int s = 0; s < samples; s++)
        {
            var key = string.Join(",", ErdosRenyi.SampleGnm(4, 3, (ulong)s));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        Assert.Equal(20, counts.Count);
        ChiSquare.AssertFits(counts.Values.Select(c => (double)c).ToArray(), Enumerable.Repeat(samples / 20.0, 20).ToArray());
    }

    [Fact]
    public void BarabasiAlbertReferenceSizeHas49131Edges()
    {
        var graph = new GraphSpec(GraphSpec.Ba, 8192, M: 6, Seed: 1).Generate();
        Assert.Equal(49_131, graph.EdgeCount);
        AssertSimpleUndirected(graph);
        for (int u = 0; u < graph.NodeCount; u++) Assert.True(graph.Degree(u) >= 6);
    }

    [Fact]
    public void BarabasiAlbertTailFollowsTheory()
    {
        // P(k) = 2m(m+1) / (k(k+1)(k+2)) for k ≥ m. Compared where finite-size cut-offs are negligible (k ≤ 60 at n = 200,000).
        const int n = 200_000, m = 3, kMax = 60;
        var graph = new GraphSpec(GraphSpec.Ba, n, M: m, Seed: 5).Generate();
        var observed = new double[kMax - m + 2];
        for (int u = 0; u < n; u++) observed[Math.Min(graph.Degree(u), kMax + 1) - m]++;
        double Pk(int k) => 2.0 * m * (m + 1) / ((double)k * (k + 1) * (k + 2));
        var expected = new double[observed.Length];
        for (int k = m; k <= kMax; k++) expected[k - m] = n * Pk(k);
        expected[^1] = n * m * (m + 1) / ((kMax + 1.0) * (kMax + 2)); // P(K > kMax) = m(m+1)/((kMax+1)(kMax+2))
        ChiSquare.AssertFits(observed, expected);
    }

    [Fact]
    public void PowerLawWeightsFollowTheirLaw()
    {
        var law = new PowerLawWeights(Kappa: 1, KMin: 2, KMax: 20);
        var weights = law.Sample(200_000, seed: 9);
        var observed = new double[19];
        foreach (var w in weights) observed[w - 2]++;
        var p = Enumerable.Range(2, 19).Select(k => 1.0 / k).ToArray();
        double z = p.Sum();
        ChiSquare.AssertFits(observed, p.Select(x => weights.Length * x / z).ToArray());
    }

    [Fact]
    public void GeneratorsAreSeedDeterministic()
    {
        foreach (var spec in new[] { new GraphSpec(GraphSpec.ErGnp, 3000, P: 0.01), new GraphSpec(GraphSpec.ErGnm, 3000, Edges: 9000), new GraphSpec(GraphSpec.Ba, 3000, M: 4) })
        {
            var a = (spec with { Seed = 7 }).Generate();
            var b = (spec with { Seed = 7 }).Generate();
            var c = (spec with { Seed = 8 }).Generate();
            Assert.Equal(a.Neighbors, b.Neighbors);
            Assert.NotEqual(a.Neighbors, c.Neighbors);
        }
    }

    /// <summary>Independent of the CSR builder's own checks: every edge appears from both ends, once, never as a loop.</summary>
    internal static void AssertSimpleUndirected(Graph graph)
    {
        var seen = new HashSet<(int, int)>();
        for (int u = 0; u < graph.NodeCount; u++)
            foreach (int v in graph.NeighborsOf(u))
            {
                Assert.NotEqual(u, v);
                Assert.True(seen.Add((u, v)), $"edge ({u}, {v}) repeated");
            }
        foreach (var (u, v) in seen) Assert.Contains((v, u), seen);
    }
}
