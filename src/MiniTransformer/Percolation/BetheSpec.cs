namespace MiniTransformer.Percolation;

/// <summary>
/// What to grow on a Bethe lattice. Trials t = 0, 1, 2, … each grow one cluster from its own root (Philox stream t);
/// growing stops after the trial in which the <see cref="Clusters"/>-th cluster of size ≥ <see cref="MinSize"/>
/// appeared. Of those, clusters larger than <see cref="MaxSize"/> were stopped at MaxSize and are discarded (and
/// counted); the rest are kept, in trial order.
/// </summary>
public sealed record BetheSpec(int Z, double P, int MinSize, int MaxSize, int Clusters, ulong Seed, long MaxTrials = 1_000_000_000)
{
    /// <summary>
    /// SCIENCE.md's rule: grown clusters are site-weighted (a root is a random occupied site), so at p_c
    /// P(size ≥ s) ∝ s^−(τ−2); asking for expected_large·(max/min)^(τ−2) clusters above min therefore expects about
    /// expected_large of them above max. (300, 3·10^7, 1) → 316.
    /// </summary>
    public static int ClustersFromRule(double expectedLarge, int minSize, int maxSize, double tau = 2.5)
    {
        if (!(expectedLarge > 0)) throw new UserInputException($"expected-large must be positive (got {expectedLarge})");
        if (minSize < 1 || maxSize < minSize) throw new UserInputException($"need 1 ≤ min-size ≤ max-size (got {minSize} and {maxSize})");
        return (int)Math.Max(1, Math.Round(expectedLarge * Math.Pow((double)maxSize / minSize, tau - 2)));
    }

    public void Validate()
    {
        if (Z < 3) throw new UserInputException($"coordination number z must be ≥ 3 (got {Z})");
        if (!(P > 0 && P < 1)) throw new UserInputException($"occupation probability p must lie in (0, 1) (got {P})");
        if (MinSize < 1) throw new UserInputException($"min-size must be ≥ 1 (got {MinSize})");
        if (MaxSize < MinSize) throw new UserInputException($"min-size {MinSize} exceeds max-size {MaxSize}");
        if (Clusters < 1) throw new UserInputException($"the number of clusters must be ≥ 1 (got {Clusters})");
        if (MaxTrials < 1) throw new UserInputException($"max-trials must be ≥ 1 (got {MaxTrials})");
    }
}
