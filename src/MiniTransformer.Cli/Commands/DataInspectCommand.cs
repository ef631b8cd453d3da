using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using MiniTransformer.Data;
using MiniTransformer.Data.Graphs;
using MiniTransformer.Data.Walks;
using MiniTransformer.IO;

namespace MiniTransformer.Cli.Commands;

/// <summary>`data inspect FILE`: statistics of a graph file or a token file, told apart by the format in the sidecar.</summary>
public static class DataInspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A graph file or a token file (.bin with its .json sidecar)" };
        var command = new Command("inspect", "Show a graph file's degrees, components and entropy rate, or a token file's vocabulary, size and entropy rate") { file };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            var writer = parse.InvocationConfiguration.Output;
            bool json = parse.GetValue(CommonOptions.Json);
            string? format = ReadFormat(path);
            if (format == GraphFile.Format)
            {
                var stats = GraphStats.Of(GraphFile.Read(path));
                if (json) writer.WriteLine(Json.Serialize(new { File = Path.GetFullPath(path), Format = format, Stats = stats }));
                else
                {
                    writer.WriteLine($"{path}: graph, {stats.Nodes:N0} nodes (= vocabulary), {stats.Edges:N0} edges{(stats.Weighted ? ", weighted" : "")}");
                    WriteGraphStats(writer, stats);
                }
            }
            else if (format == TokenSidecar.CurrentFormat)
            {
                var stats = WalkFileStats.Of(path);
                if (json) writer.WriteLine(Json.Serialize(new { File = Path.GetFullPath(path), Format = format, Stats = stats }));
                else WriteWalkStats(writer, path, stats);
            }
            else throw new UserInputException($"'{SidecarOf(path)}' has format '{format}', which is neither a graph ({GraphFile.Format}) nor a token file ({TokenSidecar.CurrentFormat})");
            return 0;
        });
        return command;
    }

    internal static void WriteGraphStats(TextWriter w, GraphStats s)
    {
        w.WriteLine($"degree: min {s.MinDegree}, mean {s.MeanDegree:F3}, max {s.MaxDegree}, s.d. {s.DegreeStdDev:F3}; isolated nodes {s.IsolatedNodes:N0}");
        w.WriteLine($"components: {s.Components:N0} (largest {s.LargestComponent:N0} nodes)");
        w.WriteLine(s.EntropyRateNats is { } h
            ? $"walk entropy rate: {h:F6} nats/token (start-token entropy {s.StationaryEntropyNats:F6} nats)"
            : "walk entropy rate: undefined (no edges)");
        w.WriteLine($"counting-estimator excess ≈ (2E − n)/(2D) = {s.CountingBaselineCoefficient:F1}/D nats/token after D transitions");
    }

    private static void WriteWalkStats(TextWriter w, string path, WalkFileStats s)
    {
        w.WriteLine($"{path}: tokens, {s.SequenceCount:N0} sequences × {s.SequenceLength} = {s.TokenCount:N0} tokens, vocabulary {s.VocabSize:N0} ({s.DistinctTokens:N0} seen)");
        if (s.EntropyRateNats is { } h) w.WriteLine($"entropy rate (from sidecar): {h:F6} nats/token");
        if (s.EmpiricalNllNats is { } mean)
            w.WriteLine($"mean −ln P(next | current) over {s.Transitions:N0} transitions: {mean:F6} ± {s.EmpiricalNllStdErr:F6} nats; transitions that are not edges of {s.GraphFile}: {s.NonEdgeTransitions:N0}");
        else if (s.GraphCheck == "graph_file_missing") w.WriteLine($"graph file {s.GraphFile} not found; transitions not checked");
        else if (s.GraphCheck == "graph_file_changed") w.WriteLine($"graph file {s.GraphFile} has a different node count now; transitions not checked");
    }

    private static string SidecarOf(string path) => Path.ChangeExtension(path, ".json");

    private static string? ReadFormat(string path)
    {
        if (!File.Exists(path)) throw new UserInputException($"file '{path}' does not exist");
        var sidecar = Json.ReadFile<JsonObject>(SidecarOf(path));
        try
        {
            return sidecar["format"]?.GetValue<string>() ?? throw new UserInputException($"'{SidecarOf(path)}' has no \"format\" field");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
        {
            throw new UserInputException($"'{SidecarOf(path)}' has a \"format\" field that is not a string");
        }
    }
}
