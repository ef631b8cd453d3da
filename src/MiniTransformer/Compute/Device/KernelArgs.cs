namespace MiniTransformer.Compute.Device;

/// <summary>A native device allocation a kernel can take as an argument: a cl_mem handle or a CUdeviceptr.</summary>
internal interface IKernelBuffer
{
    nint Handle { get; }
}

/// <summary>The scalar width a kernel parameter has on the device.</summary>
internal enum KernelArgKind : byte { Pointer, Int32, Int64 }

/// <summary>One kernel argument: its device-side width and its bits (a float travels as its int32 bit pattern).</summary>
internal readonly record struct KernelArg(KernelArgKind Kind, long Bits);

/// <summary>
/// The argument list of one launch, in the kernel's parameter order. Every buffer is passed as (pointer, int64
/// element offset) — the convention all kernels/*.cl share — so OpenCL needs no sub-buffers and CUDA sees the same
/// signature.
/// </summary>
internal sealed class KernelArgs
{
    private readonly List<KernelArg> _args = new(32);

    public IReadOnlyList<KernelArg> Items => _args;

    public KernelArgs Buffer<T>(DeviceSlice<T> slice) where T : unmanaged
    {
        _args.Add(new(KernelArgKind.Pointer, ((IKernelBuffer)slice.Buffer).Handle));
        _args.Add(new(KernelArgKind.Int64, slice.Offset));
        return this;
    }

    public KernelArgs Int(int value) { _args.Add(new(KernelArgKind.Int32, value)); return this; }
    public KernelArgs Int(bool value) => Int(value ? 1 : 0);
    public KernelArgs Long(long value) { _args.Add(new(KernelArgKind.Int64, value)); return this; }
    public KernelArgs ULong(ulong value) { _args.Add(new(KernelArgKind.Int64, unchecked((long)value))); return this; }
    public KernelArgs Float(float value) { _args.Add(new(KernelArgKind.Int32, BitConverter.SingleToInt32Bits(value))); return this; }
}

/// <summary>A launch grid: work-group counts per dimension and the work-group (CUDA block) shape.</summary>
internal readonly record struct LaunchShape(int GroupsX, int GroupsY, int GroupsZ, int LocalX, int LocalY = 1)
{
    public static LaunchShape Linear(int groups, int local) => new(groups, 1, 1, local);
}
