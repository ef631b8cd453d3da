using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

/// <summary>
/// Plain float64 loops written from the contract's definitions, independent of every backend. The backward functions
/// are derived by hand and are themselves checked against central differences of the forward functions.
/// </summary>
public static class Reference64
{
    public static double[] Gemm(GemmSpec s, double[] a, double[] b, double[] c, GemmEpilogue epilogue = GemmEpilogue.None,
        double[]? bias = null, double[]? pre = null)
    {
        var result = (double[])c.Clone();
        for (int batch = 0; batch < s.Batch; batch++)
        {
            long oa = batch * s.BatchStrideA, ob = batch * s.BatchStrideB, oc = batch * s.BatchStrideC;
            for (int i = 0; i < s.M; i++)
                for (int j = 0; j < s.N; j++)
                {
                    double sum = 0;
                    for (int k = 0; k < s.K; k++)
                    {
                        double x = s.TransA ? a[oa + (long)k * s.M + i] : a[oa + (long)i * s.K + k];
                        double y = s.TransB ? b[ob + (long)j * s.K + k] : b[ob + (long)k * s.N + j];
                        sum += x * y;
                    }
                    long at = oc + (long)i * s.N + j;
                    double v = s.Alpha * sum + (s.Beta != 0 ? s.Beta * c[at] : 0);
                    if (epilogue != GemmEpilogue.None) v += bias![j];
                    if (epilogue == GemmEpilogue.BiasGelu)
                    {
                        pre![at] = v;
                        v = Gelu(v);
                    }
                    result[at] = v;
                }
        }
        return result;
    }

    private const double GeluC = 0.044715;
    private static readonly double Sqrt2OverPi = Math.Sqrt(2 / Math.PI);

    public static double Gelu(double x) => 0.5 * x * (1 + Math.Tanh(Sqrt2OverPi * (x + GeluC * x * x * x)));

    public static double GeluDerivative(double x)
    {
        double u = Sqrt2OverPi * (x + GeluC * x * x * x);
        double t = Math.Tanh(u);
        double du = Sqrt2OverPi * (1 + 3 * GeluC * x * x);
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du;
    }

