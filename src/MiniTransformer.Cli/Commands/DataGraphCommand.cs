using System.CommandLine;
using MiniTransformer.Data.Graphs;
using MiniTransformer.Data.Walks;
using MiniTransformer.IO;

namespace MiniTransformer.Cli.Commands;

/// <summary>`data graph`: generate an Erdős–Rényi or Barabási–Albert graph (optionally with power-law edge weights) and write it as a graph file.</summary>
public static class DataGraphCommand
{
    public static Command Create()
    {
        var reference = GraphSpec.Reference();
        double defaultP = (double)reference.Edges!.Value / PairIndex.PairCount(reference.Nodes);
        var kind = new Option<string>("--kind") { Description = "er-gnm: exactly --edges edges; er-gnp: each pair an edge with probability --p; ba: Barabási–Albert with --m attachments", DefaultValueFactory = _ => GraphSpec.ErGnm };
        // Checked by GraphSpec.Validate rather than AcceptOnlyFromAmong, whose parse error spans several lines.
        kind.CompletionSources.Add(GraphSpec.Kinds);
        var nodes = new Option<int>("--nodes") { Description = "Number of nodes (= vocabulary of walks on the graph)", DefaultValueFactory = _ => reference.Nodes };
        var edges = new Option<long>("--edges") { Description = "er-gnm: exact number of edges", DefaultValueFactory = _ => reference.Edges!.Value };
        var p = new Option<double>("--p") { Description = "er-gnp: edge probability in [0, 1]; the default gives the mean degree of the 8,192/53,292 graph", DefaultValueFactory = _ => defaultP };
        var m = new Option<int>("--m") { Description = "ba: edges each new node attaches (seed graph: complete graph on m nodes)", DefaultValueFactory = _ => 6 };
        var kappa = new Option<double?>("--kappa") { Description = "Give edges i.i.d. integer weights with Pr(W = k) ∝ k^(−κ) on [kmin, kmax]; omit for an unweighted graph" };
        var kmin = new Option<uint>("--kmin") { Description = "Smallest edge weight (with --kappa)", DefaultValueFactory = _ => 1 };
        var kmax = new Option<uint>("--kmax") { Description = "Largest edge weight (with --kappa)", DefaultValueFactory = _ => 10 };
        var seed = CommonOptions.Seed();
        var output = new Option<string>("--out") { Description = "Graph file to write (.bin edge list + .json sidecar)", DefaultValueFactory = _ => "graph.bin" };
        var force = CommonOptions.Force();

        var command = new Command("graph", "Generate a random graph (Erdős–Rényi G(n, M) or G(n, p), Barabási–Albert) and write it as a graph file")
        {
            kind, nodes, edges, p, m, kappa, kmin, kmax, seed, output, force,
        };
        command.SetAction(parse =>
        {
            string k = parse.GetValue(kind)!;
            RejectUnless(parse, edges, k == GraphSpec.ErGnm, "--edges applies only to --kind er-gnm");
            RejectUnless(parse, p, k == GraphSpec.ErGnp, "--p applies only to --kind er-gnp");
            RejectUnless(parse, m, k == GraphSpec.Ba, "--m applies only to --kind ba");
            var weightKappa = parse.GetValue(kappa);
            RejectUnless(parse, kmin, weightKappa is not null, "--kmin needs --kappa (weights are off without it)");
            RejectUnless(parse, kmax, weightKappa is not null, "--kmax needs --kappa (weights are off without it)");
            var spec = new GraphSpec(k, parse.GetValue(nodes),
                Edges: k == GraphSpec.ErGnm ? parse.GetValue(edges) : null,
                P: k == GraphSpec.ErGnp ? parse.GetValue(p) : null,
                M: k == GraphSpec.Ba ? parse.GetValue(m) : null,
                Weights: weightKappa is { } kp ? new PowerLawWeights(kp, parse.GetValue(kmin), parse.GetValue(kmax)) : null,
                Seed: parse.GetValue(seed));
            string path = parse.GetValue(output)!;
            bool overwrite = parse.GetValue(force);
            spec.Validate();
            AtomicFile.EnsureWritable(path, overwrite);
            AtomicFile.EnsureWritable(GraphFile.SidecarPath(path), overwrite);

            var graph = spec.Generate();
            GraphFile.Write(path, graph, spec, overwrite);
            var stats = GraphStats.Of(graph);
            var writer = parse.InvocationConfiguration.Output;
            if (parse.GetValue(CommonOptions.Json))
                writer.WriteLine(Json.Serialize(new { File = Path.GetFullPath(path), Graph = spec, Stats = stats }));
            else
            {
                writer.WriteLine($"wrote {path} (+ {Path.GetFileName(GraphFile.SidecarPath(path))}): {spec.Kind}, {graph.NodeCount:N0} nodes, {graph.EdgeCount:N0} edges{(graph.IsWeighted ? ", weighted" : "")}, seed {spec.Seed}");
                DataInspectCommand.WriteGraphStats(writer, stats);
            }
            return 0;
        });
        return command;
    }

    /// <summary>An option the user set explicitly that the chosen configuration would ignore is a mistake, not a no-op.</summary>
    internal static void RejectUnless(ParseResult parse, Option option, bool applies, string message)
    {
        if (!applies && parse.GetResult(option) is { Implicit: false }) throw new UserInputException(message);
    }
}
