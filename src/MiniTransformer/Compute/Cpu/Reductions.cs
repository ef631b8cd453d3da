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
        ForChunks(cols, ColumnChunk, (start, end) =>
        {
            int width = (int)(end - start);
            float* dc = d + start;
            if (!accumulate) new Span<float>(dc, width).Clear();
            for (long r = 0; r < rows; r++) VectorMath.Axpy(1f, s + r * cols + start, dc, width);
        });
    }
}
