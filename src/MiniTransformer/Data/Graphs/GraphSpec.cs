using System.Text.Json.Nodes;
using MiniTransformer.IO;

namespace MiniTransformer.Data.Graphs;

/// <summary>
/// Everything that defines a generated graph: kind ("er-gnm", "er-gnp" or "ba"), size parameters, optional edge
/// weights and the seed. The same spec always yields the same graph, on any machine and thread count.
/// </summary>
public sealed record GraphSpec(string Kind, int Nodes, long? Edges = null, double? P = null, int? M = null, PowerLawWeights? Weights = null, ulong Seed = 0)
{
    public const string ErGnm = "er-gnm", ErGnp = "er-gnp", Ba = "ba";
    public static readonly string[] Kinds = [ErGnm, ErGnp, Ba];

    /// <summary>The Erdős–Rényi graph of the reference experiments: 8,192 nodes, 53,292 edges (mean degree ≈ 13).</summary>
    public static GraphSpec Reference(ulong seed = 0) => new(ErGnm, 8192, Edges: 53292, Seed: seed);

    public void Validate()
    {
        if (Nodes < 1) throw new UserInputException($"the node count must be positive (got {Nodes})");
        long pairs = PairIndex.PairCount(Nodes);
        switch (Kind)
        {
            case ErGnm:
                if (Edges is not { } edges) throw new UserInputException("er-gnm needs an edge count");
                if (edges < 0) throw new UserInputException($"the edge count must be non-negative (got {edges})");
                if (edges > pairs) throw new UserInputException($"{edges} edges do not fit in {Nodes} nodes (at most {pairs} pairs)");
                break;
            case ErGnp:
                if (P is not { } p) throw new UserInputException("er-gnp needs an edge probability p");
                if (!(p >= 0 && p <= 1)) throw new UserInputException($"the edge probability p must lie in [0, 1] (got {p})");
                if (pairs * p > Array.MaxLength / 2 * 0.9)
                    throw new UserInputException($"G({Nodes}, {p}) would have about {pairs * p:0} edges, above the in-memory limit");
                break;
            case Ba:
                if (M is not { } m) throw new UserInputException("ba needs m, the attachments per new node");
                if (m < 1) throw new UserInputException($"m must be positive (got {m})");
                if (m >= Nodes) throw new UserInputException($"Barabási–Albert needs m < n (got m = {m}, n = {Nodes})");
                break;
            default:
                throw new UserInputException($"unknown graph kind '{Kind}' (expected {string.Join(", ", Kinds)})");
        }
        Weights?.Validate();
    }

    public Graph Generate()
    {
        Validate();
        int[] a, b;
        if (Kind == Ba) (a, b) = BarabasiAlbert.Sample(Nodes, M!.Value, Seed);
        else
        {
            var indices = Kind == ErGnm ? ErdosRenyi.SampleGnm(Nodes, Edges!.Value, Seed) : ErdosRenyi.SampleGnp(Nodes, P!.Value, Seed);
            a = new int[indices.Length];
            b = new int[indices.Length];
            PairIndex.Decode(indices, a, b);
        }
        var weights = Weights?.Sample(a.Length, Seed);
        return CsrBuilder.Build(Nodes, a, b, weights, weights is not null);
    }

    public JsonObject ToJson() => JsonNode.Parse(Json.Serialize(this))!.AsObject();
}
