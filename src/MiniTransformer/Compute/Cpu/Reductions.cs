using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

// Whole-vector sum / max / sum of squares, and the column sum behind bias gradients. Partial results come from
// fixed chunks and are combined in chunk order (in float64), so the answer never depends on the thread count.
public sealed unsafe partial class CpuBackend
{
    private const long ReduceChunk = 1 << 14;
    private const int ColumnSumChunk = 256;

    protected override void ReduceCore(ReductionKind kind, DeviceSlice<float> destination, DeviceSlice<float> source, long n)
    {
        float* x = Ptr(source);
        long chunks = (n + ReduceChunk - 1) / ReduceChunk;
        var partial = new float[chunks];
        ForChunks(n, ReduceChunk, (start, end) =>
        {
            int len = (int)(end - start);
            partial[start / ReduceChunk] = kind switch
            {
                ReductionKind.Sum => VectorMath.Sum(x + start, len),
                ReductionKind.SumOfSquares => VectorMath.Dot(x + start, x + start, len),
                _ => VectorMath.Max(x + start, len),
            };
        });
        double result = kind == ReductionKind.Max ? double.NegativeInfinity : 0.0;
        foreach (float p in partial) result = kind == ReductionKind.Max ? Math.Max(result, p) : result + p;
        Ptr(destination)[0] = (float)result;
    }

    protected override void ColumnSumCore(DeviceSlice<float> dst, DeviceSlice<float> src, int rows, int cols, bool accumulate)
    {
        float* d = Ptr(dst), s = Ptr(src);
        ForChunks(cols, ColumnSumChunk, (start, end) =>
        {
            int width = (int)(end - start);
            float* dc = d + start, sc = s + start;
            if (!accumulate) new Span<float>(dc, width).Clear();
            int i = 0;
            // Column vectors summed in registers down all the rows, 1 KB (then 512 B) of each row at a time; each column
            // still adds its rows in ascending order onto the destination's value. A load-add-store per row had made
            // every add wait on the last store.
            for (; i + 256 <= width; i += 256) SumRows256(sc + i, cols, rows, dc + i);
            for (; i + 128 <= width; i += 128)
            {
                Vector512<float> a0 = Vector512.Load(dc + i), a1 = Vector512.Load(dc + i + 16),
                    a2 = Vector512.Load(dc + i + 32), a3 = Vector512.Load(dc + i + 48),
                    a4 = Vector512.Load(dc + i + 64), a5 = Vector512.Load(dc + i + 80),
                    a6 = Vector512.Load(dc + i + 96), a7 = Vector512.Load(dc + i + 112);
                float* row = sc + i;
                for (long r = 0; r < rows; r++, row += cols)
                {
                    a0 += Vector512.Load(row);
                    a1 += Vector512.Load(row + 16);
                    a2 += Vector512.Load(row + 32);
                    a3 += Vector512.Load(row + 48);
                    a4 += Vector512.Load(row + 64);
                    a5 += Vector512.Load(row + 80);
                    a6 += Vector512.Load(row + 96);
                    a7 += Vector512.Load(row + 112);
                }
                a0.Store(dc + i);
                a1.Store(dc + i + 16);
                a2.Store(dc + i + 32);
                a3.Store(dc + i + 48);
                a4.Store(dc + i + 64);
                a5.Store(dc + i + 80);
                a6.Store(dc + i + 96);
                a7.Store(dc + i + 112);
            }
            for (; i + 16 <= width; i += 16)
            {
                var a = Vector512.Load(dc + i);
                for (long r = 0; r < rows; r++) a += Vector512.Load(sc + r * cols + i);
                a.Store(dc + i);
            }
            for (; i < width; i++)
            {
                float a = dc[i];
                for (long r = 0; r < rows; r++) a += sc[r * cols + i];
                dc[i] = a;
            }
        });
    }

    /// <summary>dst[j] += Σ_r src[r·stride + j] for 256 columns, rows in ascending order, sixteen vectors in registers.</summary>
    private static void SumRows256(float* src, long stride, long rows, float* dst)
    {
        Vector512<float> a0 = Vector512.Load(dst), a1 = Vector512.Load(dst + 16), a2 = Vector512.Load(dst + 32), a3 = Vector512.Load(dst + 48),
            a4 = Vector512.Load(dst + 64), a5 = Vector512.Load(dst + 80), a6 = Vector512.Load(dst + 96), a7 = Vector512.Load(dst + 112),
            a8 = Vector512.Load(dst + 128), a9 = Vector512.Load(dst + 144), a10 = Vector512.Load(dst + 160), a11 = Vector512.Load(dst + 176),
            a12 = Vector512.Load(dst + 192), a13 = Vector512.Load(dst + 208), a14 = Vector512.Load(dst + 224), a15 = Vector512.Load(dst + 240);
        for (long r = 0; r < rows; r++, src += stride)
        {
            a0 += Vector512.Load(src); a1 += Vector512.Load(src + 16); a2 += Vector512.Load(src + 32); a3 += Vector512.Load(src + 48);
            a4 += Vector512.Load(src + 64); a5 += Vector512.Load(src + 80); a6 += Vector512.Load(src + 96); a7 += Vector512.Load(src + 112);
            a8 += Vector512.Load(src + 128); a9 += Vector512.Load(src + 144); a10 += Vector512.Load(src + 160); a11 += Vector512.Load(src + 176);
            a12 += Vector512.Load(src + 192); a13 += Vector512.Load(src + 208); a14 += Vector512.Load(src + 224); a15 += Vector512.Load(src + 240);
        }
        a0.Store(dst); a1.Store(dst + 16); a2.Store(dst + 32); a3.Store(dst + 48); a4.Store(dst + 64); a5.Store(dst + 80); a6.Store(dst + 96); a7.Store(dst + 112);
        a8.Store(dst + 128); a9.Store(dst + 144); a10.Store(dst + 160); a11.Store(dst + 176); a12.Store(dst + 192); a13.Store(dst + 208); a14.Store(dst + 224); a15.Store(dst + 240);
    }
}
