namespace MiniTransformer.Compute.Cpu;

// Rotary position embedding, rotate-half pairing: (x_i, x_{i+HS/2}) turns by t·θ^(−2i/HS) in q and k of every head.
public sealed unsafe partial class CpuBackend
{
    protected override void RopeCore(DeviceSlice<float> qkv, int batch, int seqLen, int heads, int headSize, float theta, bool inverse)
    {
        int half = headSize / 2, channels = heads * headSize;
        // Angles in float64 and rounded once: t·θ^(−2i/HS) reaches hundreds of radians, where a float32 angle
        // would already be off by ~1e-5.
        var cos = new float[seqLen * half];
        var sin = new float[seqLen * half];
        for (int t = 0; t < seqLen; t++)
            for (int i = 0; i < half; i++)
            {
                double angle = t * Math.Pow(theta, -2.0 * i / headSize) * (inverse ? -1 : 1);
                cos[t * half + i] = (float)Math.Cos(angle);
                sin[t * half + i] = (float)Math.Sin(angle);
            }
        float* p = Ptr(qkv);
        For((long)batch * seqLen, bt =>
        {
            int t = (int)(bt % seqLen);
            float* token = p + bt * 3 * channels;
            for (int part = 0; part < 2; part++) // q, then k; v is left alone
                for (int h = 0; h < heads; h++)
                {
                    float* x = token + part * channels + h * headSize;
                    for (int i = 0; i < half; i++)
                    {
                        float c = cos[t * half + i], s = sin[t * half + i], x1 = x[i], x2 = x[i + half];
                        x[i] = x1 * c - x2 * s;
                        x[i + half] = x1 * s + x2 * c;
                    }
                }
        });
    }
}
