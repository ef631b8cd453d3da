using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

// LayerNorm as llm.c: forward saves μ and 1/σ per row; backward accumulates into dinp, dweight and dbias.
// Rows are independent for the forward and for dinp; dweight/dbias sum over rows, so that pass is split over
// column chunks instead and every column adds its rows in ascending order — the same order for any thread count.
public sealed unsafe partial class CpuBackend
{
    private const int RowChunk = 16;
    private const int ColumnChunk = 64;

    protected override void LayerNormForwardCore(DeviceSlice<float> output, DeviceSlice<float> mean, DeviceSlice<float> rstd,
        DeviceSlice<float> input, DeviceSlice<float> weight, DeviceSlice<float> bias, int rows, int cols, float epsilon)
    {
        float* o = Ptr(output), mu = Ptr(mean), rs = Ptr(rstd), x = Ptr(input), w = Ptr(weight), b = Ptr(bias);
        ForChunks(rows, RowChunk, (start, end) =>
        {
            for (long r = start; r < end; r++)
            {
                float* xr = x + r * cols, or = o + r * cols;
                float m = VectorMath.Sum(xr, cols) / cols;
                float variance = VectorMath.SumSquaredDeviation(xr, m, cols) / cols;
                float s = 1f / MathF.Sqrt(variance + epsilon);
                int i = 0;
                for (; i + 16 <= cols; i += 16)
                    ((Vector512.Load(xr + i) - Vector512.Create(m)) * Vector512.Create(s) * Vector512.Load(w + i) + Vector512.Load(b + i)).Store(or + i);
                for (; i < cols; i++) or[i] = (xr[i] - m) * s * w[i] + b[i];
                mu[r] = m;
                rs[r] = s;
            }
        });
    }

    protected override void LayerNormBackwardCore(DeviceSlice<float> dInput, DeviceSlice<float> dWeight, DeviceSlice<float> dBias,
        DeviceSlice<float> dOutput, DeviceSlice<float> input, DeviceSlice<float> weight,
        DeviceSlice<float> mean, DeviceSlice<float> rstd, int rows, int cols)
    {
        float* dx = Ptr(dInput), dw = Ptr(dWeight), db = Ptr(dBias), dy = Ptr(dOutput), x = Ptr(input), w = Ptr(weight);
        float* mu = Ptr(mean), rs = Ptr(rstd);

        // dinp += (w·dy − mean(w·dy) − x̂·mean(w·dy·x̂))·rstd, row by row.
        ForChunks(rows, RowChunk, (start, end) =>
        {
            for (long r = start; r < end; r++)
            {
                float* xr = x + r * cols, dyr = dy + r * cols, dxr = dx + r * cols;
                float m = mu[r], s = rs[r];
                var vm = Vector512.Create(m);
                var vs = Vector512.Create(s);
                var sumG = Vector512<float>.Zero;
                var sumGx = Vector512<float>.Zero;
                int i = 0;
                for (; i + 16 <= cols; i += 16)
                {
                    var norm = (Vector512.Load(xr + i) - vm) * vs;
                    var dnorm = Vector512.Load(w + i) * Vector512.Load(dyr + i);
                    sumG += dnorm;
                    sumGx += dnorm * norm;
                }
                float dnormMean = Vector512.Sum(sumG), dnormNormMean = Vector512.Sum(sumGx);
                for (; i < cols; i++)
                {
                    float norm = (xr[i] - m) * s, dnorm = w[i] * dyr[i];
                    dnormMean += dnorm;
                    dnormNormMean += dnorm * norm;
                }
                dnormMean /= cols;
                dnormNormMean /= cols;
                var vMean = Vector512.Create(dnormMean);
                var vNormMean = Vector512.Create(dnormNormMean);
                i = 0;
                for (; i + 16 <= cols; i += 16)
                {
                    var norm = (Vector512.Load(xr + i) - vm) * vs;
                    var dnorm = Vector512.Load(w + i) * Vector512.Load(dyr + i);
                    (Vector512.Load(dxr + i) + (dnorm - vMean - norm * vNormMean) * vs).Store(dxr + i);
                }
                for (; i < cols; i++)
                {
                    float norm = (xr[i] - m) * s, dnorm = w[i] * dyr[i];
                    dxr[i] += (dnorm - dnormMean - norm * dnormNormMean) * s;
                }
            }
        });

        // dbias += Σ_rows dy, dweight += Σ_rows x̂·dy, each column in ascending row order; a chunk's 16-column vectors
        // are summed in registers down the rows (the same adds as a load-add-store per row, without the store chain).
        ForChunks(cols, ColumnChunk, (start, end) =>
        {
            long i = start;
            for (; i + 32 <= end; i += 32)
            {
                Vector512<float> b0 = Vector512.Load(db + i), b1 = Vector512.Load(db + i + 16);
                Vector512<float> w0 = Vector512.Load(dw + i), w1 = Vector512.Load(dw + i + 16);
                for (long r = 0; r < rows; r++)
                {
                    float* xr = x + r * cols + i, dyr = dy + r * cols + i;
                    var vm = Vector512.Create(mu[r]);
                    var vs = Vector512.Create(rs[r]);
                    Vector512<float> g0 = Vector512.Load(dyr), g1 = Vector512.Load(dyr + 16);
                    b0 += g0;
                    b1 += g1;
                    w0 += (Vector512.Load(xr) - vm) * vs * g0;
                    w1 += (Vector512.Load(xr + 16) - vm) * vs * g1;
                }
                b0.Store(db + i);
                b1.Store(db + i + 16);
                w0.Store(dw + i);
                w1.Store(dw + i + 16);
            }
            for (; i + 16 <= end; i += 16)
            {
                Vector512<float> b0 = Vector512.Load(db + i), w0 = Vector512.Load(dw + i);
                for (long r = 0; r < rows; r++)
                {
                    var g = Vector512.Load(dy + r * cols + i);
                    b0 += g;
                    w0 += (Vector512.Load(x + r * cols + i) - Vector512.Create(mu[r])) * Vector512.Create(rs[r]) * g;
                }
                b0.Store(db + i);
                w0.Store(dw + i);
            }
            for (; i < end; i++)
            {
                float b0 = db[i], w0 = dw[i];
                for (long r = 0; r < rows; r++)
                {
                    float g = dy[r * cols + i];
                    b0 += g;
                    w0 += (x[r * cols + i] - mu[r]) * rs[r] * g;
                }
                db[i] = b0;
                dw[i] = w0;
            }
        });
    }
}
