using System.CommandLine;
using MiniTransformer.Data.Walks;
using MiniTransformer.IO;

namespace MiniTransformer.Cli.Commands;

/// <summary>`data walks`: sample random walks on a graph file into a token file whose sidecar carries the exact entropy rate.</summary>
public static class DataWalksCommand
{
    public static Command Create()
    {
        var graph = new Option<string>("--graph") { Description = "Graph file made by `data graph` (or any file in that format)", DefaultValueFactory = _ => "graph.bin" };
        var length = new Option<int>("--length") { Description = "Tokens per walk (T)", DefaultValueFactory = _ => 50 };
        var count = new Option<long?>("--count") { Description = "Number of walks (alternative to --tokens)" };
        var tokens = new Option<long?>("--tokens") { Description = "Number of tokens, rounded up to whole walks (default 1,000,000 when --count is not given)" };
        var seed = CommonOptions.Seed();
        var threads = new Option<int>("--threads") { Description = "Sampling threads, 0 = all processors (the output does not depend on it)", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Token file to write (.bin uint32 tokens + .json sidecar)", DefaultValueFactory = _ => "walks.bin" };
        var force = CommonOptions.Force();

        var command = new Command("walks", "Sample random walks on a graph (start ∝ weighted degree, step ∝ edge weight) into a token file")
        {
            graph, length, count, tokens, seed, threads, output, force,
        };
        command.SetAction(parse =>
        {
            int t = parse.GetValue(length);
            if (t < 1) throw new UserInputException($"--length must be positive (got {t})");
            var (c, n) = (parse.GetValue(count), parse.GetValue(tokens));
            if (c is not null && n is not null) throw new UserInputException("give --count or --tokens, not both");
            if (n is < 1) throw new UserInputException($"--tokens must be positive (got {n})");
            if (c is < 1) throw new UserInputException($"--count must be positive (got {c})");
            long walks = c ?? ((n ?? 1_000_000) + t - 1) / t;
            int threadCount = parse.GetValue(threads);
            if (threadCount < 0) throw new UserInputException($"--threads must be 0 (all) or positive (got {threadCount})");
            string path = parse.GetValue(output)!;

            var sidecar = WalkFile.Generate(parse.GetValue(graph)!, new WalkFile.Spec(t, walks, parse.GetValue(seed)), path, parse.GetValue(force), threadCount);
            var writer = parse.InvocationConfiguration.Output;
            if (parse.GetValue(CommonOptions.Json))
                writer.WriteLine(Json.Serialize(new { File = Path.GetFullPath(path), Sidecar = sidecar }));
            else
            {
                writer.WriteLine($"wrote {path} (+ {Path.GetFileName(Data.TokenFile.SidecarPath(path))}): {sidecar.SequenceCount:N0} walks × {sidecar.SequenceLength} = {sidecar.TokenCount:N0} tokens, vocabulary {sidecar.VocabSize:N0}");
                writer.WriteLine($"entropy rate (irreducible loss): {sidecar.EntropyRateNats:F6} nats/token");
                double coefficient = sidecar.Generator["counting_baseline_coefficient"]!.GetValue<double>();
                writer.WriteLine($"counting-estimator excess ≈ (2E − n)/(2D) = {coefficient:F1}/D; at D = {sidecar.TokenCount:N0}: {coefficient / sidecar.TokenCount:F6} nats/token");
            }
            return 0;
        });
        return command;
    }
}
