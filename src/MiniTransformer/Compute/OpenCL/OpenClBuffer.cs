using MiniTransformer.Compute.Device;

namespace MiniTransformer.Compute.OpenCL;

/// <summary>A cl_mem allocation; released with clReleaseMemObject, which OpenCL defers until enqueued commands finish.</summary>
internal sealed class OpenClBuffer<T>(ComputeBackend backend, long length, nint memory)
    : DeviceBuffer<T>(backend, length), IKernelBuffer where T : unmanaged
{
    public nint Handle { get; } = memory;

    protected override void Release() => OpenClNative.clReleaseMemObject(Handle);
}
