namespace MiniTransformer.Data.Graphs;

/// <summary>
/// I.i.d. integer edge weights with Pr(W = k) ∝ k^(−κ) for k in [k_min, k_max] (κ = 0: uniform). The weight of the
/// e-th edge (in generation order) is drawn by inverse CDF from Philox draw e of the edge-weight stream, so edges
/// are weighted in parallel and the result depends on the seed only.
/// </summary>
public sealed record PowerLawWeights(double Kappa, uint KMin, uint KMax)
{
    public const uint MaxSupport = 1 << 24;

    public void Validate()
    {
        if (!double.IsFinite(Kappa)) throw new UserInputException($"κ must be a finite number (got {Kappa})");
        if (KMin < 1) throw new UserInputException($"k_min must be ≥ 1 (got {KMin})");
        if (KMax < KMin) throw new UserInputException($"k_max ({KMax}) must be ≥ k_min ({KMin})");
        if (KMax - KMin >= MaxSupport) throw new UserInputException($"k_max − k_min must be below {MaxSupport} (got {KMax - KMin})");
    }

    /// <summary>Normalised probabilities of k_min … k_max (float64), the distribution the draws follow.</summary>
    public double[] Probabilities()
    {
        var p = new double[KMax - KMin + 1];
        double total = 0;
        for (int j = 0; j < p.Length; j++) total += p[j] = Math.Pow(KMin + (double)j, -Kappa);
        for (int j = 0; j < p.Length; j++) p[j] /= total;
        return p;
    }

    public uint[] Sample(long edgeCount, ulong seed)
    {
        Validate();
        var cdf = Probabilities();
        for (int j = 1; j < cdf.Length; j++) cdf[j] += cdf[j - 1];
        var weights = new uint[edgeCount];
        ulong stream = RandomStream.StreamId(GraphStreamDomain.EdgeWeights, 0);
        const int Block = 1 << 16;
        Parallel.For(0, (int)((edgeCount + Block - 1) / Block), block =>
        {
            long end = Math.Min(edgeCount, (long)(block + 1) * Block);
            for (long e = (long)block * Block; e < end; e++)
            {
                var (r0, r1, _, _) = Randomness.Philox.Draw(seed, stream, (ulong)e);
                double u = Randomness.Philox.ToUnitDouble(r0, r1) * cdf[^1];
                int j = Array.BinarySearch(cdf, u);
                j = j >= 0 ? j + 1 : ~j; // first k with CDF(k) > u
                weights[e] = KMin + (uint)Math.Min(j, cdf.Length - 1);
            }
        });
        return weights;
    }
}
