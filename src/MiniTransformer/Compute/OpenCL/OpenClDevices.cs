using System.Runtime.InteropServices;
using static MiniTransformer.Compute.OpenCL.OpenClNative;

namespace MiniTransformer.Compute.OpenCL;

/// <summary>One OpenCL device as the ICD loader reports it.</summary>
internal sealed record OpenClDevice(nint Platform, nint Handle, ulong Type, DeviceInfo Info);

/// <summary>Finds OpenCL platforms and devices, or says in one line why there are none.</summary>
internal static unsafe class OpenClDevices
{
    private static readonly Lock EnumerationGate = new();
    private static IReadOnlyList<OpenClDevice>? _devices;

    /// <summary>
    /// Every device of every platform, in loader order; throws <see cref="BackendUnavailableException"/> when none.
    /// Enumerated once per process, one thread at a time: PoCL initialises its devices on the first query, and
    /// concurrent first queries (backends created on several threads) have reported no device at all.
    /// </summary>
    public static IReadOnlyList<OpenClDevice> All()
    {
        lock (EnumerationGate) return _devices ??= Enumerate();
    }

    private static IReadOnlyList<OpenClDevice> Enumerate()
    {
        if (!NativeLibrary.TryLoad(Library, typeof(OpenClDevices).Assembly, null, out _))
            throw new BackendUnavailableException(BackendKind.OpenCL,
                $"{Library} could not be loaded (install an OpenCL ICD loader and a platform, e.g. ocl-icd-libopencl1 pocl-opencl-icd)");
        uint platformCount;
        int status = clGetPlatformIDs(0, null, &platformCount);
        if (status == PlatformNotFoundKhr || (status == Success && platformCount == 0))
            throw new BackendUnavailableException(BackendKind.OpenCL, "no OpenCL platform is installed (e.g. apt-get install pocl-opencl-icd)");
        Check(status, "clGetPlatformIDs");
        var platforms = new nint[platformCount];
        fixed (nint* p = platforms) Check(clGetPlatformIDs(platformCount, p, null), "clGetPlatformIDs");

        var devices = new List<OpenClDevice>();
        foreach (var platform in platforms)
        {
            uint deviceCount;
            status = clGetDeviceIDs(platform, DeviceTypeAll, 0, null, &deviceCount);
            if (status == DeviceNotFound || deviceCount == 0) continue;
            Check(status, "clGetDeviceIDs");
            var handles = new nint[deviceCount];
            fixed (nint* d = handles) Check(clGetDeviceIDs(platform, DeviceTypeAll, deviceCount, d, null), "clGetDeviceIDs");
            string platformName = PlatformString(platform, PlatformName);
            foreach (var device in handles)
            {
                var info = new DeviceInfo(BackendKind.OpenCL,
                    DeviceString(device, OpenClNative.DeviceName),
                    (long)DeviceValue<ulong>(device, DeviceGlobalMemSize),
                    (int)DeviceValue<uint>(device, DeviceMaxComputeUnits),
                    (int)DeviceValue<uint>(device, DevicePreferredVectorWidthFloat),
                    Platform: platformName);
                devices.Add(new OpenClDevice(platform, device, DeviceValue<ulong>(device, OpenClNative.DeviceType), info));
            }
        }
        if (devices.Count == 0)
            throw new BackendUnavailableException(BackendKind.OpenCL, "OpenCL platforms are installed but report no device");
        return devices;
    }

    /// <summary>
    /// The device the backend uses: index <paramref name="ordinal"/> of <see cref="All"/> when given, otherwise the
    /// first GPU, then the first accelerator, then the first device of any kind.
    /// </summary>
    public static OpenClDevice Choose(int? ordinal)
    {
        var all = All();
        if (ordinal is { } i)
        {
            if (i < 0 || i >= all.Count)
                throw new BackendUnavailableException(BackendKind.OpenCL, $"device {i} requested, {all.Count} present (see `devices`)");
            return all[i];
        }
        return all.FirstOrDefault(d => (d.Type & DeviceTypeGpu) != 0)
            ?? all.FirstOrDefault(d => (d.Type & DeviceTypeAccelerator) != 0)
            ?? all[0];
    }
}
