using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

// Whole-vector sum / max / sum of squares, and the column sum behind bias gradients. Partial results come from
// fixed chunks and are combined in chunk order (in float64), so the answer never depends on the thread count.
public sealed unsafe partial class CpuBackend
{
    private const long ReduceChunk = 1 << 14;

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
        // 64-column chunks, so even a 128-column bias gradient splits over two threads. Each chunk's column vectors are
        // summed in registers down all the rows, every column adding its rows in ascending order onto the destination's
        // value; a load-add-store of the destination per row had made every add wait on the last store.
        ForChunks(cols, ColumnChunk, (start, end) =>
        {
            int width = (int)(end - start);
            float* dc = d + start, sc = s + start;
            if (!accumulate) new Span<float>(dc, width).Clear();
            int i = 0;
            for (; i + 64 <= width; i += 64)
            {
                Vector512<float> a0 = Vector512.Load(dc + i), a1 = Vector512.Load(dc + i + 16),
                    a2 = Vector512.Load(dc + i + 32), a3 = Vector512.Load(dc + i + 48);
                float* row = sc + i;
                for (long r = 0; r < rows; r++, row += cols)
                {
                    a0 += Vector512.Load(row);
                    a1 += Vector512.Load(row + 16);
                    a2 += Vector512.Load(row + 32);
                    a3 += Vector512.Load(row + 48);
                }
                a0.Store(dc + i);
                a1.Store(dc + i + 16);
                a2.Store(dc + i + 32);
                a3.Store(dc + i + 48);
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
}
