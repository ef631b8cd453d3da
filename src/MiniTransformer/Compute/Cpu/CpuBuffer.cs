using System.Runtime.InteropServices;

namespace MiniTransformer.Compute.Cpu;

/// <summary>
/// A CPU "device" buffer: 64-byte-aligned native memory, so vector loads never straddle cache lines and the GC never
/// moves what the kernels hold raw pointers into.
/// </summary>
internal sealed unsafe class CpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private const nuint Alignment = 64;

    public CpuBuffer(ComputeBackend backend, long length) : base(backend, length)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), "buffer length must be non-negative");
        Pointer = (T*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, length) * (nuint)sizeof(T), Alignment);
        GC.AddMemoryPressure(Math.Max(1, length) * sizeof(T));
    }

    public T* Pointer { get; private set; }

    protected override void Release()
    {
        NativeMemory.AlignedFree(Pointer);
        GC.RemoveMemoryPressure(Math.Max(1, Length) * sizeof(T));
        Pointer = null;
    }

    ~CpuBuffer() => Dispose();
}
