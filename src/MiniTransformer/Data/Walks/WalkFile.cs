using System.Text.Json.Nodes;
using MiniTransformer.Data.Graphs;

namespace MiniTransformer.Data.Walks;

/// <summary>
/// Makes a walk token file (<see cref="TokenFile"/>) from a graph file: tables, parallel sampling, and a sidecar
/// that records the exact entropy rate and everything needed to sample the same tokens again.
/// </summary>
public static class WalkFile
{
    public const string GeneratorKind = "graph-walks";

    /// <summary>Walk settings: <see cref="Count"/> walks of <see cref="Length"/> tokens from stream <see cref="Seed"/>.</summary>
    public sealed record Spec(int Length, long Count, ulong Seed);

    public static TokenSidecar Generate(string graphPath, Spec spec, string outPath, bool force, int threads = 0)
    {
        if (spec.Length < 1) throw new UserInputException($"the walk length must be positive (got {spec.Length})");
        if (spec.Count < 1) throw new UserInputException($"the walk count must be positive (got {spec.Count})");
        if (spec.Count * spec.Length > Array.MaxLength)
            throw new UserInputException($"{spec.Count} walks of length {spec.Length} exceed the {Array.MaxLength} tokens one file holds here");
        if (!outPath.EndsWith(".bin", StringComparison.Ordinal))
            throw new UserInputException($"token file '{outPath}' must end in .bin (its sidecar is the .json beside it)");
        IO.AtomicFile.EnsureWritable(outPath, force);
        IO.AtomicFile.EnsureWritable(TokenFile.SidecarPath(outPath), force);

        var graphSidecar = GraphFile.ReadSidecar(graphPath);
        var graph = GraphFile.Read(graphPath, graphSidecar);
        var tables = WalkTableBuilder.Build(graph);
        var tokens = WalkSampler.Sample(tables, spec.Seed, 0, (int)spec.Count, spec.Length, threads);

        var sidecar = new TokenSidecar(TokenSidecar.CurrentFormat, graph.NodeCount, spec.Length, spec.Count, tokens.LongLength,
            EntropyRate.Compute(graph), Describe(graphPath, graphSidecar, graph, spec));
        TokenFile.Write(outPath, tokens, sidecar, force);
        return sidecar;
    }

    private static JsonObject Describe(string graphPath, GraphSidecar graphSidecar, Graph graph, Spec spec) => new()
    {
        ["kind"] = GeneratorKind,
        ["graph_file"] = Path.GetFullPath(graphPath),
        ["graph"] = graphSidecar.Generator?.DeepClone(),
        ["graph_nodes"] = graph.NodeCount,
        ["graph_edges"] = graph.EdgeCount,
        ["graph_weighted"] = graph.IsWeighted,
        ["seed"] = spec.Seed,
        ["walk_length"] = spec.Length,
        ["walk_count"] = spec.Count,
        ["first_walk"] = 0,
        ["stationary_entropy_nats"] = EntropyRate.StationaryEntropy(graph),
        ["counting_baseline_coefficient"] = CountingBaseline.Of(graph).Coefficient,
        ["sampler"] = "philox4x32-10 stream = walk index; alias tables (Data/Walks/WalkTables)",
    };
}
