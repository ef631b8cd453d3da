using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

// Causal multi-head attention, one task per (batch, head). The head's keys (forward) or values (backward) are first
// staged transposed, d-major with the positions padded to whole vectors, so a query row's scores against 16 keys are
// one vector accumulated over d and the softmax runs on vectors (VectorMath.Exp). Sums over positions — the output
// rows and dq, dk, dv — go through WeightedRows. Every sum runs in an order fixed by the shapes alone.
public sealed unsafe partial class CpuBackend
{
    [ThreadStatic] private static float[]? _attentionScratch;

    protected override void AttentionForwardCore(DeviceSlice<float> output, DeviceSlice<float> att, DeviceSlice<float> qkv,
        int batch, int seqLen, int heads, int headSize, float scale)
    {
        float* o = Ptr(output), a = Ptr(att), p = Ptr(qkv);
        int c = heads * headSize, c3 = 3 * c, padded = PaddedPositions(seqLen);
        For((long)batch * heads, bh =>
        {
            long b = bh / heads; int h = (int)(bh % heads);
            float* q = p + b * seqLen * c3 + h * headSize, k = q + c, v = q + 2 * c;
            fixed (float* scratch = AttentionScratch((headSize + 1) * padded))
            {
                float* keysT = scratch, probs = scratch + headSize * padded;
                StageTransposed(k, c3, seqLen, headSize, keysT, padded);
                for (int t = 0; t < seqLen; t++)
                {
                    float* qt = q + (long)t * c3;
                    int vectors = t / 16 + 1;
                    float max = float.NegativeInfinity;
                    for (int j = 0; j < vectors; j++)
                    {
                        var s = ColumnDot(qt, keysT + 16 * j, padded, headSize);
                        s = Vector512.ConditionalSelect(Visible(t - 16 * j), s * Vector512.Create(scale), Vector512.Create(float.NegativeInfinity));
                        s.Store(probs + 16 * j);
                        max = MathF.Max(max, HorizontalMax(s));
                    }
                    var sum = Vector512<float>.Zero;
                    for (int j = 0; j < vectors; j++)
                    {
                        var e = Vector512.ConditionalSelect(Visible(t - 16 * j),
                            VectorMath.Exp(Vector512.Load(probs + 16 * j) - Vector512.Create(max)), Vector512<float>.Zero);
                        e.Store(probs + 16 * j);
                        sum += e;
                    }
                    var inv = Vector512.Create(1f / Vector512.Sum(sum));
                    for (int j = 0; j < vectors; j++) (Vector512.Load(probs + 16 * j) * inv).Store(probs + 16 * j);
                    for (int j = vectors * 16; j < padded; j++) probs[j] = 0f;

                    new ReadOnlySpan<float>(probs, seqLen).CopyTo(new Span<float>(a + (bh * seqLen + t) * seqLen, seqLen));
                    WeightedRows(probs, 1, v, c3, t + 1, o + (b * seqLen + t) * c + h * headSize, headSize);
                }
            }
        });
    }

    protected override void AttentionBackwardCore(DeviceSlice<float> dQkv, DeviceSlice<float> dOutput, DeviceSlice<float> qkv,
        DeviceSlice<float> att, int batch, int seqLen, int heads, int headSize, float scale)
    {
        float* dp = Ptr(dQkv), dOut = Ptr(dOutput), p = Ptr(qkv), a = Ptr(att);
        int c = heads * headSize, c3 = 3 * c, padded = PaddedPositions(seqLen);
        For((long)batch * heads, bh =>
        {
            long b = bh / heads; int h = (int)(bh % heads);
            long headOffset = b * seqLen * c3 + h * headSize;
            float* q = p + headOffset, k = q + c, v = q + 2 * c;
            float* dq = dp + headOffset, dk = dq + c, dv = dq + 2 * c;
            float* dy = dOut + b * seqLen * c + h * headSize;
            fixed (float* scratch = AttentionScratch((headSize + 2 * seqLen) * padded))
            {
                // probs[t·padded + t2]: the attention rows, zero past t; dScores the same shape.
                float* valuesT = scratch, probs = valuesT + headSize * padded, dScores = probs + seqLen * padded;
                StageTransposed(v, c3, seqLen, headSize, valuesT, padded);
                for (int t = 0; t < seqLen; t++)
                {
                    float* row = probs + t * padded, dsRow = dScores + t * padded, dyt = dy + (long)t * c;
                    new ReadOnlySpan<float>(a + (bh * seqLen + t) * seqLen, t + 1).CopyTo(new Span<float>(row, t + 1));
                    new Span<float>(row + t + 1, padded - t - 1).Clear();
                    int vectors = t / 16 + 1;
                    // out = Σ att·v  ⇒  dAtt[t2] = dy·v[t2]; softmax: dScore = att·(dAtt − Σ att·dAtt); score = scale·q·k
                    var weighted = Vector512<float>.Zero;
                    for (int j = 0; j < vectors; j++)
                    {
                        var dAtt = ColumnDot(dyt, valuesT + 16 * j, padded, headSize);
                        dAtt.Store(dsRow + 16 * j);
                        weighted = Vector512.FusedMultiplyAdd(Vector512.Load(row + 16 * j), dAtt, weighted);
                    }
                    var w = Vector512.Create(Vector512.Sum(weighted));
                    for (int j = 0; j < vectors; j++)
                        (Vector512.Load(row + 16 * j) * (Vector512.Load(dsRow + 16 * j) - w) * Vector512.Create(scale)).Store(dsRow + 16 * j);
                    for (int j = vectors * 16; j < padded; j++) dsRow[j] = 0f;
                }
                for (int t = 0; t < seqLen; t++)
                {
                    WeightedRows(dScores + t * padded, 1, k, c3, t + 1, dq + (long)t * c3, headSize);
                    // Column t of the lower triangles: rows t … seqLen−1 of q and dy.
                    WeightedRows(dScores + t * padded + t, padded, q + (long)t * c3, c3, seqLen - t, dk + (long)t * c3, headSize);
                    WeightedRows(probs + t * padded + t, padded, dy + (long)t * c, c, seqLen - t, dv + (long)t * c3, headSize);
                }
            }
        });
    }

