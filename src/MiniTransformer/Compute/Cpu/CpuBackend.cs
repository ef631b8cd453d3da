using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MiniTransformer.Compute.Cpu;

/// <summary>The vector unit the GEMM microkernel runs on; the widest one the processor supports unless a test asks for less.</summary>
internal enum CpuSimd { Scalar, Vector256, Vector512 }

/// <summary>
/// The managed backend: the default, and the oracle the device backends are checked against. Ops run synchronously
/// on the calling thread (fanning out to <see cref="CpuWorkers"/>), so <see cref="Synchronize"/> has nothing to wait for.
/// Determinism: every parallel split is over independent outputs, and every reduction runs in an order fixed by the
/// shapes alone, so results are bit-identical for any thread count. Like a device stream, one backend takes its ops
/// from one thread at a time (GEMM packing space is reused between calls). One partial file per op family.
/// </summary>
public sealed unsafe partial class CpuBackend : ComputeBackend
{
    private readonly ParallelOptions _parallel;

    /// <param name="maxThreads">Worker threads for the ops (default: all processors). Results do not depend on it.</param>
    public CpuBackend(int? maxThreads = null) : this(maxThreads, BestSimd()) { }

    internal CpuBackend(int? maxThreads, CpuSimd simd)
    {
        int threads = maxThreads ?? Environment.ProcessorCount;
        if (threads < 1) throw new UserInputException($"the CPU backend needs at least one thread, not {threads}");
        if (simd > BestSimd()) throw new ArgumentException($"{simd} is not supported on this processor");
        Threads = threads;
        Simd = simd;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        Info = new DeviceInfo(BackendKind.Cpu, ProcessorName(), GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, threads,
            simd switch { CpuSimd.Vector512 => 16, CpuSimd.Vector256 => 8, _ => 1 }, Platform: $".NET {Environment.Version}");
    }

    public override BackendKind Kind => BackendKind.Cpu;
    public override DeviceInfo Info { get; }
    public int Threads { get; }
    internal CpuSimd Simd { get; }

    internal static CpuSimd BestSimd() =>
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? CpuSimd.Vector512
        : Fma.IsSupported && Avx2.IsSupported ? CpuSimd.Vector256
        : CpuSimd.Scalar;

    public override DeviceBuffer<T> Allocate<T>(long length) => new CpuBuffer<T>(this, length);

    public override void Synchronize() { }

    protected override void UploadCore<T>(ReadOnlySpan<T> source, DeviceSlice<T> destination) =>
        source.CopyTo(new Span<T>(Ptr(destination), source.Length));

    protected override void DownloadCore<T>(DeviceSlice<T> source, Span<T> destination) =>
        new ReadOnlySpan<T>(Ptr(source), destination.Length).CopyTo(destination);

    /// <summary>The first element of a slice (the contract has already checked its bounds and owner).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T* Ptr<T>(DeviceSlice<T> slice) where T : unmanaged => ((CpuBuffer<T>)slice.Buffer).Pointer + slice.Offset;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<T> Span<T>(DeviceSlice<T> slice, long length) where T : unmanaged => new(Ptr(slice), checked((int)length));

    /// <summary>Runs body(i) for i in [0, count): in parallel when there is more than one item and thread.</summary>
    private void For(long count, Action<long> body) => For(count, true, body);

    private void For(long count, bool parallel, Action<long> body)
    {
        if (count <= 0) return;
        if (!parallel || count == 1 || Threads == 1)
        {
            for (long i = 0; i < count; i++) body(i);
            return;
        }
        CpuWorkers.For(count, Threads, _parallel, body);
    }

    /// <summary>
    /// Runs body(start, end) over fixed chunks of [0, n): chunk boundaries depend only on n and
    /// <paramref name="chunk"/>, never on the thread count.
    /// </summary>
    private void ForChunks(long n, long chunk, Action<long, long> body) =>
        For((n + chunk - 1) / chunk, c => body(c * chunk, Math.Min(n, (c + 1) * chunk)));

    private static string ProcessorName()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture} CPU";
    }
}
