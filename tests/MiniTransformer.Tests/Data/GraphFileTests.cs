using System.Text.Json.Nodes;
using MiniTransformer.Data.Graphs;

namespace MiniTransformer.Tests.Data;

/// <summary>The documented on-disk layout, read back by plain byte parsing (what a Python user does with numpy).</summary>
public sealed class GraphFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mt-graph-file-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LayoutIsSortedUint32RowsOfUVWeight()
    {
        var spec = new GraphSpec(GraphSpec.Ba, 300, M: 3, Weights: new PowerLawWeights(0, 1, 4), Seed: 6);
        var graph = spec.Generate();
        var path = Path.Combine(_dir, "g.bin");
        GraphFile.Write(path, graph, spec, force: false);

        var bytes = File.ReadAllBytes(path);
        var words = Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToUInt32(bytes, 4 * i)).ToArray();
        Assert.Equal(3 * graph.EdgeCount, words.Length);
        var edges = new HashSet<(int, int, uint)>();
        for (int e = 0; e < words.Length / 3; e++)
        {
            var (u, v, w) = ((int)words[3 * e], (int)words[3 * e + 1], words[3 * e + 2]);
            Assert.True(u < v);
            if (e > 0) Assert.True((words[3 * e - 3], words[3 * e - 2]).CompareTo((words[3 * e], words[3 * e + 1])) < 0);
            Assert.InRange(w, 1u, 4u);
            edges.Add((u, v, w));
        }
        for (int u = 0; u < graph.NodeCount; u++)
            for (int i = graph.Offsets[u]; i < graph.Offsets[u + 1]; i++)
            {
                int v = graph.Neighbors[i];
                Assert.Contains((Math.Min(u, v), Math.Max(u, v), graph.WeightAt(i)), edges);
            }

        var sidecar = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(path, ".json")))!;
        Assert.Equal(GraphFile.Format, sidecar["format"]!.GetValue<string>());
        Assert.Equal(300, sidecar["node_count"]!.GetValue<int>());
        Assert.Equal(graph.EdgeCount, sidecar["edge_count"]!.GetValue<long>());
        Assert.Equal("ba", sidecar["generator"]!["kind"]!.GetValue<string>());
        Assert.Equal(6ul, sidecar["generator"]!["seed"]!.GetValue<ulong>());
    }

    [Fact]
    public void ForeignFilesInAnyOrderAndOrientationReadTheSame()
    {
        // A graph written by someone else: edges shuffled, some reversed, one isolated node (5).
        uint[] rows = [3, 1, 2, /**/ 0, 4, 1, /**/ 2, 0, 7, /**/ 1, 0, 1, /**/ 4, 3, 5];
        var path = Path.Combine(_dir, "foreign.bin");
        File.WriteAllBytes(path, rows.SelectMany(BitConverter.GetBytes).ToArray());
        File.WriteAllText(Path.ChangeExtension(path, ".json"), "{\"format\": \"minitransformer.graph.v1\", \"node_count\": 6, \"edge_count\": 5}");
        var graph = GraphFile.Read(path);
        Assert.Equal(6, graph.NodeCount);
        Assert.Equal([1, 2, 4], graph.NeighborsOf(0).ToArray());
        Assert.Equal([0, 3], graph.NeighborsOf(1).ToArray());
        Assert.Equal(0, graph.Degree(5));
        Assert.Equal(7u, graph.WeightAt(graph.Offsets[0] + 1));
        Assert.Equal(2u + 5, graph.WeightedDegree(3));
        GraphGeneratorTests.AssertSimpleUndirected(graph);
    }
}
