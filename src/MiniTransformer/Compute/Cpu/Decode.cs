using System.Numerics;

namespace MiniTransformer.Compute.Cpu;

// Incremental decoding: one new token per sequence. RoPE at one position, appending k and v to the per-layer caches
// [B, NH, capacity, HS], and single-query attention over the cache — the arithmetic of row t of the causal forward
// (same Dot, softmax order and Axpy), so a decoded step reproduces the full pass to the last bit on this backend.
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
        int channels = heads * headSize;
        For((long)batch * heads, bh =>
        {
            long b = bh / heads; int h = (int)(bh % heads);
            float* q = p + b * 3 * channels + h * headSize;
            float* keys = kc + bh * capacity * headSize, values = vc + bh * capacity * headSize;
            // Weights on the stack up to 4,096 positions (16 KB), the heap beyond.
            Span<float> weights = length <= 4096 ? stackalloc float[length] : new float[length];
            fixed (float* w = weights)
            {
                float max = float.NegativeInfinity;
                for (int t = 0; t < length; t++)
                {
                    float score = VectorMath.Dot(q, keys + (long)t * headSize, headSize) * scale;
                    w[t] = score;
                    max = MathF.Max(max, score);
                }
                float sum = 0f;
                for (int t = 0; t < length; t++)
                {
                    float e = MathF.Exp(w[t] - max);
                    w[t] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                for (int t = 0; t < length; t++) w[t] *= inv;

                float* outRow = o + b * channels + h * headSize;
                new Span<float>(outRow, headSize).Clear();
                for (int t = 0; t < length; t++) VectorMath.Axpy(w[t], values + (long)t * headSize, outRow, headSize);
            }
        });
    }
}
