using System.Runtime.InteropServices;

namespace MiniTransformer.Compute.OpenCL;

/// <summary>
/// The slice of the OpenCL 1.2 C API the backend uses, bound to the ICD loader libOpenCL.so.1 (which dispatches to
/// whatever platforms are installed: PoCL on CPUs, vendor drivers on GPUs). Handles are opaque pointers.
/// </summary>
internal static unsafe class OpenClNative
{
    public const string Library = "libOpenCL.so.1";

    public const int Success = 0;
    public const int DeviceNotFound = -1;
    public const int BuildProgramFailure = -11;
    public const int PlatformNotFoundKhr = -1001;

    public const uint PlatformName = 0x0902;
    public const uint PlatformVersion = 0x0901;
    public const uint DeviceType = 0x1000;
    public const uint DeviceMaxComputeUnits = 0x1002;
    public const uint DevicePreferredVectorWidthFloat = 0x100A;
    public const uint DeviceGlobalMemSize = 0x101F;
    public const uint DeviceName = 0x102B;
    public const uint ProgramBuildLog = 0x1183;

    public const ulong DeviceTypeCpu = 1 << 1, DeviceTypeGpu = 1 << 2, DeviceTypeAccelerator = 1 << 3, DeviceTypeAll = 0xFFFFFFFF;
    public const ulong MemReadWrite = 1 << 0;

    [DllImport(Library)] public static extern int clGetPlatformIDs(uint numEntries, nint* platforms, uint* numPlatforms);
    [DllImport(Library)] public static extern int clGetPlatformInfo(nint platform, uint paramName, nuint size, void* value, nuint* sizeRet);
    [DllImport(Library)] public static extern int clGetDeviceIDs(nint platform, ulong deviceType, uint numEntries, nint* devices, uint* numDevices);
    [DllImport(Library)] public static extern int clGetDeviceInfo(nint device, uint paramName, nuint size, void* value, nuint* sizeRet);
    [DllImport(Library)] public static extern nint clCreateContext(nint* properties, uint numDevices, nint* devices, nint notify, nint userData, int* errcode);
    [DllImport(Library)] public static extern nint clCreateCommandQueue(nint context, nint device, ulong properties, int* errcode);
    [DllImport(Library)] public static extern nint clCreateBuffer(nint context, ulong flags, nuint size, void* hostPtr, int* errcode);
    [DllImport(Library)] public static extern int clEnqueueWriteBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* ptr, uint numEvents, nint* waitList, nint* evt);
    [DllImport(Library)] public static extern int clEnqueueReadBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* ptr, uint numEvents, nint* waitList, nint* evt);
    [DllImport(Library)] public static extern nint clCreateProgramWithSource(nint context, uint count, byte** strings, nuint* lengths, int* errcode);
    [DllImport(Library)] public static extern int clBuildProgram(nint program, uint numDevices, nint* devices, byte* options, nint notify, nint userData);
    [DllImport(Library)] public static extern int clGetProgramBuildInfo(nint program, nint device, uint paramName, nuint size, void* value, nuint* sizeRet);
    [DllImport(Library)] public static extern nint clCreateKernel(nint program, byte* name, int* errcode);
    [DllImport(Library)] public static extern int clSetKernelArg(nint kernel, uint index, nuint size, void* value);
    [DllImport(Library)] public static extern int clEnqueueNDRangeKernel(nint queue, nint kernel, uint workDim, nuint* globalOffset, nuint* globalSize, nuint* localSize, uint numEvents, nint* waitList, nint* evt);
    [DllImport(Library)] public static extern int clFinish(nint queue);
    [DllImport(Library)] public static extern int clReleaseMemObject(nint memory);
    [DllImport(Library)] public static extern int clReleaseKernel(nint kernel);
    [DllImport(Library)] public static extern int clReleaseProgram(nint program);
    [DllImport(Library)] public static extern int clReleaseCommandQueue(nint queue);
    [DllImport(Library)] public static extern int clReleaseContext(nint context);

    /// <summary>Throws with the call and the error's name unless <paramref name="status"/> is CL_SUCCESS.</summary>
    public static void Check(int status, string call)
    {
        if (status != Success) throw new InvalidOperationException($"OpenCL {call} failed: {ErrorName(status)} ({status})");
    }

    public static string ErrorName(int status) => status switch
    {
        -1 => "CL_DEVICE_NOT_FOUND",
        -2 => "CL_DEVICE_NOT_AVAILABLE",
        -3 => "CL_COMPILER_NOT_AVAILABLE",
        -4 => "CL_MEM_OBJECT_ALLOCATION_FAILURE",
        -5 => "CL_OUT_OF_RESOURCES",
        -6 => "CL_OUT_OF_HOST_MEMORY",
        -11 => "CL_BUILD_PROGRAM_FAILURE",
        -30 => "CL_INVALID_VALUE",
        -33 => "CL_INVALID_DEVICE",
        -34 => "CL_INVALID_CONTEXT",
        -36 => "CL_INVALID_COMMAND_QUEUE",
        -38 => "CL_INVALID_MEM_OBJECT",
        -44 => "CL_INVALID_PROGRAM",
        -45 => "CL_INVALID_PROGRAM_EXECUTABLE",
        -46 => "CL_INVALID_KERNEL_NAME",
        -48 => "CL_INVALID_KERNEL",
        -49 => "CL_INVALID_ARG_INDEX",
        -50 => "CL_INVALID_ARG_VALUE",
        -51 => "CL_INVALID_ARG_SIZE",
        -52 => "CL_INVALID_KERNEL_ARGS",
        -53 => "CL_INVALID_WORK_DIMENSION",
        -54 => "CL_INVALID_WORK_GROUP_SIZE",
        -55 => "CL_INVALID_WORK_ITEM_SIZE",
        -61 => "CL_INVALID_BUFFER_SIZE",
        -63 => "CL_INVALID_GLOBAL_WORK_SIZE",
        -1001 => "CL_PLATFORM_NOT_FOUND_KHR",
        _ => "OpenCL error",
    };

    public static string PlatformString(nint platform, uint param)
    {
        nuint size;
        Check(clGetPlatformInfo(platform, param, 0, null, &size), "clGetPlatformInfo");
        var bytes = new byte[(int)size];
        fixed (byte* p = bytes) Check(clGetPlatformInfo(platform, param, size, p, null), "clGetPlatformInfo");
        return System.Text.Encoding.UTF8.GetString(bytes).TrimEnd('\0').Trim();
    }

    public static string DeviceString(nint device, uint param)
    {
        nuint size;
        Check(clGetDeviceInfo(device, param, 0, null, &size), "clGetDeviceInfo");
        var bytes = new byte[(int)size];
        fixed (byte* p = bytes) Check(clGetDeviceInfo(device, param, size, p, null), "clGetDeviceInfo");
        return System.Text.Encoding.UTF8.GetString(bytes).TrimEnd('\0').Trim();
    }

    public static T DeviceValue<T>(nint device, uint param) where T : unmanaged
    {
        T value;
        Check(clGetDeviceInfo(device, param, (nuint)sizeof(T), &value, null), "clGetDeviceInfo");
        return value;
    }
}
