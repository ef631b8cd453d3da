using System.Runtime.InteropServices;
using System.Text;
using MiniTransformer.Compute.Device;

namespace MiniTransformer.Compute.Cuda;

/// <summary>
/// NVRTC, the CUDA run-time compiler, resolved from whichever libnvrtc the machine has (the soname carries the CUDA
/// major version, so several are tried, in the loader path and in the usual toolkit directories). Compiles a CUDA
/// C++ source to PTX for one virtual architecture; on failure the program log becomes a <see cref="KernelBuildException"/>.
/// </summary>
internal sealed unsafe class Nvrtc
{
    private static readonly string[] Sonames =
        ["libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1", "libnvrtc.so.11.0"];

    private readonly delegate* unmanaged<int*, int*, int> _version;
    private readonly delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int> _createProgram;
    private readonly delegate* unmanaged<nint, int, byte**, int> _compileProgram;
    private readonly delegate* unmanaged<nint, nuint*, int> _getProgramLogSize;
    private readonly delegate* unmanaged<nint, byte*, int> _getProgramLog;
    private readonly delegate* unmanaged<nint, nuint*, int> _getPtxSize;
    private readonly delegate* unmanaged<nint, byte*, int> _getPtx;
    private readonly delegate* unmanaged<nint*, int> _destroyProgram;
    private readonly delegate* unmanaged<int, byte*> _getErrorString;
    private readonly delegate* unmanaged<int*, int> _getNumSupportedArchs;
    private readonly delegate* unmanaged<int*, int> _getSupportedArchs;

    private Nvrtc(nint library, string path)
    {
        Path = path;
        _version = (delegate* unmanaged<int*, int*, int>)Export(library, "nvrtcVersion");
        _createProgram = (delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int>)Export(library, "nvrtcCreateProgram");
        _compileProgram = (delegate* unmanaged<nint, int, byte**, int>)Export(library, "nvrtcCompileProgram");
        _getProgramLogSize = (delegate* unmanaged<nint, nuint*, int>)Export(library, "nvrtcGetProgramLogSize");
        _getProgramLog = (delegate* unmanaged<nint, byte*, int>)Export(library, "nvrtcGetProgramLog");
        _getPtxSize = (delegate* unmanaged<nint, nuint*, int>)Export(library, "nvrtcGetPTXSize");
        _getPtx = (delegate* unmanaged<nint, byte*, int>)Export(library, "nvrtcGetPTX");
        _destroyProgram = (delegate* unmanaged<nint*, int>)Export(library, "nvrtcDestroyProgram");
        _getErrorString = (delegate* unmanaged<int, byte*>)Export(library, "nvrtcGetErrorString");
        NativeLibrary.TryGetExport(library, "nvrtcGetNumSupportedArchs", out var num);
        NativeLibrary.TryGetExport(library, "nvrtcGetSupportedArchs", out var archs);
        _getNumSupportedArchs = (delegate* unmanaged<int*, int>)num;
        _getSupportedArchs = (delegate* unmanaged<int*, int>)archs;
    }

    public string Path { get; }

    public string Version
    {
        get
        {
            int major, minor;
            return _version(&major, &minor) == 0 ? $"{major}.{minor}" : "unknown";
        }
    }

    private static readonly Lazy<(Nvrtc? Compiler, string? Reason)> Shared = new(Open);

    public static Nvrtc Instance
    {
        get
        {
            var (compiler, reason) = Shared.Value;
            return compiler ?? throw new BackendUnavailableException(BackendKind.Cuda, reason!);
        }
    }

    /// <summary>An explicit libnvrtc path to try first (e.g. one from a Python wheel).</summary>
    public const string PathVariable = "MT_NVRTC";