    public static (double[] Y, double[] Mean, double[] Rstd) LayerNorm(double[] x, double[] w, double[] b, int rows, int cols, double eps)
    {
        var y = new double[x.Length];
        var mean = new double[rows];
        var rstd = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double m = 0;
            for (int i = 0; i < cols; i++) m += x[r * cols + i];
            m /= cols;
            double v = 0;
            for (int i = 0; i < cols; i++) v += (x[r * cols + i] - m) * (x[r * cols + i] - m);
            v /= cols;
            double s = 1 / Math.Sqrt(v + eps);
            for (int i = 0; i < cols; i++) y[r * cols + i] = (x[r * cols + i] - m) * s * w[i] + b[i];
            mean[r] = m;
            rstd[r] = s;
        }
        return (y, mean, rstd);
    }

    /// <summary>Gradients of Σ dy·LayerNorm(x) with respect to x, w and b.</summary>
    public static (double[] Dx, double[] Dw, double[] Db) LayerNormBackward(double[] dy, double[] x, double[] w, int rows, int cols, double eps)
    {
        var (_, mean, rstd) = LayerNorm(x, w, new double[cols], rows, cols, eps);
        var dx = new double[x.Length];
        var dw = new double[cols];
        var db = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            // y = x̂·w + b with x̂ = (x − μ)·s:  dx = s·(g − mean(g) − x̂·mean(g·x̂)), g = w·dy
            double gMean = 0, gxMean = 0;
            for (int i = 0; i < cols; i++)
            {
                double xh = (x[r * cols + i] - mean[r]) * rstd[r], g = w[i] * dy[r * cols + i];
                gMean += g / cols;
                gxMean += g * xh / cols;
                dw[i] += xh * dy[r * cols + i];
                db[i] += dy[r * cols + i];
            }
            for (int i = 0; i < cols; i++)
            {
                double xh = (x[r * cols + i] - mean[r]) * rstd[r], g = w[i] * dy[r * cols + i];
                dx[r * cols + i] = rstd[r] * (g - gMean - xh * gxMean);
            }
        }
        return (dx, dw, db);
    }

    /// <summary>Rotate-half RoPE on q and k of qkv [B, T, 3, NH, HS]; a new array.</summary>
    public static double[] Rope(double[] qkv, int batch, int seqLen, int heads, int headSize, double theta, bool inverse)
    {
        var y = (double[])qkv.Clone();
        int c = heads * headSize, half = headSize / 2;
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < seqLen; t++)
                for (int part = 0; part < 2; part++)
                    for (int h = 0; h < heads; h++)
                    {
                        long o = ((long)(b * seqLen + t) * 3 + part) * c + h * headSize;
                        for (int i = 0; i < half; i++)
                        {
                            double angle = (inverse ? -1 : 1) * t * Math.Pow(theta, -2.0 * i / headSize);
                            double x1 = qkv[o + i], x2 = qkv[o + i + half];
                            y[o + i] = x1 * Math.Cos(angle) - x2 * Math.Sin(angle);
                            y[o + i + half] = x1 * Math.Sin(angle) + x2 * Math.Cos(angle);
                        }
                    }
        return y;
    }

    public static (double[] Out, double[] Att) Attention(double[] qkv, int batch, int seqLen, int heads, int headSize, double scale)
    {
        int c = heads * headSize;
        var output = new double[batch * seqLen * c];
        var att = new double[batch * heads * seqLen * seqLen];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int t = 0; t < seqLen; t++)
                {
                    var scores = new double[t + 1];
                    for (int t2 = 0; t2 <= t; t2++)
                    {
                        double dot = 0;
                        for (int i = 0; i < headSize; i++) dot += Q(qkv, b, t, h) [i] * K(qkv, b, t2, h)[i];
                        scores[t2] = dot * scale;
                    }
                    double max = scores.Max(), sum = scores.Sum(v => Math.Exp(v - max));
                    long row = ((long)(b * heads + h) * seqLen + t) * seqLen;
                    for (int t2 = 0; t2 <= t; t2++) att[row + t2] = Math.Exp(scores[t2] - max) / sum;
                    for (int i = 0; i < headSize; i++)
                    {
                        double o = 0;
                        for (int t2 = 0; t2 <= t; t2++) o += att[row + t2] * V(qkv, b, t2, h)[i];
                        output[(b * seqLen + t) * c + h * headSize + i] = o;
                    }
                }

        ArraySegment<double> Q(double[] x, int b, int t, int h) => Part(x, b, t, h, 0);
        ArraySegment<double> K(double[] x, int b, int t, int h) => Part(x, b, t, h, 1);
        ArraySegment<double> V(double[] x, int b, int t, int h) => Part(x, b, t, h, 2);
        ArraySegment<double> Part(double[] x, int b, int t, int h, int part) =>
            new(x, ((b * seqLen + t) * 3 + part) * c + h * headSize, headSize);
        return (output, att);
    }

    /// <summary>Gradient of Σ dOut·Attention(qkv) with respect to qkv.</summary>
    public static double[] AttentionBackward(double[] dOut, double[] qkv, int batch, int seqLen, int heads, int headSize, double scale)
    {
        var (_, att) = Attention(qkv, batch, seqLen, heads, headSize, scale);
        int c = heads * headSize;
        var d = new double[qkv.Length];
        long At(int b, int t, int part, int h) => ((long)(b * seqLen + t) * 3 + part) * c + h * headSize;
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int t = 0; t < seqLen; t++)
                {
                    long row = ((long)(b * heads + h) * seqLen + t) * seqLen;
                    long dy = (long)(b * seqLen + t) * c + h * headSize;
                    var dA = new double[t + 1];
                    for (int t2 = 0; t2 <= t; t2++)
                        for (int i = 0; i < headSize; i++)
                        {
                            dA[t2] += dOut[dy + i] * qkv[At(b, t2, 2, h) + i];
                            d[At(b, t2, 2, h) + i] += att[row + t2] * dOut[dy + i];
                        }
                    for (int t2 = 0; t2 <= t; t2++)
                    {
                        // softmax Jacobian: dS[t2] = Σ_j dA[j]·p[j]·(δ_{j,t2} − p[t2])
                        double dS = 0;
                        for (int j = 0; j <= t; j++) dS += dA[j] * att[row + j] * ((j == t2 ? 1 : 0) - att[row + t2]);
                        for (int i = 0; i < headSize; i++)
                        {
                            d[At(b, t, 0, h) + i] += dS * scale * qkv[At(b, t2, 1, h) + i];
                            d[At(b, t2, 1, h) + i] += dS * scale * qkv[At(b, t, 0, h) + i];
                        }
                    }
                }
        return d;
    }

    public static (double[] Losses, double[] DLogits) CrossEntropy(double[] logits, int[] targets, int rows, int vocab, double gradScale)
    {
        var losses = new double[rows];
        var d = new double[logits.Length];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (int i = 0; i < vocab; i++) max = Math.Max(max, logits[r * vocab + i]);
            double sum = 0;
            for (int i = 0; i < vocab; i++) sum += Math.Exp(logits[r * vocab + i] - max);
            losses[r] = -(logits[r * vocab + targets[r]] - max - Math.Log(sum));
            for (int i = 0; i < vocab; i++)
                d[r * vocab + i] = (Math.Exp(logits[r * vocab + i] - max) / sum - (i == targets[r] ? 1 : 0)) * gradScale;
        }
        return (losses, d);
    }

    public static double[] Embedding(int[] tokens, double[] wte, double[]? wpe, int batch, int seqLen, int channels)
    {
        var y = new double[batch * seqLen * channels];
        for (int r = 0; r < batch * seqLen; r++)
            for (int i = 0; i < channels; i++)
                y[r * channels + i] = wte[tokens[r] * channels + i] + (wpe is null ? 0 : wpe[r % seqLen * channels + i]);
        return y;
    }

    public static (double[] DWte, double[] DWpe) EmbeddingBackward(double[] dy, int[] tokens, int vocab, int batch, int seqLen, int channels)
    {
        var dwte = new double[vocab * channels];
        var dwpe = new double[seqLen * channels];
        for (int r = 0; r < batch * seqLen; r++)
            for (int i = 0; i < channels; i++)
            {
                dwte[tokens[r] * channels + i] += dy[r * channels + i];
                dwpe[r % seqLen * channels + i] += dy[r * channels + i];
            }
        return (dwte, dwpe);
    }

    /// <summary>torch.optim.AdamW's update written as in its documentation (decay applied to θ_{t−1}).</summary>
    public static void AdamW(double[] theta, double[] grad, double[] m, double[] v, AdamWStep s)
    {
        for (int i = 0; i < theta.Length; i++)
        {
            double g = grad[i] * s.GradScale;
            theta[i] -= s.LearningRate * s.WeightDecay * theta[i];
            m[i] = s.Beta1 * m[i] + (1 - s.Beta1) * g;
            v[i] = s.Beta2 * v[i] + (1 - s.Beta2) * g * g;
            double mHat = m[i] / (1 - Math.Pow(s.Beta1, s.Step));
            double vHat = v[i] / (1 - Math.Pow(s.Beta2, s.Step));
            theta[i] -= s.LearningRate * mHat / (Math.Sqrt(vHat) + s.Epsilon);
        }
    }
}