    private static int PaddedPositions(int seqLen) => (seqLen + 15) & ~15;

    private static float[] AttentionScratch(int floats)
    {
        var scratch = _attentionScratch;
        if (scratch == null || scratch.Length < floats) _attentionScratch = scratch = GC.AllocateUninitializedArray<float>(floats, pinned: true);
        return scratch;
    }

    /// <summary>dst[d·padded + t] = src[t·stride + d] for t &lt; rows, zero for t in [rows, padded).</summary>
    private static void StageTransposed(float* src, long stride, int rows, int headSize, float* dst, int padded)
    {
        for (int t = 0; t < rows; t++)
        {
            float* s = src + t * stride;
            for (int d = 0; d < headSize; d++) dst[d * padded + t] = s[d];
        }
        for (int d = 0; d < headSize; d++) new Span<float>(dst + d * padded + rows, padded - rows).Clear();
    }

    /// <summary>Lanes whose position (lane index) is at most <paramref name="last"/>: the causal mask of one vector.</summary>
    private static Vector512<float> Visible(int last) =>
        Vector512.LessThanOrEqual(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(last)).AsSingle();

    private static float HorizontalMax(Vector512<float> x)
    {
        var m = Vector256.Max(x.GetLower(), x.GetUpper());
        var m4 = Vector128.Max(m.GetLower(), m.GetUpper());
        return MathF.Max(MathF.Max(m4[0], m4[1]), MathF.Max(m4[2], m4[3]));
    }

    /// <summary>
    /// Σ_d x[d]·m[d·stride + lane] for 16 lanes: four partial sums over d mod 4 (independent FMA chains, not one
    /// latency-bound chain), combined as (s0 + s1) + (s2 + s3).
    /// </summary>
    private static Vector512<float> ColumnDot(float* x, float* m, int stride, int n)
    {
        Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
        int d = 0;
        for (; d + 4 <= n; d += 4)
        {
            s0 = Vector512.FusedMultiplyAdd(Vector512.Create(x[d]), Vector512.Load(m + d * stride), s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Create(x[d + 1]), Vector512.Load(m + (d + 1) * stride), s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.Create(x[d + 2]), Vector512.Load(m + (d + 2) * stride), s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.Create(x[d + 3]), Vector512.Load(m + (d + 3) * stride), s3);
        }
        for (; d < n; d++) s0 = Vector512.FusedMultiplyAdd(Vector512.Create(x[d]), Vector512.Load(m + d * stride), s0);
        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>
    /// dst[j] = Σ_{i &lt; count} w[i·ws]·x[i·xs + j] for j &lt; n: per element, the terms of even and odd i are summed in
    /// ascending order from zero (one FMA each, two independent chains) and then added.
    /// </summary>
    private static void WeightedRows(float* w, long ws, float* x, long xs, int count, float* dst, int n)
    {
        int j = 0;
        for (; j + 32 <= n; j += 32)
        {
            Vector512<float> e0 = Vector512<float>.Zero, e1 = e0, o0 = e0, o1 = e0;
            float* xi = x + j;
            int i = 0;
            for (; i + 2 <= count; i += 2, xi += 2 * xs)
            {
                var we = Vector512.Create(w[i * ws]);
                var wo = Vector512.Create(w[(i + 1) * ws]);
                e0 = Vector512.FusedMultiplyAdd(we, Vector512.Load(xi), e0);
                e1 = Vector512.FusedMultiplyAdd(we, Vector512.Load(xi + 16), e1);
                o0 = Vector512.FusedMultiplyAdd(wo, Vector512.Load(xi + xs), o0);
                o1 = Vector512.FusedMultiplyAdd(wo, Vector512.Load(xi + xs + 16), o1);
            }
            if (i < count)
            {
                var we = Vector512.Create(w[i * ws]);
                e0 = Vector512.FusedMultiplyAdd(we, Vector512.Load(xi), e0);
                e1 = Vector512.FusedMultiplyAdd(we, Vector512.Load(xi + 16), e1);
            }
            (e0 + o0).Store(dst + j);
            (e1 + o1).Store(dst + j + 16);
        }
        for (; j + 16 <= n; j += 16)
        {
            Vector512<float> e = Vector512<float>.Zero, o = e;
            float* xi = x + j;
            int i = 0;
            for (; i + 2 <= count; i += 2, xi += 2 * xs)
            {
                e = Vector512.FusedMultiplyAdd(Vector512.Create(w[i * ws]), Vector512.Load(xi), e);
                o = Vector512.FusedMultiplyAdd(Vector512.Create(w[(i + 1) * ws]), Vector512.Load(xi + xs), o);
            }
            if (i < count) e = Vector512.FusedMultiplyAdd(Vector512.Create(w[i * ws]), Vector512.Load(xi), e);
            (e + o).Store(dst + j);
        }
        for (; j < n; j++)
        {
            float e = 0f, o = 0f;
            int i = 0;
            for (; i + 2 <= count; i += 2)
            {
                e = MathF.FusedMultiplyAdd(w[i * ws], x[i * xs + j], e);
                o = MathF.FusedMultiplyAdd(w[(i + 1) * ws], x[(i + 1) * xs + j], o);
            }
            if (i < count) e = MathF.FusedMultiplyAdd(w[i * ws], x[i * xs + j], e);
            dst[j] = e + o;
        }
    }
}
