using System.Runtime.CompilerServices;
using MiniTransformer.Randomness;

namespace MiniTransformer.Percolation;

/// <summary>
/// Where every random number of the percolation data comes from, so that each is a pure function of
/// (seed, what it is for) and never of thread count or generation order. Philox stream = the cluster's id (the
/// Bethe trial index, or the lattice index of a finite-lattice cluster's root); the draw index separates uses:
/// <list type="bullet">
/// <item>growth: index = BFS index of the site (high word 0) → the site's child count;</item>
/// <item>target: index = 2^32 + BFS index (high word 1) → the Gaussian increment on the edge into the site;</item>
/// <item>lattice occupation: stream <see cref="OccupationStream"/>, index = lattice site → the site's key u.</item>
/// </list>
/// </summary>
public static class PercolationStreams
{
    public const ulong OccupationStream = 1UL << 63;
    private const ulong TargetIndexBase = 1UL << 32;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double GrowthUniform(ulong seed, ulong stream, int site)
    {
        var (a, b, _, _) = Philox.Draw(seed, stream, (ulong)site);
        return Philox.ToUnitDouble(a, b);
    }

    /// <summary>N(0, 1) by Box–Muller from the four words of one Philox draw (53-bit uniforms, u1 in (0, 1]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double TargetIncrement(ulong seed, ulong stream, int site)
    {
        var (a, b, c, d) = Philox.Draw(seed, stream, TargetIndexBase + (ulong)site);
        double u1 = 1.0 - Philox.ToUnitDouble(a, b);
        double u2 = Philox.ToUnitDouble(c, d);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>The 53-bit occupation key of lattice site <paramref name="site"/>; the site is occupied at p iff key·2^−53 &lt; p.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong OccupationKey(ulong seed, long site)
    {
        var (a, b, _, _) = Philox.Draw(seed, OccupationStream, (ulong)site);
        return ((ulong)a << 21) ^ (b >> 11);
    }

    public static double KeyToUnit(ulong key) => key * (1.0 / (1UL << 53));
}