    private static (Nvrtc?, string?) Open()
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } explicitPath)
        {
            if (!NativeLibrary.TryLoad(explicitPath, out var chosen))
                return (null, $"{PathVariable}={explicitPath} could not be loaded");
            try { return (new Nvrtc(chosen, explicitPath), null); }
            catch (EntryPointNotFoundException e) { return (null, $"{explicitPath} is unusable: {e.Message}"); }
        }
        var directories = new List<string> { "" };
        foreach (var variable in new[] { "CUDA_HOME", "CUDA_PATH" })
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } root)
                directories.Add(System.IO.Path.Combine(root, "lib64"));
        directories.AddRange(["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu"]);
        directories.AddRange(PythonWheelDirectories());
        foreach (var directory in directories)
            foreach (var soname in Sonames)
            {
                string path = directory.Length == 0 ? soname : System.IO.Path.Combine(directory, soname);
                if (!NativeLibrary.TryLoad(path, out var library)) continue;
                try { return (new Nvrtc(library, path), null); }
                catch (EntryPointNotFoundException e) { return (null, $"{path} is unusable: {e.Message}"); }
            }
        return (null, $"NVRTC not found (tried {string.Join(", ", Sonames)} in the loader path, $CUDA_HOME/lib64, " +
                      $"/usr/local/cuda/lib64 and Python's nvidia-cuda-nvrtc wheels; set {PathVariable} to a libnvrtc path)");
    }

    /// <summary>
    /// Where pip puts NVRTC (the nvidia-cuda-nvrtc wheels PyTorch depends on): GPU machines often have it without a
    /// CUDA toolkit. The wheel's libnvrtc finds its builtins library beside itself.
    /// </summary>
    private static IEnumerable<string> PythonWheelDirectories()
    {
        var roots = new List<string> { "/usr/local/lib", "/usr/lib", "/opt/conda/lib" };
        if (Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home) roots.Add(System.IO.Path.Combine(home, ".local", "lib"));
        if (Environment.GetEnvironmentVariable("VIRTUAL_ENV") is { Length: > 0 } venv) roots.Add(System.IO.Path.Combine(venv, "lib"));
        foreach (var root in roots.Where(Directory.Exists))
            foreach (var python in Directory.EnumerateDirectories(root, "python3*"))
                foreach (var packages in new[] { "site-packages", "dist-packages" })
                {
                    string lib = System.IO.Path.Combine(python, packages, "nvidia", "cuda_nvrtc", "lib");
                    if (Directory.Exists(lib)) yield return lib;
                }
    }

    /// <summary>The newest virtual architecture this NVRTC can target that the device (compute capability major.minor) runs.</summary>
    public int Architecture(int major, int minor)
    {
        int wanted = major * 10 + minor;
        if (_getNumSupportedArchs == null || _getSupportedArchs == null) return wanted;
        int count;
        if (_getNumSupportedArchs(&count) != 0 || count <= 0) return wanted;
        var archs = new int[count];
        fixed (int* a = archs)
            if (_getSupportedArchs(a) != 0) return wanted;
        var usable = archs.Where(a => a <= wanted).ToArray();
        return usable.Length > 0 ? usable.Max() : wanted;
    }

    /// <summary>Compiles <paramref name="source"/> (named <paramref name="file"/> in messages) to PTX text.</summary>
    public byte[] CompileToPtx(string file, string source, IReadOnlyList<string> options)
    {
        nint program;
        var src = Encoding.UTF8.GetBytes(source + "\0");
        var name = Encoding.UTF8.GetBytes(file + "\0");
        fixed (byte* s = src)
        fixed (byte* n = name)
            Check(_createProgram(&program, s, n, 0, null, null), "nvrtcCreateProgram");
        try
        {
            var optionBytes = options.Select(o => Encoding.ASCII.GetBytes(o + "\0")).ToArray();
            var handles = optionBytes.Select(b => GCHandle.Alloc(b, GCHandleType.Pinned)).ToArray();
            int status;
            try
            {
                var pointers = stackalloc byte*[handles.Length];
                for (int i = 0; i < handles.Length; i++) pointers[i] = (byte*)handles[i].AddrOfPinnedObject();
                status = _compileProgram(program, handles.Length, pointers);
            }
            finally
            {
                foreach (var h in handles) h.Free();
            }
            if (status != 0)
            {
                string log = Log(program);
                if (status == 6) throw new KernelBuildException(BackendKind.Cuda, file, log); // NVRTC_ERROR_COMPILATION
                throw new InvalidOperationException($"nvrtcCompileProgram({file}) failed: {ErrorString(status)}; {log}");
            }
            nuint size;
            Check(_getPtxSize(program, &size), "nvrtcGetPTXSize");
            var ptx = new byte[(int)size];
            fixed (byte* p = ptx) Check(_getPtx(program, p), "nvrtcGetPTX");
            return ptx;
        }
        finally
        {
            _destroyProgram(&program);
        }
    }

    private string Log(nint program)
    {
        nuint size;
        if (_getProgramLogSize(program, &size) != 0 || size == 0) return "(no log)";
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes)
            if (_getProgramLog(program, b) != 0) return "(no log)";
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0');
    }

    private string ErrorString(int status) => Marshal.PtrToStringUTF8((nint)_getErrorString(status)) ?? $"NVRTC error {status}";

    private void Check(int status, string call)
    {
        if (status != 0) throw new InvalidOperationException($"{call} failed: {ErrorString(status)}");
    }

    private static nint Export(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out var address) ? address : throw new EntryPointNotFoundException($"missing {name}");
}
