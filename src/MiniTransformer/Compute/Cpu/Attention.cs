namespace MiniTransformer.Compute.Cpu;

// Causal multi-head attention as llm.c, one task per (batch, head): scores, softmax, weighted values forward;
// the backward writes dq, dk, dv of that head only, accumulating over query rows in ascending order.
public sealed unsafe partial class CpuBackend
{
    protected override void AttentionForwardCore(DeviceSlice<float> output, DeviceSlice<float> att, DeviceSlice<float> qkv,
        int batch, int seqLen, int heads, int headSize, float scale)
    {
        float* o = Ptr(output), a = Ptr(att), p = Ptr(qkv);
        int c = heads * headSize, c3 = 3 * c;
        For((long)batch * heads, bh =>
        {
            long b = bh / heads; int h = (int)(bh % heads);
            float* qkvB = p + b * seqLen * c3;
            for (int t = 0; t < seqLen; t++)
            {
                float* q = qkvB + (long)t * c3 + h * headSize;
                float* row = a + (bh * seqLen + t) * seqLen;
                float max = float.NegativeInfinity;
                for (int t2 = 0; t2 <= t; t2++)
                {
                    float score = VectorMath.Dot(q, qkvB + (long)t2 * c3 + c + h * headSize, headSize) * scale;
                    row[t2] = score;
                    max = MathF.Max(max, score);
                }
                float sum = 0f;
                for (int t2 = 0; t2 <= t; t2++)
                {
                    float e = MathF.Exp(row[t2] - max);
                    row[t2] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                for (int t2 = 0; t2 <= t; t2++) row[t2] *= inv;
                for (int t2 = t + 1; t2 < seqLen; t2++) row[t2] = 0f;

                float* outRow = o + (b * seqLen + t) * c + h * headSize;
                new Span<float>(outRow, headSize).Clear();
                for (int t2 = 0; t2 <= t; t2++)
                    VectorMath.Axpy(row[t2], qkvB + (long)t2 * c3 + 2 * c + h * headSize, outRow, headSize);
            }
        });
    }

    protected override void AttentionBackwardCore(DeviceSlice<float> dQkv, DeviceSlice<float> dOutput, DeviceSlice<float> qkv,
        DeviceSlice<float> att, int batch, int seqLen, int heads, int headSize, float scale)
    {
        float* dp = Ptr(dQkv), dOut = Ptr(dOutput), p = Ptr(qkv), a = Ptr(att);
        int c = heads * headSize, c3 = 3 * c;
        For((long)batch * heads, bh =>
        {
            long b = bh / heads; int h = (int)(bh % heads);
            float* qkvB = p + b * seqLen * c3, dB = dp + b * seqLen * c3;
            for (int t = 0; t < seqLen; t++)
                for (int part = 0; part < 3; part++)
                    new Span<float>(dB + (long)t * c3 + part * c + h * headSize, headSize).Clear();
            float[] dAttRow = new float[seqLen];
            fixed (float* dAtt = dAttRow)
                for (int t = 0; t < seqLen; t++)
                {
                    float* row = a + (bh * seqLen + t) * seqLen;
                    float* dy = dOut + (b * seqLen + t) * c + h * headSize;
                    float* q = qkvB + (long)t * c3 + h * headSize, dq = dB + (long)t * c3 + h * headSize;
                    // out = Σ att·v  ⇒  dAtt[t2] = dy·v[t2], dv[t2] += att[t2]·dy
                    float weighted = 0f;
                    for (int t2 = 0; t2 <= t; t2++)
                    {
                        long at = (long)t2 * c3 + 2 * c + h * headSize;
                        dAtt[t2] = VectorMath.Dot(dy, qkvB + at, headSize);
                        VectorMath.Axpy(row[t2], dy, dB + at, headSize);
                        weighted += row[t2] * dAtt[t2];
                    }
                    // softmax: dScore[t2] = att[t2]·(dAtt[t2] − Σ att·dAtt); score = scale·q·k
                    for (int t2 = 0; t2 <= t; t2++)
                    {
                        float dScore = row[t2] * (dAtt[t2] - weighted) * scale;
                        long at = (long)t2 * c3 + c + h * headSize;
                        VectorMath.Axpy(dScore, qkvB + at, dq, headSize);
                        VectorMath.Axpy(dScore, q, dB + at, headSize);
                    }
                }
        });
    }
}
