using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

/// <summary>
/// Row-level building blocks of the non-GEMM ops. Each sums in an order fixed by the length alone (16 lanes
/// over the vector part, lanes folded in a fixed order, then the tail), so a row's result never depends on which
/// thread computed it.
/// </summary>
internal static unsafe class VectorMath
{
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

    public static float Max(float* x, int n)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (n >= 16)
        {
            var acc = Vector512.Load(x);
            for (i = 16; i + 16 <= n; i += 16) acc = Vector512.Max(acc, Vector512.Load(x + i));
            for (int l = 0; l < 16; l++) max = MathF.Max(max, acc[l]);
        }
        for (; i < n; i++) max = MathF.Max(max, x[i]);
        return max;
    }
}
