using System.Numerics;
using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

// Incremental decoding: one new token per sequence. RoPE at one position, appending k and v to the per-layer caches
// [B, NH, capacity, HS], and single-query attention over the cache: scores by dot products, the softmax with the
// vector exp over whole 16-position blocks (padding masked to 0), the weighted sum of values held in registers. Each
// (sequence, head) is computed alone in an order fixed by (HS, length), so a sequence's output does not depend on the
// batch; it equals the full pass's causal attention to fp32 rounding (that kernel sums in another order).
public sealed unsafe partial class CpuBackend
{
    protected override void RopeAtCore(DeviceSlice<float> qkv, int batch, int heads, int headSize, int position, float theta)
    {
        int half = headSize / 2, channels = heads * headSize;
        // Rows of the angle table do not depend on its length, so a power-of-two table serves every position below it
        // with the very floats the full-sequence Rope uses.
        int rows = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(position + 1, 64));
        var (cos, sin) = RopeTable(rows, headSize, theta, inverse: false);
        float* p = Ptr(qkv);
        fixed (float* cosTable = cos, sinTable = sin)
        {
            float* c = cosTable + (long)position * half, s = sinTable + (long)position * half;
            for (long b = 0; b < batch; b++)
                for (int part = 0; part < 2; part++) // q, then k; v is left alone
                    for (int h = 0; h < heads; h++)
                        Rotate(p + b * 3 * channels + part * channels + h * headSize, c, s, half);
        }
    }

    protected override void KvCacheAppendCore(DeviceSlice<float> kCache, DeviceSlice<float> vCache, DeviceSlice<float> qkv,
        int batch, int heads, int headSize, int capacity, int position)
    {
        float* k = Ptr(kCache), v = Ptr(vCache), p = Ptr(qkv);
        int channels = heads * headSize;
        for (long b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
            {
                long row = ((b * heads + h) * capacity + position) * headSize;
                float* token = p + b * 3 * channels + h * headSize;
                new ReadOnlySpan<float>(token + channels, headSize).CopyTo(new Span<float>(k + row, headSize));
                new ReadOnlySpan<float>(token + 2 * channels, headSize).CopyTo(new Span<float>(v + row, headSize));
            }
    }

    protected override void AttentionDecodeCore(DeviceSlice<float> output, DeviceSlice<float> qkv, DeviceSlice<float> kCache,
        DeviceSlice<float> vCache, int batch, int heads, int headSize, int capacity, int length, float scale)
    {
        float* o = Ptr(output), p = Ptr(qkv), kc = Ptr(kCache), vc = Ptr(vCache);
        int channels = heads * headSize, padded = (length + 15) & ~15;
        For((long)batch * heads, bh =>
        {
            long b = bh / heads; int h = (int)(bh % heads);
            float* q = p + b * 3 * channels + h * headSize;
            float* keys = kc + bh * capacity * headSize, values = vc + bh * capacity * headSize;
            // Weights on the stack up to 4,096 positions (16 KB), the heap beyond; padded to whole vectors for the exp.
            Span<float> weights = padded <= 4096 ? stackalloc float[padded] : new float[padded];
            fixed (float* w = weights)
            {
                for (int t = 0; t < length; t++) w[t] = VectorMath.Dot(q, keys + (long)t * headSize, headSize) * scale;
                float max = VectorMath.Max(w, length);
                for (int t = length; t < padded; t++) w[t] = max;
                var vMax = Vector512.Create(max);
                for (int t = 0; t < padded; t += 16) VectorMath.Exp(Vector512.Load(w + t) - vMax).Store(w + t);
                for (int t = length; t < padded; t++) w[t] = 0f;
                var inv = Vector512.Create(1f / VectorMath.Sum(w, length));
                for (int t = 0; t < padded; t += 16) (Vector512.Load(w + t) * inv).Store(w + t);
                WeightedSum(w, values, length, headSize, o + b * channels + h * headSize);
            }
        });
    }

    /// <summary>
    /// y[c] = Σ_t w[t]·v[t·n + c] for c &lt; n: each column a fused multiply-add chain over t = 0, 1, … from zero, held in
    /// registers (64 columns at a time) instead of read and written back per position.
    /// </summary>
    private static void WeightedSum(float* w, float* v, int length, int n, float* y)
    {
        int c = 0;
        for (; c + 64 <= n; c += 64)
        {
            Vector512<float> y0 = default, y1 = default, y2 = default, y3 = default;
            for (int t = 0; t < length; t++)
            {
                var a = Vector512.Create(w[t]);
                float* row = v + (long)t * n + c;
                y0 = Vector512.FusedMultiplyAdd(a, Vector512.Load(row), y0);
                y1 = Vector512.FusedMultiplyAdd(a, Vector512.Load(row + 16), y1);
                y2 = Vector512.FusedMultiplyAdd(a, Vector512.Load(row + 32), y2);
                y3 = Vector512.FusedMultiplyAdd(a, Vector512.Load(row + 48), y3);
            }
            y0.Store(y + c); y1.Store(y + c + 16); y2.Store(y + c + 32); y3.Store(y + c + 48);
        }
        for (; c + 16 <= n; c += 16)
        {
            Vector512<float> acc = default;
            for (int t = 0; t < length; t++) acc = Vector512.FusedMultiplyAdd(Vector512.Create(w[t]), Vector512.Load(v + (long)t * n + c), acc);
            acc.Store(y + c);
        }
        for (; c < n; c++)
        {
            float acc = 0f;
            for (int t = 0; t < length; t++) acc = MathF.FusedMultiplyAdd(w[t], v[(long)t * n + c], acc);
            y[c] = acc;
        }
    }
}
