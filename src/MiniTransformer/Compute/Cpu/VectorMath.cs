using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MiniTransformer.Compute.Cpu;

/// <summary>
/// Row-level building blocks of the non-GEMM ops. Each sums in an order fixed by the length alone (16 lanes
/// over the vector part, lanes folded in a fixed order, then the tail), so a row's result never depends on which
/// thread computed it.
/// </summary>
internal static unsafe class VectorMath
{
    /// <summary>
    /// e^x for 16 floats (Cephes expf: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r, 2^n put into the
    /// exponent bits), within 2 ulp on [−87.3, 88.7] and clamped outside it. The runtime's Vector512.Exp computes in
    /// float64 and is several times slower, which dominated softmax and GELU.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Clamp(x, Vector512.Create(-87.3365f), Vector512.Create(88.7228f));
        var n = Vector512.Round(x * Vector512.Create(1.44269504088896341f));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.Create(1.9875691500E-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894E-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459E-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201E-1f));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        // p·2^n with one rounding: vscalefps where there is AVX-512F, else 2^n built in the exponent bits. The product
        // of powers of two is exact until the last multiply, so both paths give the same bits.
        if (Avx512F.IsSupported) return Avx512F.Scale(p, n);
        // n ∈ [−126, 128]: split 2^n into two factors so n = 128 (x near the top of the range) stays finite. n is
        // integral and in range, so the native (non-saturating) conversion is exact.
        var ni = Vector512.ConvertToInt32Native(n);
        var half = Vector512.ShiftRightArithmetic(ni, 1);
        var scale1 = Vector512.ShiftLeft(half + Vector512.Create(127), 23).AsSingle();
        var scale2 = Vector512.ShiftLeft(ni - half + Vector512.Create(127), 23).AsSingle();
        return p * scale1 * scale2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* x, float* y, int n)
    {
        int i = 0;
        var acc = Vector512<float>.Zero;
        for (; i + 16 <= n; i += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(x + i), Vector512.Load(y + i), acc);
        float sum = Vector512.Sum(acc);
        for (; i < n; i++) sum += x[i] * y[i];
        return sum;
    }

    public static float Sum(float* x, int n)
    {
        int i = 0;
        var acc = Vector512<float>.Zero;
        for (; i + 16 <= n; i += 16) acc += Vector512.Load(x + i);
        float sum = Vector512.Sum(acc);
        for (; i < n; i++) sum += x[i];
        return sum;
    }

    /// <summary>Σ (x − shift)², the variance numerator.</summary>
    public static float SumSquaredDeviation(float* x, float shift, int n)
    {
        int i = 0;
        var acc = Vector512<float>.Zero;
        var s = Vector512.Create(shift);
        for (; i + 16 <= n; i += 16)
        {
            var d = Vector512.Load(x + i) - s;
            acc = Vector512.FusedMultiplyAdd(d, d, acc);
        }
        float sum = Vector512.Sum(acc);
        for (; i < n; i++) sum += (x[i] - shift) * (x[i] - shift);
        return sum;
    }

    /// <summary>Σ (x − y)²: one query–point squared distance.</summary>
    public static float SquaredDistance(float* x, float* y, int n)
    {
        int i = 0;
        var acc = Vector512<float>.Zero;
        for (; i + 16 <= n; i += 16)
        {
            var d = Vector512.Load(x + i) - Vector512.Load(y + i);
            acc = Vector512.FusedMultiplyAdd(d, d, acc);
        }
        float sum = Vector512.Sum(acc);
        for (; i < n; i++) sum += (x[i] - y[i]) * (x[i] - y[i]);
        return sum;
    }

    /// <summary>y += a·x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float a, float* x, float* y, int n)
    {
        int i = 0;
        var va = Vector512.Create(a);
        for (; i + 16 <= n; i += 16) Vector512.FusedMultiplyAdd(va, Vector512.Load(x + i), Vector512.Load(y + i)).Store(y + i);
        for (; i < n; i++) y[i] += a * x[i];
    }

    /// <summary>
    /// The largest of n floats; NaN if any is NaN. Four accumulators of the native max (vmaxps: one instruction, but it
    /// drops a NaN in its first operand) with NaNs tracked apart: the IEEE-propagating Vector512.Max compiles to three
    /// dependent instructions, and that 12-cycle chain per 16 floats was a third of the softmax's time. Max is exact,
    /// so the lane order does not change the result (a zero maximum may come back as −0).
    /// </summary>
    public static float Max(float* x, int n)
    {
        int i = 0;
        var m0 = Vector512.Create(float.NegativeInfinity);
        var (m1, m2, m3) = (m0, m0, m0);
        var nan = Vector512<float>.Zero;
        for (; i + 64 <= n; i += 64)
        {
            Vector512<float> a = Vector512.Load(x + i), b = Vector512.Load(x + i + 16), c = Vector512.Load(x + i + 32), d = Vector512.Load(x + i + 48);
            m0 = Vector512.MaxNative(m0, a);
            m1 = Vector512.MaxNative(m1, b);
            m2 = Vector512.MaxNative(m2, c);
            m3 = Vector512.MaxNative(m3, d);
            nan |= Vector512.IsNaN(a) | Vector512.IsNaN(b) | Vector512.IsNaN(c) | Vector512.IsNaN(d);
        }
        for (; i + 16 <= n; i += 16)
        {
            var a = Vector512.Load(x + i);
            m0 = Vector512.MaxNative(m0, a);
            nan |= Vector512.IsNaN(a);
        }
        var m = Vector512.MaxNative(Vector512.MaxNative(m0, m1), Vector512.MaxNative(m2, m3));
        float max = nan != Vector512<float>.Zero ? float.NaN : HorizontalMax(m);
        for (; i < n; i++) max = MathF.Max(max, x[i]);
        return max;
    }

    /// <summary>
    /// The largest lane, folded by halves with the native max (a lane-by-lane MathF.Max is a 16-step chain of three
    /// instructions each). A NaN lane may be dropped: callers that must see NaNs track them apart or feed the row to exp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector512<float> m)
    {
        var h = Vector256.MaxNative(m.GetLower(), m.GetUpper());
        var q = Vector128.MaxNative(h.GetLower(), h.GetUpper());
        q = Vector128.MaxNative(q, Vector128.Shuffle(q, Vector128.Create(2, 3, 0, 1)));
        q = Vector128.MaxNative(q, Vector128.Shuffle(q, Vector128.Create(1, 0, 3, 2)));
        return q.ToScalar();
    }
}
