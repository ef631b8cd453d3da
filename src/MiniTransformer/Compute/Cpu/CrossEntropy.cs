using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

// Softmax + cross-entropy fused with its gradient, one row at a time (rows in parallel): max, Σ exp(x − max),
// loss = log Σ − (x_target − max), then (p − onehot)·scale written over the logits when dLogits aliases them.
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
                float max = VectorMath.Max(xr, vocab);
                int i = 0;
                var acc = Vector512<float>.Zero;
                for (; i + 16 <= vocab; i += 16) acc += Vector512.Exp(Vector512.Load(xr + i) - Vector512.Create(max));
                float sum = Vector512.Sum(acc);
                for (; i < vocab; i++) sum += MathF.Exp(xr[i] - max);
                int tr = target[r];
                loss[r] = MathF.Log(sum) - (xr[tr] - max);
                if (dx == null) continue;
                float* dr = dx + r * vocab;
                float scaleOverSum = gradScale / sum;
                i = 0;
                for (; i + 16 <= vocab; i += 16)
                    (Vector512.Exp(Vector512.Load(xr + i) - Vector512.Create(max)) * Vector512.Create(scaleOverSum)).Store(dr + i);
                for (; i < vocab; i++) dr[i] = MathF.Exp(xr[i] - max) * scaleOverSum;
                dr[tr] -= gradScale;
            }
        });
    }
}
