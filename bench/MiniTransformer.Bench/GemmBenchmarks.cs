using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MiniTransformer.Compute;
using MiniTransformer.Compute.Cpu;

namespace MiniTransformer.Bench;

/// <summary>
/// CPU GEMM on every forward and backward GEMM shape of a training step: 2 layers of width 128 / vocab 1,024,
/// width 512 / vocab 8,192 (the two steps of issue 3) and width 256 / vocab 8,192 (the larger step of issue 4's
/// training-throughput target), all on 1,600 tokens (batch 32 × context 50), each beside OpenBLAS sgemm on the same
/// operands and thread count, measured back to back in the same process (the baseline; needs Debian's
/// libopenblas0-pthread). tools/gemm_reference.py times the same list from Python. Run:
/// OPENBLAS_CORETYPE=SkylakeX dotnet run -c Release --project bench/MiniTransformer.Bench -- --filter '*GemmBenchmarks*'
/// (OpenBLAS 0.3.21 does not recognise this processor and would fall back to its SSE3 "Prescott" kernels.)
/// </summary>
[Config(typeof(Config))]
public class GemmBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(ThroughputColumn.Gflops(c => OpCosts.Gemm(Spec(ThroughputColumn.Param<string>(c, nameof(Shape))), GemmEpilogue.None)));
    }

    /// <summary>
    /// name → (transA, transB, M, N, K). Linear layers keep W as out×in (PyTorch): forward Y = X·Wᵀ (NT), dX = dY·W (NN),
    /// dW = dYᵀ·X (TN). Per layer: qkv (C → 3C), attention projection (C → C), MLP up (C → 4C) and down (4C → C),
    /// and the LM head (C → V).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (bool TransA, bool TransB, int M, int N, int K)> Shapes = StepShapes("w128", 128, 1024)
        .Concat(StepShapes("w512", 512, 8192)).Concat(StepShapes("w256", 256, 8192)).ToDictionary(s => s.Name, s => (s.TransA, s.TransB, s.M, s.N, s.K));

    private static IEnumerable<(string Name, bool TransA, bool TransB, int M, int N, int K)> StepShapes(string tag, int width, int vocab, int tokens = 1600)
    {
        (string Layer, int In, int Out)[] layers = [("qkv", width, 3 * width), ("attproj", width, width), ("fc", width, 4 * width), ("fcproj", 4 * width, width), ("lmhead", width, vocab)];
        foreach (var (layer, fanIn, fanOut) in layers)
        {
            yield return ($"{tag}.{layer}.fwd", false, true, tokens, fanOut, fanIn);
            yield return ($"{tag}.{layer}.dx", false, false, tokens, fanIn, fanOut);
            yield return ($"{tag}.{layer}.dw", true, false, fanOut, fanIn, tokens);
        }
    }

    public static IEnumerable<string> ShapeNames => Shapes.Keys;

    private static GemmSpec Spec(string shape)
    {
        var (ta, tb, m, n, k) = Shapes[shape];
        return new GemmSpec(m, n, k, ta, tb);
    }

    [ParamsSource(nameof(ShapeNames))]
    public string Shape { get; set; } = "w128.qkv.fwd";

    private CpuBackend _backend = null!;
    private DeviceBuffer<float> _a = null!, _b = null!, _c = null!;
    private GemmSpec _spec;
    private float[] _hostA = null!, _hostB = null!, _hostC = null!;

    [GlobalSetup]
    public void Setup()
    {
        _backend = new CpuBackend();
        _spec = Spec(Shape);
        var rng = new Random(1);
        float[] Random(long n) => Enumerable.Range(0, (int)n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        _hostA = GC.AllocateArray<float>((int)_spec.ExtentA, pinned: true);
        _hostB = GC.AllocateArray<float>((int)_spec.ExtentB, pinned: true);
        _hostC = GC.AllocateArray<float>((int)_spec.ExtentC, pinned: true);
        Random(_spec.ExtentA).CopyTo(_hostA);
        Random(_spec.ExtentB).CopyTo(_hostB);
        _a = _backend.UploadNew<float>(_hostA);
        _b = _backend.UploadNew<float>(_hostB);
        _c = _backend.Allocate<float>(_spec.ExtentC);
        OpenBlas.openblas_set_num_threads(_backend.Threads);
    }

    [Benchmark]
    public void Gemm() => _backend.Gemm(_spec, _a, _b, _c);

    [Benchmark(Baseline = true)]
    public unsafe void OpenBlasSgemm()
    {
        var s = _spec;
        fixed (float* a = _hostA, b = _hostB, c = _hostC)
            OpenBlas.cblas_sgemm(OpenBlas.RowMajor, s.TransA ? OpenBlas.Trans : OpenBlas.NoTrans, s.TransB ? OpenBlas.Trans : OpenBlas.NoTrans,
                s.M, s.N, s.K, 1f, a, s.TransA ? s.M : s.K, b, s.TransB ? s.K : s.N, 0f, c, s.N);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose(); _b.Dispose(); _c.Dispose();
        _backend.Dispose();
    }
}

/// <summary>The two entry points of Debian's OpenBLAS (libopenblas0-pthread) the GEMM baseline needs.</summary>
internal static unsafe class OpenBlas
{
    private const string Library = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0";
    public const int RowMajor = 101, NoTrans = 111, Trans = 112;

    [System.Runtime.InteropServices.DllImport(Library)]
    public static extern void cblas_sgemm(int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [System.Runtime.InteropServices.DllImport(Library)]
    public static extern void openblas_set_num_threads(int threads);
}
