using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

// Rotary position embedding, rotate-half pairing: (x_i, x_{i+HS/2}) turns by t·θ^(−2i/HS) in q and k of every head.
public sealed unsafe partial class CpuBackend
{
    private readonly Dictionary<(int SeqLen, int HeadSize, float Theta, bool Inverse), (float[] Cos, float[] Sin)> _ropeTables = new();

    protected override void RopeCore(DeviceSlice<float> qkv, int batch, int seqLen, int heads, int headSize, float theta, bool inverse)
    {
        int half = headSize / 2, channels = heads * headSize;
        var (cos, sin) = RopeTable(seqLen, headSize, theta, inverse);
        float* p = Ptr(qkv);
        // Chunks of tokens, not single tokens: one token is only a few hundred FLOPs, less than a work item costs.
        ForChunks((long)batch * seqLen, 64, (start, end) =>
        {
            fixed (float* cosTable = cos, sinTable = sin)
                for (long bt = start; bt < end; bt++)
                {
                    int t = (int)(bt % seqLen);
                    float* token = p + bt * 3 * channels, c = cosTable + t * half, s = sinTable + t * half;
                    for (int part = 0; part < 2; part++) // q, then k; v is left alone
                        for (int h = 0; h < heads; h++)
                            Rotate(token + part * channels + h * headSize, c, s, half);
                }
        });
    }

    /// <summary>
    /// Turns one head's pairs. Multiplies and subtracts are kept separate (no FMA) in every lane width, so the vector
    /// and scalar paths round identically and the result does not depend on which one ran.
    /// </summary>
    private static void Rotate(float* x, float* c, float* s, int half)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= half; i += 16)
            {
                var (x1, x2, vc, vs) = (Vector512.Load(x + i), Vector512.Load(x + half + i), Vector512.Load(c + i), Vector512.Load(s + i));
                (x1 * vc - x2 * vs).Store(x + i);
                (x1 * vs + x2 * vc).Store(x + half + i);
            }
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= half; i += 8)
            {
                var (x1, x2, vc, vs) = (Vector256.Load(x + i), Vector256.Load(x + half + i), Vector256.Load(c + i), Vector256.Load(s + i));
                (x1 * vc - x2 * vs).Store(x + i);
                (x1 * vs + x2 * vc).Store(x + half + i);
            }
        for (; i < half; i++)
        {
            float x1 = x[i], x2 = x[i + half];
            x[i] = x1 * c[i] - x2 * s[i];
            x[i + half] = x1 * s[i] + x2 * c[i];
        }
    }

    /// <summary>
    /// cos and sin of t·θ^(−2i/HS) for every (t, i), made once per shape and kept: angles in float64 and rounded once,
    /// since t·θ^(−2i/HS) reaches hundreds of radians, where a float32 angle would already be off by ~1e-5.
    /// </summary>
    private (float[] Cos, float[] Sin) RopeTable(int seqLen, int headSize, float theta, bool inverse)
    {
        var key = (seqLen, headSize, theta, inverse);
        lock (_ropeTables)
        {
            if (_ropeTables.TryGetValue(key, out var table)) return table;
            int half = headSize / 2;
            var cos = new float[seqLen * half];
            var sin = new float[seqLen * half];
            for (int t = 0; t < seqLen; t++)
                for (int i = 0; i < half; i++)
                {
                    double angle = t * Math.Pow(theta, -2.0 * i / headSize) * (inverse ? -1 : 1);
                    cos[t * half + i] = (float)Math.Cos(angle);
                    sin[t * half + i] = (float)Math.Sin(angle);
                }
            return _ropeTables[key] = (cos, sin);
        }
    }
}
