using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

/// <summary>
/// GELU, tanh approximation, in the numerically stable form 0.5·x·(1 + tanh u) = x·σ(2u) with
/// u = √(2/π)(x + 0.044715x³): no cancellation for large negative x, and one exp instead of a tanh.
/// Shared by the elementwise ops and the GEMM epilogue.
/// </summary>
internal static class Gelu
{
    private const float Sqrt2OverPi = 0.7978845608028654f;
    private const float Cubic = 0.044715f;
    // exp(±88) stays finite in float32, so e·s below never becomes ∞·0.
    private const float ExpLimit = 88f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Forward(float x)
    {
        float u = Sqrt2OverPi * (x + Cubic * x * x * x);
        return x / (1f + MathF.Exp(Math.Clamp(-2f * u, -ExpLimit, ExpLimit)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Forward(Vector512<float> x)
    {
        var u = Vector512.Create(Sqrt2OverPi) * (x + Vector512.Create(Cubic) * x * x * x);
        var e = VectorMath.Exp(Vector512.Clamp(Vector512.Create(-2f) * u, Vector512.Create(-ExpLimit), Vector512.Create(ExpLimit)));
        return x / (Vector512<float>.One + e);
    }

    /// <summary>GELU'(x) = σ(2u) + 2x·σ(2u)·σ(−2u)·u'(x), with σ(−2u) = e·σ(2u) for e = exp(−2u).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Derivative(float x)
    {
        float x2 = x * x;
        float u = Sqrt2OverPi * (x + Cubic * x2 * x);
        float e = MathF.Exp(Math.Clamp(-2f * u, -ExpLimit, ExpLimit));
        float s = 1f / (1f + e);
        float du = Sqrt2OverPi * (1f + 3f * Cubic * x2);
        return s + 2f * x * s * (e * s) * du;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Derivative(Vector512<float> x)
    {
        var x2 = x * x;
        var u = Vector512.Create(Sqrt2OverPi) * (x + Vector512.Create(Cubic) * x2 * x);
        var e = VectorMath.Exp(Vector512.Clamp(Vector512.Create(-2f) * u, Vector512.Create(-ExpLimit), Vector512.Create(ExpLimit)));
        var s = Vector512<float>.One / (Vector512<float>.One + e);
        var du = Vector512.Create(Sqrt2OverPi) * (Vector512<float>.One + Vector512.Create(3f * Cubic) * x2);
        return s + Vector512.Create(2f) * x * s * (e * s) * du;
    }
}
