using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

// Causal multi-head attention, one task per (batch, head). The head's keys (forward) or values (backward) are first
// staged transposed, d-major with the positions padded to whole vectors, so a query row's scores against 16 keys are
// one vector accumulated over d and the softmax runs on vectors (VectorMath.Exp). Sums over positions — the output
// rows and dq, dk, dv — go through WeightedRows. Both run four queries (rows) at a time where the sequence has four
// left, so each key, value or q/dy row loaded serves four FMAs instead of one (one load per FMA had bound the loop on
// loads); the causal triangles are zero outside their range, so a group sums over its widest row's range. Every sum
// runs in an order fixed by the shapes alone.
public sealed unsafe partial class CpuBackend
{
    [ThreadStatic] private static float[]? _attentionScratch;

    /// <summary>Queries (or output rows) handled together: their sums share every key, value and q/dy row loaded.</summary>
    private const int QueryGroup = 4;

    protected override void AttentionForwardCore(DeviceSlice<float> output, DeviceSlice<float> att, DeviceSlice<float> qkv,
        int batch, int seqLen, int heads, int headSize, float scale)
    {
        float* o = Ptr(output), a = Ptr(att), p = Ptr(qkv);
        int c = heads * headSize, c3 = 3 * c, padded = PaddedPositions(seqLen);
        For((long)batch * heads, bh =>
        {
            long b = bh / heads; int h = (int)(bh % heads);
            float* q = p + b * seqLen * c3 + h * headSize, k = q + c, v = q + 2 * c;
            fixed (float* scratch = AttentionScratch((headSize + QueryGroup) * padded))
            {
                // probs holds a group's rows of scores, then of probabilities, each zero past its own position.
                float* keysT = scratch, probs = scratch + headSize * padded;
                StageTransposed(k, c3, seqLen, headSize, keysT, padded);
                for (int t0 = 0; t0 < seqLen; t0 += QueryGroup)
                {
                    int group = Math.Min(QueryGroup, seqLen - t0);
                    float* qt = q + (long)t0 * c3, ot = o + (b * seqLen + t0) * c + h * headSize;
                    if (group == QueryGroup)
                        ColumnDots4(qt, c3, keysT, padded, headSize, ((t0 + QueryGroup - 1) >> 4) + 1, probs, padded);
                    else
                        for (int r = 0; r < group; r++)
                            for (int j = 0; j <= (t0 + r) >> 4; j++)
                                ColumnDot(qt + (long)r * c3, keysT + 16 * j, padded, headSize).Store(probs + r * padded + 16 * j);
                    for (int r = 0; r < group; r++)
                    {
                        float* row = probs + r * padded;
                        CausalSoftmax(row, t0 + r, scale, padded);
                        new ReadOnlySpan<float>(row, seqLen).CopyTo(new Span<float>(a + (bh * seqLen + t0 + r) * seqLen, seqLen));
                    }
                    // Rows past a query's position are zero in its probabilities, so the group sums over t0 + group rows.
                    if (group == QueryGroup) WeightedRows4(probs, 1, padded, v, c3, t0 + QueryGroup, ot, c, headSize);
                    else
                        for (int r = 0; r < group; r++) WeightedRows(probs + r * padded, 1, v, c3, t0 + r + 1, ot + (long)r * c, headSize);
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
                // probs[t·padded + t2]: the attention rows, zero past t; dScores the same shape (dAtt until turned into
                // the score gradient).
                float* valuesT = scratch, probs = valuesT + headSize * padded, dScores = probs + seqLen * padded;
                StageTransposed(v, c3, seqLen, headSize, valuesT, padded);
                for (int t = 0; t < seqLen; t++)
                {
                    float* row = probs + t * padded;
                    new ReadOnlySpan<float>(a + (bh * seqLen + t) * seqLen, t + 1).CopyTo(new Span<float>(row, t + 1));
                    new Span<float>(row + t + 1, padded - t - 1).Clear();
                }
                // out = Σ att·v  ⇒  dAtt[t2] = dy·v[t2]
                int fullGroups = seqLen / QueryGroup * QueryGroup;
                for (int t0 = 0; t0 < fullGroups; t0 += QueryGroup)
                    ColumnDots4(dy + (long)t0 * c, c, valuesT, padded, headSize, ((t0 + QueryGroup - 1) >> 4) + 1, dScores + t0 * padded, padded);
                for (int t = fullGroups; t < seqLen; t++)
                    for (int j = 0; j <= t >> 4; j++) ColumnDot(dy + (long)t * c, valuesT + 16 * j, padded, headSize).Store(dScores + t * padded + 16 * j);
                // softmax: dScore = att·(dAtt − Σ att·dAtt), then × scale since score = scale·q·k
                for (int t = 0; t < seqLen; t++)
                {
                    float* row = probs + t * padded, dsRow = dScores + t * padded;
                    int vectors = t / 16 + 1;
                    var weighted = Vector512<float>.Zero;
                    for (int j = 0; j < vectors; j++) weighted = Vector512.FusedMultiplyAdd(Vector512.Load(row + 16 * j), Vector512.Load(dsRow + 16 * j), weighted);
                    var w = Vector512.Create(Vector512.Sum(weighted));
                    for (int j = 0; j < vectors; j++)
                        (Vector512.Load(row + 16 * j) * (Vector512.Load(dsRow + 16 * j) - w) * Vector512.Create(scale)).Store(dsRow + 16 * j);
                    for (int j = vectors * 16; j < padded; j++) dsRow[j] = 0f;
                }
                // dq[t] = Σ_{t2 ≤ t} dScore[t, t2]·k[t2]; dk[t] = Σ_{t2 ≥ t} dScore[t2, t]·q[t2]; dv[t] = Σ_{t2 ≥ t} att[t2, t]·dy[t2].
                // Both triangles are zero outside the causal range, so a group of four sums over its widest range.
                for (int t = 0; t < fullGroups; t += QueryGroup)
                {
                    WeightedRows4(dScores + t * padded, 1, padded, k, c3, t + QueryGroup, dq + (long)t * c3, c3, headSize);
                    WeightedRows4(dScores + t * padded + t, padded, 1, q + (long)t * c3, c3, seqLen - t, dk + (long)t * c3, c3, headSize);
                    WeightedRows4(probs + t * padded + t, padded, 1, dy + (long)t * c, c, seqLen - t, dv + (long)t * c3, c3, headSize);
                }
                for (int t = fullGroups; t < seqLen; t++)
                {
                    WeightedRows(dScores + t * padded, 1, k, c3, t + 1, dq + (long)t * c3, headSize);
                    WeightedRows(dScores + t * padded + t, padded, q + (long)t * c3, c3, seqLen - t, dk + (long)t * c3, headSize);
                    WeightedRows(probs + t * padded + t, padded, dy + (long)t * c, c, seqLen - t, dv + (long)t * c3, headSize);
                }
            }
        });
    }

    /// <summary>
    /// Scales and masks a row of raw scores for query <paramref name="t"/> (its first t/16 + 1 vectors) and turns it into
    /// the causal softmax, zero from position t + 1 to <paramref name="padded"/>.
    /// </summary>
    private static void CausalSoftmax(float* row, int t, float scale, int padded)
    {
        int vectors = t / 16 + 1;
        // A NaN score the native max drops still reaches the row through its exp, so a diverged model's NaNs propagate.
        var maxLanes = Vector512.Create(float.NegativeInfinity);
        for (int j = 0; j < vectors; j++)
        {
            var s = Vector512.ConditionalSelect(Visible(t - 16 * j), Vector512.Load(row + 16 * j) * Vector512.Create(scale),
                Vector512.Create(float.NegativeInfinity));
            s.Store(row + 16 * j);
            maxLanes = Vector512.MaxNative(maxLanes, s);
        }
        float max = VectorMath.HorizontalMax(maxLanes);
        var sum = Vector512<float>.Zero;
        for (int j = 0; j < vectors; j++)
        {
            var e = Vector512.ConditionalSelect(Visible(t - 16 * j),
                VectorMath.Exp(Vector512.Load(row + 16 * j) - Vector512.Create(max)), Vector512<float>.Zero);
            e.Store(row + 16 * j);
            sum += e;
        }
        var inv = Vector512.Create(1f / Vector512.Sum(sum));
        for (int j = 0; j < vectors; j++) (Vector512.Load(row + 16 * j) * inv).Store(row + 16 * j);
        for (int j = vectors * 16; j < padded; j++) row[j] = 0f;
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
        Vector512.LessThanOrEqual(Vector512<int>.Indices, Vector512.Create(last)).AsSingle();

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

    /// <summary>
    /// The <see cref="ColumnDot"/> of four rows x + r·xs against <paramref name="vectors"/> column vectors of m, stored to
    /// dst + r·ds + 16·j: each m vector is loaded once for the four rows. Per (row, vector), the terms of even and odd d
    /// are summed in ascending order (two FMA chains) and then added.
    /// </summary>
    private static void ColumnDots4(float* x, long xs, float* m, int stride, int n, int vectors, float* dst, long ds)
    {
        float* x1 = x + xs, x2 = x + 2 * xs, x3 = x + 3 * xs;
        for (int j = 0; j < vectors; j++)
        {
            float* mj = m + 16 * j;
            Vector512<float> e0 = Vector512<float>.Zero, e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
            int d = 0;
            for (; d + 2 <= n; d += 2)
            {
                var me = Vector512.Load(mj + d * stride);
                var mo = Vector512.Load(mj + (d + 1) * stride);
                e0 = Vector512.FusedMultiplyAdd(Vector512.Create(x[d]), me, e0);
                e1 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[d]), me, e1);
                e2 = Vector512.FusedMultiplyAdd(Vector512.Create(x2[d]), me, e2);
                e3 = Vector512.FusedMultiplyAdd(Vector512.Create(x3[d]), me, e3);
                o0 = Vector512.FusedMultiplyAdd(Vector512.Create(x[d + 1]), mo, o0);
                o1 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[d + 1]), mo, o1);
                o2 = Vector512.FusedMultiplyAdd(Vector512.Create(x2[d + 1]), mo, o2);
                o3 = Vector512.FusedMultiplyAdd(Vector512.Create(x3[d + 1]), mo, o3);
            }
            if (d < n)
            {
                var me = Vector512.Load(mj + d * stride);
                e0 = Vector512.FusedMultiplyAdd(Vector512.Create(x[d]), me, e0);
                e1 = Vector512.FusedMultiplyAdd(Vector512.Create(x1[d]), me, e1);
                e2 = Vector512.FusedMultiplyAdd(Vector512.Create(x2[d]), me, e2);
                e3 = Vector512.FusedMultiplyAdd(Vector512.Create(x3[d]), me, e3);
            }
            (e0 + o0).Store(dst + 16 * j);
            (e1 + o1).Store(dst + ds + 16 * j);
            (e2 + o2).Store(dst + 2 * ds + 16 * j);
            (e3 + o3).Store(dst + 3 * ds + 16 * j);
        }
    }

    /// <summary>
    /// Four <see cref="WeightedRows"/> sharing their x rows: dst[r·ds + j] = Σ_{i &lt; count} w[i·ws + r·wd]·x[i·xs + j]
    /// for r &lt; 4, j &lt; n. Per element the terms are summed in ascending i from zero, one FMA chain each.
    /// </summary>
    private static void WeightedRows4(float* w, long ws, long wd, float* x, long xs, int count, float* dst, long ds, int n)
    {
        int j = 0;
        for (; j + 32 <= n; j += 32)
        {
            Vector512<float> a0 = Vector512<float>.Zero, b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
            float* xi = x + j, wi = w;
            for (int i = 0; i < count; i++, xi += xs, wi += ws)
            {
                Vector512<float> lo = Vector512.Load(xi), hi = Vector512.Load(xi + 16);
                Vector512<float> w0 = Vector512.Create(wi[0]), w1 = Vector512.Create(wi[wd]), w2 = Vector512.Create(wi[2 * wd]), w3 = Vector512.Create(wi[3 * wd]);
                a0 = Vector512.FusedMultiplyAdd(w0, lo, a0);
                b0 = Vector512.FusedMultiplyAdd(w0, hi, b0);
                a1 = Vector512.FusedMultiplyAdd(w1, lo, a1);
                b1 = Vector512.FusedMultiplyAdd(w1, hi, b1);
                a2 = Vector512.FusedMultiplyAdd(w2, lo, a2);
                b2 = Vector512.FusedMultiplyAdd(w2, hi, b2);
                a3 = Vector512.FusedMultiplyAdd(w3, lo, a3);
                b3 = Vector512.FusedMultiplyAdd(w3, hi, b3);
            }
            a0.Store(dst + j); b0.Store(dst + j + 16);
            a1.Store(dst + ds + j); b1.Store(dst + ds + j + 16);
            a2.Store(dst + 2 * ds + j); b2.Store(dst + 2 * ds + j + 16);
            a3.Store(dst + 3 * ds + j); b3.Store(dst + 3 * ds + j + 16);
        }
        for (; j + 16 <= n; j += 16)
        {
            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            float* xi = x + j, wi = w;
            for (int i = 0; i < count; i++, xi += xs, wi += ws)
            {
                var xv = Vector512.Load(xi);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(wi[0]), xv, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(wi[wd]), xv, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(wi[2 * wd]), xv, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(wi[3 * wd]), xv, a3);
            }
            a0.Store(dst + j); a1.Store(dst + ds + j); a2.Store(dst + 2 * ds + j); a3.Store(dst + 3 * ds + j);
        }
        for (; j < n; j++)
        {
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            for (int i = 0; i < count; i++)
            {
                float xv = x[i * xs + j];
                float* wi = w + i * ws;
                a0 = MathF.FusedMultiplyAdd(wi[0], xv, a0);
                a1 = MathF.FusedMultiplyAdd(wi[wd], xv, a1);
                a2 = MathF.FusedMultiplyAdd(wi[2 * wd], xv, a2);
                a3 = MathF.FusedMultiplyAdd(wi[3 * wd], xv, a3);
            }
            dst[j] = a0; dst[ds + j] = a1; dst[2 * ds + j] = a2; dst[3 * ds + j] = a3;
        }
    }
}
