using System.Runtime.InteropServices;

namespace MiniTransformer.Compute.Cuda;

/// <summary>
/// The CUDA driver API entry points the backend uses, resolved from libcuda.so.1 at run time (so the library
/// loads, and the backend fails with a one-line reason, on machines without an NVIDIA driver). Versioned symbols
/// are the ones cuda.h maps the plain names to (_v2 for memory calls); contexts are the device's primary context,
/// which avoids cuCtxCreate's signature change in CUDA 13 and shares the context with any runtime-API library.
/// CUresult is int, CUdevice int, CUdeviceptr a 64-bit integer, every other handle a pointer.
/// </summary>
internal sealed unsafe class CudaDriver
{
    public const string Library = "libcuda.so.1";

    public const int AttributeWarpSize = 10;
    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;

    public readonly delegate* unmanaged<uint, int> cuInit;
    public readonly delegate* unmanaged<int*, int> cuDriverGetVersion;
    public readonly delegate* unmanaged<int*, int> cuDeviceGetCount;
    public readonly delegate* unmanaged<int*, int, int> cuDeviceGet;
    public readonly delegate* unmanaged<byte*, int, int, int> cuDeviceGetName;
    public readonly delegate* unmanaged<nuint*, int, int> cuDeviceTotalMem;
    public readonly delegate* unmanaged<int*, int, int, int> cuDeviceGetAttribute;
    public readonly delegate* unmanaged<nint*, int, int> cuDevicePrimaryCtxRetain;
    public readonly delegate* unmanaged<int, int> cuDevicePrimaryCtxRelease;
    public readonly delegate* unmanaged<nint, int> cuCtxSetCurrent;
    public readonly delegate* unmanaged<int> cuCtxSynchronize;
    public readonly delegate* unmanaged<ulong*, nuint, int> cuMemAlloc;
    public readonly delegate* unmanaged<ulong, int> cuMemFree;
    public readonly delegate* unmanaged<ulong, void*, nuint, int> cuMemcpyHtoD;
    public readonly delegate* unmanaged<void*, ulong, nuint, int> cuMemcpyDtoH;
    public readonly delegate* unmanaged<nint*, void*, uint, int*, void**, int> cuModuleLoadDataEx;
    public readonly delegate* unmanaged<nint*, nint, byte*, int> cuModuleGetFunction;
    public readonly delegate* unmanaged<nint, int> cuModuleUnload;
    public readonly delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int> cuLaunchKernel;
    public readonly delegate* unmanaged<int, byte**, int> cuGetErrorName;

    private CudaDriver(nint library)
    {
        cuInit = (delegate* unmanaged<uint, int>)Export(library, "cuInit");
        cuDriverGetVersion = (delegate* unmanaged<int*, int>)Export(library, "cuDriverGetVersion");
        cuDeviceGetCount = (delegate* unmanaged<int*, int>)Export(library, "cuDeviceGetCount");
        cuDeviceGet = (delegate* unmanaged<int*, int, int>)Export(library, "cuDeviceGet");
        cuDeviceGetName = (delegate* unmanaged<byte*, int, int, int>)Export(library, "cuDeviceGetName");
        cuDeviceTotalMem = (delegate* unmanaged<nuint*, int, int>)Export(library, "cuDeviceTotalMem_v2");
        cuDeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)Export(library, "cuDeviceGetAttribute");
        cuDevicePrimaryCtxRetain = (delegate* unmanaged<nint*, int, int>)Export(library, "cuDevicePrimaryCtxRetain");
        cuDevicePrimaryCtxRelease = (delegate* unmanaged<int, int>)Export(library, "cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease");
        cuCtxSetCurrent = (delegate* unmanaged<nint, int>)Export(library, "cuCtxSetCurrent");
        cuCtxSynchronize = (delegate* unmanaged<int>)Export(library, "cuCtxSynchronize");
        cuMemAlloc = (delegate* unmanaged<ulong*, nuint, int>)Export(library, "cuMemAlloc_v2");
        cuMemFree = (delegate* unmanaged<ulong, int>)Export(library, "cuMemFree_v2");
        cuMemcpyHtoD = (delegate* unmanaged<ulong, void*, nuint, int>)Export(library, "cuMemcpyHtoD_v2");
        cuMemcpyDtoH = (delegate* unmanaged<void*, ulong, nuint, int>)Export(library, "cuMemcpyDtoH_v2");
        cuModuleLoadDataEx = (delegate* unmanaged<nint*, void*, uint, int*, void**, int>)Export(library, "cuModuleLoadDataEx");
        cuModuleGetFunction = (delegate* unmanaged<nint*, nint, byte*, int>)Export(library, "cuModuleGetFunction");
        cuModuleUnload = (delegate* unmanaged<nint, int>)Export(library, "cuModuleUnload");
        cuLaunchKernel = (delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int>)Export(library, "cuLaunchKernel");
        cuGetErrorName = (delegate* unmanaged<int, byte**, int>)Export(library, "cuGetErrorName");
    }

    private static readonly Lazy<(CudaDriver? Driver, string? Reason)> Shared = new(Open);

    /// <summary>The initialised driver, or <see cref="BackendUnavailableException"/> with the one-line reason.</summary>
    public static CudaDriver Instance
    {
        get
        {
            var (driver, reason) = Shared.Value;
            return driver ?? throw new BackendUnavailableException(BackendKind.Cuda, reason!);
        }
    }

    private static (CudaDriver?, string?) Open()
    {
        if (!NativeLibrary.TryLoad(Library, typeof(CudaDriver).Assembly, null, out var library))
            return (null, $"{Library} could not be loaded (no NVIDIA driver on this machine)");
        CudaDriver driver;
        try { driver = new CudaDriver(library); }
        catch (EntryPointNotFoundException e) { return (null, $"{Library} is too old: {e.Message}"); }
        int status = driver.cuInit(0);
        if (status != 0) return (null, $"cuInit failed: {driver.ErrorName(status)} ({status})");
        int count;
        status = driver.cuDeviceGetCount(&count);
        if (status != 0) return (null, $"cuDeviceGetCount failed: {driver.ErrorName(status)} ({status})");
        if (count == 0) return (null, "the NVIDIA driver reports no CUDA device");
        return (driver, null);
    }

    public void Check(int status, string call)
    {
        if (status != 0) throw new InvalidOperationException($"CUDA {call} failed: {ErrorName(status)} ({status})");
    }

    public string ErrorName(int status)
    {
        byte* name = null;
        return cuGetErrorName(status, &name) == 0 && name != null ? Marshal.PtrToStringUTF8((nint)name)! : "CUDA_ERROR_UNKNOWN";
    }

    private static nint Export(nint library, params string[] names)
    {
        foreach (var name in names)
            if (NativeLibrary.TryGetExport(library, name, out var address)) return address;
        throw new EntryPointNotFoundException($"missing {string.Join(" / ", names)}");
    }
}
