using MiniTransformer.Data.Graphs;

namespace MiniTransformer.Data.Walks;

/// <summary>
/// The exact irreducible loss of next-token prediction on walks: the entropy rate of the stationary walk,
/// H = Σ_u π_u · H(P(·|u)) in nats/token, with π_u = s_u / 2W (s_u = Σ_v W_uv, W = total edge weight) and
/// P(v|u) = W_uv / s_u. Expanding the logarithms gives the form computed here, one pass over the CSR in float64:
/// H = (1/2W) Σ_u [ s_u ln s_u − Σ_v W_uv ln W_uv ]   (unweighted: Σ_u (deg_u / 2E) ln deg_u).
/// A disconnected graph is fine: a walk started from π stays in its component, and H averages the components
/// by their stationary mass.
/// </summary>
public static class EntropyRate
{
    /// <returns>H in nats/token, or null for a graph without edges (no walk exists).</returns>
    public static double? Compute(Graph graph)
    {
        if (graph.EdgeCount == 0) return null;
        double sum = 0, total = 0;
        for (int u = 0; u < graph.NodeCount; u++)
        {
            double s = graph.WeightedDegree(u);
            if (s == 0) continue;
            double row = s * Math.Log(s);
            if (graph.Weights is { } w)
                for (int i = graph.Offsets[u]; i < graph.Offsets[u + 1]; i++) row -= w[i] * Math.Log(w[i]);
            sum += row;
            total += s;
        }
        return sum / total;
    }

    /// <summary>Entropy of the start distribution π (the first token of a walk), in nats.</summary>
    public static double? StationaryEntropy(Graph graph)
    {
        if (graph.EdgeCount == 0) return null;
        double total = 0;
        for (int u = 0; u < graph.NodeCount; u++) total += graph.WeightedDegree(u);
        double h = 0;
        for (int u = 0; u < graph.NodeCount; u++)
        {
            double pi = graph.WeightedDegree(u) / total;
            if (pi > 0) h -= pi * Math.Log(pi);
        }
        return h;
    }
}
