using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

// Softmax + cross-entropy fused with its gradient, one row at a time (rows in parallel). The exponentials of the
// non-target logits are summed apart from the target's, so the target's gradient −(1 − p)·scale is formed as
// −(Σ_{i≠t} e_i / Σ e)·scale without the cancellation of p − 1 when the model is confident. dLogits may alias the
// logits: the loss is taken before the row is overwritten.
public sealed unsafe partial class CpuBackend
{
    protected override void CrossEntropyCore(DeviceSlice<float> losses, DeviceSlice<float>? dLogits, DeviceSlice<float> logits,
        DeviceSlice<int> targets, int rows, int vocab, float gradScale)
    {
        float* loss = Ptr(losses), x = Ptr(logits), dx = dLogits is { } d ? Ptr(d) : null;
        int* target = Ptr(targets);
        for (int r = 0; r < rows; r++)
            if ((uint)target[r] >= (uint)vocab) throw new ArgumentException($"target {target[r]} of row {r} is outside the vocabulary of {vocab}");
        ForChunks(rows, RowChunk, (start, end) =>
        {
            for (long r = start; r < end; r++)
            {
                float* xr = x + r * vocab;
                int tr = target[r];
                float max = VectorMath.Max(xr, vocab);
                float shifted = xr[tr] - max;
                float* dr = dx == null ? null : dx + r * vocab;
                // One exp per logit: the gradient row holds the exponentials until the sum is known, then is scaled.
                float others = SumExpExcept(xr, dr, vocab, tr, max), sum = others + MathF.Exp(shifted);
                loss[r] = MathF.Log(sum) - shifted;
                if (dr == null) continue;
                float scaleOverSum = gradScale / sum;
                int i = 0;
                for (; i + 16 <= vocab; i += 16) (Vector512.Load(dr + i) * Vector512.Create(scaleOverSum)).Store(dr + i);
                for (; i < vocab; i++) dr[i] *= scaleOverSum;
                dr[tr] = -others * scaleOverSum;
            }
        });
    }

    /// <summary>
    /// Σ_{i≠except} exp(x[i] − shift) over [0, n), every exponential (the excepted one included) also stored to dst[i]
    /// unless dst is null. The excepted lane is masked out of its block rather than the row split around it, so the
    /// whole vector part stays aligned to the row and no more than 15 exponentials fall to the scalar tail.
    /// </summary>
    private static float SumExpExcept(float* x, float* dst, int n, int except, float shift)
    {
        int full = n & ~15, exceptBlock = except & ~15;
        var acc = Vector512<float>.Zero;
        var s = Vector512.Create(shift);
        for (int i = 0; i < full; i += 16)
        {
            var e = VectorMath.Exp(Vector512.Load(x + i) - s);
            if (dst != null) e.Store(dst + i);
            if (i == exceptBlock) e = Vector512.ConditionalSelect(Vector512.Equals(Vector512<int>.Indices, Vector512.Create(except - i)).AsSingle(), Vector512<float>.Zero, e);
            acc += e;
        }
        float sum = Vector512.Sum(acc);
        for (int i = full; i < n; i++)
        {
            float e = MathF.Exp(x[i] - shift);
            if (dst != null) dst[i] = e;
            if (i != except) sum += e;
        }
        return sum;
    }
}
