using MiniTransformer.Data.Graphs;

namespace MiniTransformer.Data.Walks;

/// <summary>
/// The loss of the simplest learner — a bigram (counting) table fitted by maximum likelihood to D observed
/// transitions — above the entropy rate: E[excess] ≈ (2E − n) / (2D). Row u sees ≈ D·π_u transitions and a
/// deg_u-outcome multinomial fitted by maximum likelihood has expected KL excess (deg_u − 1) / (2·D·π_u)
/// asymptotically (the χ²/2 law); weighting rows by π_u gives Σ_u (deg_u − 1) / (2D) = (2E − n)/(2D).
/// The same count holds for weighted graphs — the asymptotic excess depends on the number of free parameters, not
/// on the probabilities — so E counts edges regardless of weight and n counts non-isolated nodes only (an
/// isolated node is never visited and has no parameters). A baseline with data exponent exactly 1.
/// </summary>
public sealed record CountingBaseline(long Edges, int NonIsolatedNodes)
{
    public static CountingBaseline Of(Graph graph)
    {
        int nonIsolated = 0;
        for (int u = 0; u < graph.NodeCount; u++) if (graph.Degree(u) > 0) nonIsolated++;
        return new CountingBaseline(graph.EdgeCount, nonIsolated);
    }

    /// <summary>The numerator (2E − n)/2: excess loss × D.</summary>
    public double Coefficient => (2.0 * Edges - NonIsolatedNodes) / 2;

    /// <summary>Expected excess loss in nats/token after D transitions (≈ tokens for long walks).</summary>
    public double ExcessLoss(double transitions) => Coefficient / transitions;
}
