namespace MiniTransformer.Percolation;

/// <summary>Site percolation at <see cref="P"/> on a finite hypercubic lattice; clusters with MinSize ≤ size ≤ MaxSize are kept.</summary>
public sealed record LatticeSpec(int Dimension, int Side, bool Periodic, double P, int MinSize, int MaxSize, ulong Seed)
{
    public void Validate()
    {
        if (!(P > 0 && P < 1)) throw new UserInputException($"occupation probability p must lie in (0, 1) (got {P})");
        if (MinSize < 1) throw new UserInputException($"min-size must be ≥ 1 (got {MinSize})");
        if (MaxSize < MinSize) throw new UserInputException($"min-size {MinSize} exceeds max-size {MaxSize}");
    }
}
