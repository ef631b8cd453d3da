using System.Text;
using MiniTransformer.Compute.Device;
using static MiniTransformer.Compute.OpenCL.OpenClNative;

namespace MiniTransformer.Compute.OpenCL;

/// <summary>
/// The OpenCL backend: one context and one in-order command queue on one device; programs are compiled from
/// kernels/*.cl on first use (one program per file) and cached with their kernels. On machines without a GPU it
/// runs on PoCL, which is how CI exercises the real kernel sources.
/// </summary>
public sealed unsafe class OpenClBackend : KernelBackend
{
    /// <summary>Build options: OpenCL C 1.2 (the common denominator of GPU drivers and PoCL); no fast-math, so
    /// exp/log/tanh/sqrt keep their specified accuracy and results stay comparable with the CPU oracle.</summary>
    private const string BuildOptions = "-cl-std=CL1.2";

    private readonly nint _device, _context, _queue;
    private readonly Dictionary<string, nint> _programs = new();
    private readonly Dictionary<(string File, string Kernel), nint> _kernels = new();
    private readonly object _gate = new();
    private bool _disposed;

    /// <param name="deviceOrdinal">Index into the `devices` listing of OpenCL devices; null picks a GPU if present.</param>
    public OpenClBackend(int? deviceOrdinal = null)
    {
        var device = OpenClDevices.Choose(deviceOrdinal);
        _device = device.Handle;
        Info = device.Info;
        int status;
        nint d = _device;
        _context = clCreateContext(null, 1, &d, 0, 0, &status);
        Check(status, "clCreateContext");
        _queue = clCreateCommandQueue(_context, _device, 0, &status);
        Check(status, "clCreateCommandQueue");
    }

    public override BackendKind Kind => BackendKind.OpenCL;
    public override DeviceInfo Info { get; }

    /// <summary>Every OpenCL device present (throws <see cref="BackendUnavailableException"/> with the reason when none).</summary>
    public static IReadOnlyList<DeviceInfo> ListDevices() => OpenClDevices.All().Select(d => d.Info).ToList();

