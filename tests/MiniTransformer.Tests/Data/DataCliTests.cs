using System.Text.Json.Nodes;
using MiniTransformer.Cli;

namespace MiniTransformer.Tests.Data;

/// <summary>The `data` verbs through CliApp.Run: bad input exits 2 with one line and leaves no file; good input is reproducible.</summary>
public sealed class DataCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mt-data-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private void AssertUserError(string[] args, params string[] mustNotExist)
    {
        var before = Directory.GetFiles(_dir).Order().ToArray();
        var (code, _, err) = Run(args);
        Assert.Equal(CliApp.UserError, code);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.StartsWith("error:", err);
        foreach (var path in mustNotExist) Assert.False(File.Exists(path), $"{path} was left behind");
        Assert.Equal(before, Directory.GetFiles(_dir).Order().ToArray()); // no partial or temporary files
    }

    private string MakeGraph(string name = "g.bin", params string[] extra)
    {
        var (code, _, err) = Run(["data", "graph", "--nodes", "200", "--edges", "800", "--out", P(name), .. extra]);
        Assert.True(code == 0, err);
        return P(name);
    }

    public static TheoryData<string[]> BadGraphArguments => new()
    {
        new[] { "--nodes", "0" },
        new[] { "--nodes", "-5" },
        new[] { "--kind", "er-gnp", "--p", "1.5" },
        new[] { "--kind", "er-gnp", "--p", "-0.1" },
        new[] { "--kind", "er-gnp", "--p", "NaN" },
        new[] { "--nodes", "10", "--edges", "46" },
        new[] { "--edges", "-1" },
        new[] { "--kind", "ba", "--nodes", "10", "--m", "10" },
        new[] { "--kind", "ba", "--nodes", "10", "--m", "0" },
        new[] { "--kind", "ws" },
        new[] { "--kind", "ba", "--edges", "100" },
        new[] { "--kmax", "5" },
        new[] { "--kappa", "1", "--kmin", "0" },
        new[] { "--kappa", "1", "--kmin", "5", "--kmax", "4" },
        new[] { "--nodes", "abc" },
    };

    [Theory]
    [MemberData(nameof(BadGraphArguments))]
    public void BadGraphParametersExitTwo(string[] args) =>
        AssertUserError(["data", "graph", "--out", P("g.bin"), .. args], P("g.bin"), P("g.json"));

    [Fact]
    public void GraphOutputMustEndInBin() => AssertUserError(["data", "graph", "--out", P("g.txt")], P("g.txt"));

    [Fact]
    public void ExistingOutputNeedsForce()
    {
        var graph = MakeGraph();
        var bytes = File.ReadAllBytes(graph);
        AssertUserError(["data", "graph", "--nodes", "200", "--edges", "900", "--out", graph]);
        Assert.Equal(bytes, File.ReadAllBytes(graph));
        Assert.Equal(0, Run("data", "graph", "--nodes", "200", "--edges", "900", "--out", graph, "--force").Code);
        Assert.Equal(900 * 12, new FileInfo(graph).Length);

        Assert.Equal(0, Run("data", "walks", "--graph", graph, "--count", "10", "--out", P("w.bin")).Code);
        AssertUserError(["data", "walks", "--graph", graph, "--count", "20", "--out", P("w.bin")]);
        Assert.Equal(10 * 50 * 4, new FileInfo(P("w.bin")).Length);
    }

    public static TheoryData<string[]> BadWalkArguments => new()
    {
        new[] { "--length", "0" },
        new[] { "--count", "0" },
        new[] { "--tokens", "-3" },
        new[] { "--count", "5", "--tokens", "100" },
        new[] { "--threads", "-1" },
        new[] { "--count", "3000000000" },
    };

    [Theory]
    [MemberData(nameof(BadWalkArguments))]
    public void BadWalkParametersExitTwo(string[] args)
    {
        var graph = MakeGraph();
        AssertUserError(["data", "walks", "--graph", graph, "--out", P("w.bin"), .. args], P("w.bin"), P("w.json"));
    }

    [Fact]
    public void MissingGraphFileExitsTwo() =>
        AssertUserError(["data", "walks", "--graph", P("nope.bin"), "--out", P("w.bin")], P("w.bin"), P("w.json"));

    [Fact]
    public void GraphWithoutEdgesExitsTwo()
    {
        Assert.Equal(0, Run("data", "graph", "--kind", "er-gnp", "--nodes", "50", "--p", "0", "--out", P("empty.bin")).Code);
        AssertUserError(["data", "walks", "--graph", P("empty.bin"), "--out", P("w.bin")], P("w.bin"), P("w.json"));
    }

    /// <summary>Ways a graph file can be broken; each is applied to a fresh valid file.</summary>
    public static TheoryData<string> Corruptions => new() { "truncated", "bad-json", "wrong-format", "edge-count", "node-range", "self-loop", "duplicate", "zero-weight", "no-sidecar" };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void MalformedGraphFilesExitTwo(string corruption)
    {
        var graph = MakeGraph();
        var sidecar = Path.ChangeExtension(graph, ".json");
        var rows = File.ReadAllBytes(graph);
        void SetWord(int index, uint value) => BitConverter.TryWriteBytes(rows.AsSpan(4 * index), value);
        var json = JsonNode.Parse(File.ReadAllText(sidecar))!.AsObject();
        switch (corruption)
        {
            case "truncated": File.WriteAllBytes(graph, rows[..^5]); break;
            case "bad-json": File.WriteAllText(sidecar, "{ \"format\": "); break;
            case "wrong-format": json["format"] = "something.else"; File.WriteAllText(sidecar, json.ToJsonString()); break;
            case "edge-count": json["edge_count"] = 799; File.WriteAllText(sidecar, json.ToJsonString()); break;
            case "node-range": SetWord(4, 200); File.WriteAllBytes(graph, rows); break;
            case "self-loop": SetWord(3, BitConverter.ToUInt32(rows, 16)); File.WriteAllBytes(graph, rows); break;
            case "duplicate": rows.AsSpan(0, 12).CopyTo(rows.AsSpan(12)); File.WriteAllBytes(graph, rows); break;
            case "zero-weight": SetWord(5, 0); File.WriteAllBytes(graph, rows); break;
            case "no-sidecar": File.Delete(sidecar); break;
        }
        AssertUserError(["data", "walks", "--graph", graph, "--out", P("w.bin")], P("w.bin"), P("w.json"));
        AssertUserError(["data", "inspect", graph]);
    }

    [Fact]
    public void InspectRejectsMissingAndForeignFiles()
    {
        AssertUserError(["data", "inspect", P("nope.bin")]);
        File.WriteAllBytes(P("x.bin"), new byte[8]);
        File.WriteAllText(P("x.json"), "[1, 2]");
        AssertUserError(["data", "inspect", P("x.bin")]);
        File.WriteAllText(P("x.json"), "{\"format\": 3}");
        AssertUserError(["data", "inspect", P("x.bin")]);
    }

    [Fact]
    public void SameSeedSameBytesAnyThreadCountDifferentSeedDifferentBytes()
    {
        var g1 = MakeGraph("g1.bin", "--seed", "4", "--kappa", "1", "--kmax", "9");
        var g2 = MakeGraph("g2.bin", "--seed", "4", "--kappa", "1", "--kmax", "9");
        var g3 = MakeGraph("g3.bin", "--seed", "5", "--kappa", "1", "--kmax", "9");
        Assert.Equal(File.ReadAllBytes(g1), File.ReadAllBytes(g2));
        Assert.NotEqual(File.ReadAllBytes(g1), File.ReadAllBytes(g3));

        string[] walks = ["data", "walks", "--graph", g1, "--tokens", "200000", "--seed", "9"];
        Assert.Equal(0, Run([.. walks, "--out", P("a.bin"), "--threads", "1"]).Code);
        Assert.Equal(0, Run([.. walks, "--out", P("b.bin")]).Code);
        Assert.Equal(0, Run([.. walks[..^1], "10", "--out", P("c.bin")]).Code);
        Assert.Equal(File.ReadAllBytes(P("a.bin")), File.ReadAllBytes(P("b.bin")));
        Assert.NotEqual(File.ReadAllBytes(P("a.bin")), File.ReadAllBytes(P("c.bin")));
        Assert.Equal(200_000 * 4, new FileInfo(P("a.bin")).Length);
    }

    [Fact]
    public void DefaultsMakeTheReferenceGraphAndAMillionTokens()
    {
        Assert.Equal(0, Run("data", "graph", "--out", P("g.bin")).Code);
        var graph = JsonNode.Parse(File.ReadAllText(P("g.json")))!;
        Assert.Equal(8192, graph["node_count"]!.GetValue<int>());
        Assert.Equal(53_292, graph["edge_count"]!.GetValue<long>());
        Assert.Equal(0, Run("data", "walks", "--graph", P("g.bin"), "--out", P("w.bin")).Code);
        var walks = JsonNode.Parse(File.ReadAllText(P("w.json")))!;
        Assert.Equal(50, walks["sequence_length"]!.GetValue<int>());
        Assert.Equal(20_000, walks["sequence_count"]!.GetValue<long>());
        Assert.Equal(1_000_000 * 4, new FileInfo(P("w.bin")).Length);
    }

    [Fact]
    public void WalkSidecarAndInspectReportTheEntropyRate()
    {
        var graph = MakeGraph();
        var (code, output, _) = Run("data", "walks", "--graph", graph, "--count", "400", "--length", "20", "--seed", "3", "--out", P("w.bin"), "--json");
        Assert.Equal(0, code);
        var sidecar = JsonNode.Parse(File.ReadAllText(P("w.json")))!;
        Assert.Equal(200, sidecar["vocab_size"]!.GetValue<int>());
        Assert.Equal(20, sidecar["sequence_length"]!.GetValue<int>());
        Assert.Equal(8000, sidecar["token_count"]!.GetValue<long>());
        Assert.Equal(3ul, sidecar["generator"]!["seed"]!.GetValue<ulong>());
        Assert.Equal(800, sidecar["generator"]!["graph"]!["edges"]!.GetValue<long>());
        double h = sidecar["entropy_rate_nats"]!.GetValue<double>();
        Assert.Equal(h, JsonNode.Parse(output)!["sidecar"]!["entropy_rate_nats"]!.GetValue<double>());

        var inspect = JsonNode.Parse(Run("data", "inspect", P("w.bin"), "--json").Out)!["stats"]!;
        Assert.Equal(0, inspect["non_edge_transitions"]!.GetValue<long>());
        Assert.Equal(h, inspect["entropy_rate_nats"]!.GetValue<double>());
        var graphStats = JsonNode.Parse(Run("data", "inspect", graph, "--json").Out)!["stats"]!;
        Assert.Equal(800, graphStats["edges"]!.GetValue<long>());
        Assert.Equal(h, graphStats["entropy_rate_nats"]!.GetValue<double>());
        Assert.Contains("nats/token", Run("data", "inspect", P("w.bin")).Out);

        // The walk file stays inspectable after its graph file is replaced or removed; only the transition check is skipped.
        Assert.Equal(0, Run("data", "graph", "--nodes", "300", "--edges", "800", "--out", graph, "--force").Code);
        Assert.Equal("graph_file_changed", JsonNode.Parse(Run("data", "inspect", P("w.bin"), "--json").Out)!["stats"]!["graph_check"]!.GetValue<string>());
        File.Delete(graph);
        Assert.Equal("graph_file_missing", JsonNode.Parse(Run("data", "inspect", P("w.bin"), "--json").Out)!["stats"]!["graph_check"]!.GetValue<string>());
    }
}
