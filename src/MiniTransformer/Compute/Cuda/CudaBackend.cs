using System.Text;
using MiniTransformer.Compute.Device;

namespace MiniTransformer.Compute.Cuda;

/// <summary>
/// The CUDA backend: the device's primary context and the legacy default stream (launches and the synchronous
/// cuMemcpy calls are ordered on it), kernels/*.cl compiled by NVRTC through <see cref="CudaPrelude"/> to PTX for
/// the device's compute capability and loaded with cuModuleLoadDataEx — one module per file, on first use. Every
/// entry point makes the context current first, because CUDA contexts are per-thread and callers may hop threads.
/// </summary>
public sealed unsafe class CudaBackend : KernelBackend
{
    private readonly CudaDriver _driver;
    private readonly Nvrtc _nvrtc;
    private readonly int _device;
    private readonly nint _context;
    private readonly int _architecture;
    private readonly Dictionary<string, nint> _modules = new();
    private readonly Dictionary<(string File, string Kernel), nint> _functions = new();
    private readonly object _gate = new();
    private bool _disposed;

    /// <summary>
    /// PTX per (file, architecture) for the life of the process: NVRTC runs once per kernel file, not once per backend,
    /// and never on two threads at once (older NVRTC releases are not thread-safe, and backends on several threads
    /// compile the same file on first use) — hence a Lazy per key and one compile lock.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string File, int Architecture), Lazy<byte[]>> PtxCache = new();

    private static readonly Lock CompileGate = new();