    public override DeviceBuffer<T> Allocate<T>(long length)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));
        // OpenCL rejects empty buffers; an empty tensor still gets a valid handle.
        long bytes = Math.Max(length, 1) * sizeof(T);
        int status;
        nint memory;
        lock (_gate) memory = clCreateBuffer(_context, MemReadWrite, (nuint)bytes, null, &status);
        Check(status, $"clCreateBuffer({bytes} bytes)");
        return new OpenClBuffer<T>(this, length, memory);
    }

    protected override void UploadCore<T>(ReadOnlySpan<T> source, DeviceSlice<T> destination)
    {
        if (source.IsEmpty) return;
        fixed (T* p = source)
            lock (_gate)
                Check(clEnqueueWriteBuffer(_queue, Handle(destination), 1, (nuint)(destination.Offset * sizeof(T)),
                    (nuint)(source.Length * sizeof(T)), p, 0, null, null), "clEnqueueWriteBuffer");
    }

    protected override void DownloadCore<T>(DeviceSlice<T> source, Span<T> destination)
    {
        if (destination.IsEmpty) return;
        fixed (T* p = destination)
            lock (_gate)
                Check(clEnqueueReadBuffer(_queue, Handle(source), 1, (nuint)(source.Offset * sizeof(T)),
                    (nuint)(destination.Length * sizeof(T)), p, 0, null, null), "clEnqueueReadBuffer");
    }

    public override void Synchronize()
    {
        lock (_gate) Check(clFinish(_queue), "clFinish");
    }

    public override void Prepare(string file)
    {
        lock (_gate) Program(file);
    }

    internal override void LaunchCore(string file, string kernel, LaunchShape shape, KernelArgs args)
    {
        lock (_gate)
        {
            nint k = Kernel(file, kernel);
            var items = args.Items;
            for (int i = 0; i < items.Count; i++)
            {
                long bits = items[i].Bits;
                int status = items[i].Kind switch
                {
                    KernelArgKind.Pointer => SetPointer(k, i, (nint)bits),
                    KernelArgKind.Int32 => SetInt32(k, i, (int)bits),
                    _ => clSetKernelArg(k, (uint)i, sizeof(long), &bits),
                };
                Check(status, $"clSetKernelArg({kernel}, {i})");
            }
            nuint* global = stackalloc nuint[3];
            nuint* local = stackalloc nuint[3];
            local[0] = (nuint)shape.LocalX; local[1] = (nuint)shape.LocalY; local[2] = 1;
            global[0] = (nuint)((long)shape.GroupsX * shape.LocalX);
            global[1] = (nuint)((long)shape.GroupsY * shape.LocalY);
            global[2] = (nuint)shape.GroupsZ;
            uint dims = shape.GroupsZ > 1 ? 3u : shape.GroupsY > 1 || shape.LocalY > 1 ? 2u : 1u;
            Check(clEnqueueNDRangeKernel(_queue, k, dims, null, global, local, 0, null, null), $"clEnqueueNDRangeKernel({kernel})");
        }

        static int SetPointer(nint kernel, int index, nint memory) => clSetKernelArg(kernel, (uint)index, (nuint)sizeof(nint), &memory);
        static int SetInt32(nint kernel, int index, int value) => clSetKernelArg(kernel, (uint)index, sizeof(int), &value);
    }

    /// <summary>
    /// Compiles <paramref name="source"/> as a program for this device; on failure throws
    /// <see cref="KernelBuildException"/> carrying the compiler's build log. Used for kernels/*.cl and by tests.
    /// </summary>
    private static readonly Lock BuildGate = new();

    internal nint BuildProgram(string file, string source)
    {
        var sourceBytes = Encoding.UTF8.GetBytes(source);
        int status;
        nint program;
        fixed (byte* s = sourceBytes)
        {
            byte* strings = s;
            nuint length = (nuint)sourceBytes.Length;
            program = clCreateProgramWithSource(_context, 1, &strings, &length, &status);
        }
        Check(status, "clCreateProgramWithSource");
        var options = Encoding.ASCII.GetBytes(BuildOptions + "\0");
        nint device = _device;
        // One build at a time in the process: PoCL compiles through LLVM, and backends on several threads building
        // on first use is the one place contexts share compiler state; a build takes milliseconds once cached.
        lock (BuildGate)
            fixed (byte* o = options) status = clBuildProgram(program, 1, &device, o, 0, 0);
        if (status != Success)
        {
            string log = BuildLog(program);
            clReleaseProgram(program);
            if (status == BuildProgramFailure) throw new KernelBuildException(BackendKind.OpenCL, file, log);
            Check(status, $"clBuildProgram({file})");
        }
        return program;
    }

    private nint Program(string file)
    {
        if (_programs.TryGetValue(file, out var program)) return program;
        program = BuildProgram(file, KernelSource.Load(file));
        _programs[file] = program;
        return program;
    }

    private nint Kernel(string file, string name)
    {
        if (_kernels.TryGetValue((file, name), out var kernel)) return kernel;
        nint program = Program(file);
        int status;
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        fixed (byte* n = nameBytes) kernel = clCreateKernel(program, n, &status);
        Check(status, $"clCreateKernel({name} in {file})");
        _kernels[(file, name)] = kernel;
        return kernel;
    }

    private string BuildLog(nint program)
    {
        nuint size;
        if (clGetProgramBuildInfo(program, _device, ProgramBuildLog, 0, null, &size) != Success) return "(no build log)";
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes)
            if (clGetProgramBuildInfo(program, _device, ProgramBuildLog, size, b, null) != Success) return "(no build log)";
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0');
    }

    private static nint Handle<T>(DeviceSlice<T> slice) where T : unmanaged => ((IKernelBuffer)slice.Buffer).Handle;

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Synchronize();
        base.Dispose();
        foreach (var kernel in _kernels.Values) clReleaseKernel(kernel);
        foreach (var program in _programs.Values) clReleaseProgram(program);
        _kernels.Clear();
        _programs.Clear();
        clReleaseCommandQueue(_queue);
        clReleaseContext(_context);
    }
}
