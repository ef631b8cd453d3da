namespace MiniTransformer.Percolation;

/// <summary>
/// A d-dimensional hypercubic lattice of side L (L^d sites, index = Σ x_a·L^a), periodic or open. Neighbours are
/// enumerated in the fixed order −x_0, +x_0, −x_1, +x_1, … so every traversal is reproducible.
/// </summary>
public sealed class HypercubicLattice
{
    public int Dimension { get; }
    public int Side { get; }
    public bool Periodic { get; }
    public int SiteCount { get; }
    private readonly int[] _stride;

    public HypercubicLattice(int dimension, int side, bool periodic)
    {
        if (dimension < 1) throw new UserInputException($"lattice dimension must be ≥ 1 (got {dimension})");
        if (side < 2) throw new UserInputException($"lattice side must be ≥ 2 (got {side})");
        if (periodic && side < 3) throw new UserInputException("a periodic lattice needs side ≥ 3 (side 2 would make both neighbours the same site)");
        double sites = Math.Pow(side, dimension);
        if (sites > 1 << 30) throw new UserInputException($"{side}^{dimension} sites is more than this engine handles on one lattice (2^30)");
        Dimension = dimension; Side = side; Periodic = periodic;
        SiteCount = (int)Math.Round(sites);
        _stride = new int[dimension];
        for (int a = 0, s = 1; a < dimension; a++, s *= side) _stride[a] = s;
    }

    public int Coordinate(int site, int axis) => site / _stride[axis] % Side;

    /// <summary>Writes the 2d neighbours of <paramref name="site"/> into <paramref name="neighbours"/>: entry 2a is the step −x_a, 2a+1 the step +x_a, −1 where an open edge has none.</summary>
    public void Neighbours(int site, Span<int> neighbours)
    {
        for (int a = 0; a < Dimension; a++)
        {
            int x = site / _stride[a] % Side, s = _stride[a];
            neighbours[2 * a] = x > 0 ? site - s : Periodic ? site + (Side - 1) * s : -1;
            neighbours[2 * a + 1] = x < Side - 1 ? site + s : Periodic ? site - (Side - 1) * s : -1;
        }
    }
}