    /// <param name="ordinal">CUDA device index (as listed by `devices`).</param>
    public CudaBackend(int ordinal = 0)
    {
        _driver = CudaDriver.Instance;
        _nvrtc = Nvrtc.Instance;
        int count;
        _driver.Check(_driver.cuDeviceGetCount(&count), "cuDeviceGetCount");
        if (ordinal < 0 || ordinal >= count)
            throw new BackendUnavailableException(BackendKind.Cuda, $"device {ordinal} requested, {count} present (see `devices`)");
        int device;
        _driver.Check(_driver.cuDeviceGet(&device, ordinal), "cuDeviceGet");
        _device = device;
        Info = Describe(_driver, device);
        nint context;
        _driver.Check(_driver.cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain");
        _context = context;
        MakeCurrent();
        int major = Attribute(_driver, device, CudaDriver.AttributeComputeCapabilityMajor);
        int minor = Attribute(_driver, device, CudaDriver.AttributeComputeCapabilityMinor);
        _architecture = _nvrtc.Architecture(major, minor);
    }

    public override BackendKind Kind => BackendKind.Cuda;
    public override DeviceInfo Info { get; }

    /// <summary>Every CUDA device (throws <see cref="BackendUnavailableException"/> with the reason when none).</summary>
    public static IReadOnlyList<DeviceInfo> ListDevices()
    {
        var driver = CudaDriver.Instance;
        int count;
        driver.Check(driver.cuDeviceGetCount(&count), "cuDeviceGetCount");
        var devices = new List<DeviceInfo>(count);
        for (int i = 0; i < count; i++)
        {
            int device;
            driver.Check(driver.cuDeviceGet(&device, i), "cuDeviceGet");
            devices.Add(Describe(driver, device));
        }
        return devices;
    }

    /// <summary>NVRTC options: PTX for the newest virtual architecture both NVRTC and the device support; no fast-math.</summary>
    internal IReadOnlyList<string> CompileOptions =>
        [$"--gpu-architecture=compute_{_architecture}", "--device-as-default-execution-space", "--std=c++17"];

    public override DeviceBuffer<T> Allocate<T>(long length)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));
        long bytes = Math.Max(length, 1) * sizeof(T);
        ulong pointer;
        lock (_gate)
        {
            MakeCurrent();
            _driver.Check(_driver.cuMemAlloc(&pointer, (nuint)bytes), $"cuMemAlloc({bytes} bytes)");
        }
        return new CudaBuffer<T>(this, length, pointer);
    }

    internal void Free(ulong pointer)
    {
        lock (_gate)
        {
            if (_disposed) return;
            MakeCurrent();
            _driver.Check(_driver.cuCtxSynchronize(), "cuCtxSynchronize");
            _driver.Check(_driver.cuMemFree(pointer), "cuMemFree");
        }
    }

    protected override void UploadCore<T>(ReadOnlySpan<T> source, DeviceSlice<T> destination)
    {
        if (source.IsEmpty) return;
        fixed (T* p = source)
            lock (_gate)
            {
                MakeCurrent();
                _driver.Check(_driver.cuMemcpyHtoD(Address(destination), p, (nuint)(source.Length * sizeof(T))), "cuMemcpyHtoD");
            }
    }

    protected override void DownloadCore<T>(DeviceSlice<T> source, Span<T> destination)
    {
        if (destination.IsEmpty) return;
        fixed (T* p = destination)
            lock (_gate)
            {
                MakeCurrent();
                _driver.Check(_driver.cuMemcpyDtoH(p, Address(source), (nuint)(destination.Length * sizeof(T))), "cuMemcpyDtoH");
            }
    }

    public override void Synchronize()
    {
        lock (_gate)
        {
            MakeCurrent();
            _driver.Check(_driver.cuCtxSynchronize(), "cuCtxSynchronize");
        }
    }

    public override void Prepare(string file)
    {
        lock (_gate)
        {
            MakeCurrent();
            Module(file);
        }
    }

    internal override void LaunchCore(string file, string kernel, LaunchShape shape, KernelArgs args)
    {
        var items = args.Items;
        // cuLaunchKernel takes an array of pointers, one to each argument's value; every value gets an 8-byte slot
        // (little-endian, so a 4-byte parameter reads the low half).
        long* values = stackalloc long[items.Count];
        void** parameters = stackalloc void*[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            values[i] = items[i].Bits;
            parameters[i] = values + i;
        }
        lock (_gate)
        {
            MakeCurrent();
            nint function = Function(file, kernel);
            _driver.Check(_driver.cuLaunchKernel(function,
                (uint)shape.GroupsX, (uint)shape.GroupsY, (uint)shape.GroupsZ,
                (uint)shape.LocalX, (uint)shape.LocalY, 1,
                0, 0, parameters, null), $"cuLaunchKernel({kernel})");
        }
    }

    /// <summary>Compiles <paramref name="source"/> with the prelude and loads it; NVRTC errors become <see cref="KernelBuildException"/>.</summary>
    internal nint BuildModule(string file, string source) => Load(file, Compile(file, source));

    private byte[] Compile(string file, string source)
    {
        lock (CompileGate) return _nvrtc.CompileToPtx(file, CudaPrelude.Source + source, CompileOptions);
    }

    /// <summary>Loads PTX (JIT-compiled by the driver); a JIT failure reports the driver's error log.</summary>
    private nint Load(string file, byte[] ptx)
    {
        const int errorLogBuffer = 5, errorLogBufferSize = 6; // CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES
        const int logBytes = 8192;
        var log = new byte[logBytes];
        nint module;
        int status;
        fixed (byte* image = ptx)
        fixed (byte* logBuffer = log)
        {
            int* options = stackalloc int[] { errorLogBuffer, errorLogBufferSize };
            void** values = stackalloc void*[] { logBuffer, (void*)(nint)logBytes };
            status = _driver.cuModuleLoadDataEx(&module, image, 2, options, values);
        }
        if (status != 0)
        {
            string jitLog = Encoding.UTF8.GetString(log).TrimEnd('\0').Trim();
            throw new InvalidOperationException(
                $"CUDA cuModuleLoadDataEx({file}; NVRTC {_nvrtc.Version}, compute_{_architecture}) failed: {_driver.ErrorName(status)} ({status})" +
                (jitLog.Length > 0 ? $"{Environment.NewLine}{jitLog}" : ""));
        }
        return module;
    }

    private nint Module(string file)
    {
        if (_modules.TryGetValue(file, out var module)) return module;
        var ptx = PtxCache.GetOrAdd((file, _architecture), key => new Lazy<byte[]>(() => Compile(key.File, KernelSource.Load(key.File)))).Value;
        module = Load(file, ptx);
        _modules[file] = module;
        return module;
    }

    private nint Function(string file, string name)
    {
        if (_functions.TryGetValue((file, name), out var function)) return function;
        nint module = Module(file);
        var bytes = Encoding.ASCII.GetBytes(name + "\0");
        fixed (byte* n = bytes) _driver.Check(_driver.cuModuleGetFunction(&function, module, n), $"cuModuleGetFunction({name} in {file})");
        _functions[(file, name)] = function;
        return function;
    }

    private void MakeCurrent() => _driver.Check(_driver.cuCtxSetCurrent(_context), "cuCtxSetCurrent");

    private static ulong Address<T>(DeviceSlice<T> slice) where T : unmanaged =>
        ((CudaBuffer<T>)slice.Buffer).Pointer + (ulong)(slice.Offset * sizeof(T));

    private static int Attribute(CudaDriver driver, int device, int attribute)
    {
        int value;
        driver.Check(driver.cuDeviceGetAttribute(&value, attribute, device), "cuDeviceGetAttribute");
        return value;
    }

    private static DeviceInfo Describe(CudaDriver driver, int device)
    {
        var name = new byte[256];
        fixed (byte* n = name) driver.Check(driver.cuDeviceGetName(n, name.Length, device), "cuDeviceGetName");
        nuint memory;
        driver.Check(driver.cuDeviceTotalMem(&memory, device), "cuDeviceTotalMem");
        int major = Attribute(driver, device, CudaDriver.AttributeComputeCapabilityMajor);
        int minor = Attribute(driver, device, CudaDriver.AttributeComputeCapabilityMinor);
        return new DeviceInfo(BackendKind.Cuda, Encoding.UTF8.GetString(name).TrimEnd('\0'), (long)memory,
            Attribute(driver, device, CudaDriver.AttributeMultiprocessorCount),
            Attribute(driver, device, CudaDriver.AttributeWarpSize),
            ComputeCapability: $"{major}.{minor}");
    }

    public override void Dispose()
    {
        if (_disposed) return;
        Synchronize();
        base.Dispose();
        lock (_gate)
        {
            MakeCurrent();
            foreach (var module in _modules.Values) _driver.cuModuleUnload(module);
            _modules.Clear();
            _functions.Clear();
            _disposed = true;
            _driver.cuDevicePrimaryCtxRelease(_device);
        }
    }
}
