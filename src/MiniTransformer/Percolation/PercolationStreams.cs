using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MiniTransformer.Randomness;

namespace MiniTransformer.Percolation;

/// <summary>
/// Where every random number of the percolation data comes from, so that each is a pure function of
/// (seed, what it is for) and never of thread count or generation order. Philox stream = the cluster's id (the
/// Bethe trial index, or the lattice index of a finite-lattice cluster's root). One Philox draw (four 32-bit words)
/// serves two consecutive sites 2m and 2m+1, so a site s uses draw m = s/2:
/// <list type="bullet">
/// <item>growth: draw index m → 53-bit uniforms from words (0, 1) for the even site and (2, 3) for the odd one,
/// inverted to the site's child count;</item>
/// <item>target: draw index 2^32 + m → the uniform pair (u1, u2) of Box–Muller, r = √(−2 ln(1 − u1)), θ = 2π·u2:
/// the even site's edge increment is r·cos θ, the odd site's r·sin θ (two independent N(0, 1));</item>
/// <item>lattice occupation: stream <see cref="OccupationStream"/>, index = lattice site → the site's key u.</item>
/// </list>
/// The scalar functions here are the definition; <see cref="FillGrowthUniforms"/> and <see cref="FillTargetIncrements"/>
/// compute the same numbers for a contiguous range of sites, eight draws per AVX-512 instruction stream.
/// </summary>
public static class PercolationStreams
{
    public const ulong OccupationStream = 1UL << 63;
    private const ulong TargetIndexBase = 1UL << 32;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double GrowthUniform(ulong seed, ulong stream, int site)
    {
        var (a, b, c, d) = Philox.Draw(seed, stream, (ulong)(site >> 1));
        return (site & 1) == 0 ? Philox.ToUnitDouble(a, b) : Philox.ToUnitDouble(c, d);
    }

    /// <summary>The N(0, 1) increment on the edge into <paramref name="site"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double TargetIncrement(ulong seed, ulong stream, int site)
    {
        var (a, b, c, d) = Philox.Draw(seed, stream, TargetIndexBase + (ulong)(site >> 1));
        var (sin, cos) = BoxMuller(Philox.ToUnitDouble(a, b), Philox.ToUnitDouble(c, d));
        return (site & 1) == 0 ? cos : sin;
    }

    /// <summary>(r·sin θ, r·cos θ) with r = √(−2 ln(1 − u1)) (1 − u1 ∈ (0, 1], so the log is finite) and θ = 2π·u2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (double Sin, double Cos) BoxMuller(double u1, double u2)
    {
        double r = Math.Sqrt(-2.0 * Math.Log(1.0 - u1));
        var (s, c) = Math.SinCos(2.0 * Math.PI * u2);
        return (r * s, r * c);
    }

    /// <summary>uniforms[i] = <see cref="GrowthUniform"/>(seed, stream, first + i) for i in [0, uniforms.Length).</summary>
    public static void FillGrowthUniforms(ulong seed, ulong stream, int first, Span<double> uniforms)
    {
        if (uniforms.IsEmpty) return;
        int firstPair = first >> 1, lastPair = (first + uniforms.Length - 1) >> 1;
        int pairs = lastPair - firstPair + 1;
        Span<double> buffer = pairs <= 512 ? stackalloc double[2 * pairs] : new double[2 * pairs];
        PhiloxUniformPairs(seed, stream, (ulong)firstPair, buffer);
        buffer.Slice(first & 1, uniforms.Length).CopyTo(uniforms);
    }

    /// <summary>increments[i] = <see cref="TargetIncrement"/>(seed, stream, first + i) for i in [0, increments.Length).</summary>
    public static void FillTargetIncrements(ulong seed, ulong stream, int first, Span<double> increments)
    {
        if (increments.IsEmpty) return;
        int firstPair = first >> 1, lastPair = (first + increments.Length - 1) >> 1;
        int pairs = lastPair - firstPair + 1;
        double[] rented = ArrayPool<double>.Shared.Rent(2 * pairs);
        var buffer = rented.AsSpan(0, 2 * pairs);
        PhiloxUniformPairs(seed, stream, TargetIndexBase + (ulong)firstPair, buffer);
        for (int m = 0; m < pairs; m++)
        {
            var (s, c) = BoxMuller(buffer[2 * m], buffer[2 * m + 1]);
            buffer[2 * m] = c;
            buffer[2 * m + 1] = s;
        }
        buffer.Slice(first & 1, increments.Length).CopyTo(increments);
        ArrayPool<double>.Shared.Return(rented);
    }

    /// <summary>
    /// output[2j], output[2j+1] = the two 53-bit uniforms (words 0–1 and 2–3) of Philox draw firstIndex + j under
    /// (seed, stream). AVX-512: eight counters per vector, the 32×32→64-bit products as 64-bit lane multiplies.
    /// </summary>
    internal static void PhiloxUniformPairs(ulong seed, ulong stream, ulong firstIndex, Span<double> output)
    {
        int draws = output.Length / 2, j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var lane = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
            var low = Vector512.Create(0xFFFFFFFFUL);
            var m0 = Vector512.Create(0xD2511F53UL);
            var m1 = Vector512.Create(0xCD9E8D57UL);
            var c2Init = Vector512.Create(stream & 0xFFFFFFFF);
            var c3Init = Vector512.Create(stream >> 32);
            const double scale = 1.0 / (1UL << 53);
            Span<double> even = stackalloc double[8], odd = stackalloc double[8];
            for (; j + 8 <= draws; j += 8)
            {
                var index = Vector512.Create(firstIndex + (ulong)j) + lane;
                Vector512<ulong> c0 = index & low, c1 = index >>> 32, c2 = c2Init, c3 = c3Init;
                uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
                for (int round = 0; round < 10; round++)
                {
                    var p0 = c0 * m0;
                    var p1 = c2 * m1;
                    var n0 = (p1 >>> 32) ^ c1 ^ Vector512.Create((ulong)k0);
                    var n2 = (p0 >>> 32) ^ c3 ^ Vector512.Create((ulong)k1);
                    c1 = p1 & low;
                    c3 = p0 & low;
                    c0 = n0;
                    c2 = n2;
                    k0 += 0x9E3779B9;
                    k1 += 0xBB67AE85;
                }
                var uEven = Vector512.ConvertToDouble((c0 << 21) ^ (c1 >>> 11)) * scale;
                var uOdd = Vector512.ConvertToDouble((c2 << 21) ^ (c3 >>> 11)) * scale;
                uEven.CopyTo(even);
                uOdd.CopyTo(odd);
                for (int l = 0; l < 8; l++)
                {
                    output[2 * (j + l)] = even[l];
                    output[2 * (j + l) + 1] = odd[l];
                }
            }
        }
        for (; j < draws; j++)
        {
            var (a, b, c, d) = Philox.Draw(seed, stream, firstIndex + (ulong)j);
            output[2 * j] = Philox.ToUnitDouble(a, b);
            output[2 * j + 1] = Philox.ToUnitDouble(c, d);
        }
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
