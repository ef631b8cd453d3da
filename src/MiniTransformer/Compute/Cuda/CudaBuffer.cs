using MiniTransformer.Compute.Device;

namespace MiniTransformer.Compute.Cuda;

/// <summary>A cuMemAlloc allocation (CUdeviceptr). The backend synchronises before freeing, so no launch still reads it.</summary>
internal sealed class CudaBuffer<T>(CudaBackend backend, long length, ulong pointer)
    : DeviceBuffer<T>(backend, length), IKernelBuffer where T : unmanaged
{
    private readonly CudaBackend _backend = backend;

    public ulong Pointer { get; } = pointer;
    public nint Handle => (nint)Pointer;

    protected override void Release() => _backend.Free(Pointer);
}
