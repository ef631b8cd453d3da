using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

// GELU, residual add, fill, copy: streaming loops over fixed chunks (a chunk is a multiple of the vector width, so
// which elements take the vector path depends on n alone).
public sealed unsafe partial class CpuBackend
{
    private const long ElementChunk = 1 << 16;

    protected override void GeluForwardCore(DeviceSlice<float> output, DeviceSlice<float> input, long n)
    {
        float* o = Ptr(output), x = Ptr(input);
        ForChunks(n, ElementChunk, (start, end) =>
        {
            long i = start;
            for (; i + 16 <= end; i += 16) Gelu.Forward(Vector512.Load(x + i)).Store(o + i);
            for (; i < end; i++) o[i] = Gelu.Forward(x[i]);
        });
    }

    protected override void GeluBackwardCore(DeviceSlice<float> dInput, DeviceSlice<float> input, DeviceSlice<float> dOutput, long n)
    {
        float* dx = Ptr(dInput), x = Ptr(input), dy = Ptr(dOutput);
        ForChunks(n, ElementChunk, (start, end) =>
        {
            long i = start;
            for (; i + 16 <= end; i += 16) (Gelu.Derivative(Vector512.Load(x + i)) * Vector512.Load(dy + i)).Store(dx + i);
            for (; i < end; i++) dx[i] = Gelu.Derivative(x[i]) * dy[i];
        });
    }

    protected override void AddCore(DeviceSlice<float> output, DeviceSlice<float> a, DeviceSlice<float> b, long n)
    {
        float* o = Ptr(output), pa = Ptr(a), pb = Ptr(b);
        ForChunks(n, ElementChunk, (start, end) =>
        {
            long i = start;
            for (; i + 16 <= end; i += 16) (Vector512.Load(pa + i) + Vector512.Load(pb + i)).Store(o + i);
            for (; i < end; i++) o[i] = pa[i] + pb[i];
        });
    }

    protected override void FillCore(DeviceSlice<float> output, float value)
    {
        float* o = Ptr(output);
        ForChunks(output.Length, ElementChunk, (start, end) => new Span<float>(o + start, (int)(end - start)).Fill(value));
    }

    protected override void CopyCore(DeviceSlice<float> output, DeviceSlice<float> input)
    {
        float* o = Ptr(output), x = Ptr(input);
        ForChunks(input.Length, ElementChunk, (start, end) =>
            Buffer.MemoryCopy(x + start, o + start, (end - start) * sizeof(float), (end - start) * sizeof(float)));
    }
}
