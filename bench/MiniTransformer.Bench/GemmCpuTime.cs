using System.Diagnostics;
using System.Runtime.InteropServices;
using MiniTransformer.Compute;
using MiniTransformer.Compute.Cpu;

namespace MiniTransformer.Bench;

/// <summary>
/// The GemmBenchmarks shapes on one thread, timed in thread CPU time (CLOCK_THREAD_CPUTIME_ID) rather than wall clock:
/// the CPU backend and OpenBLAS alternate round by round on the same operands, and each side keeps its fastest round.
/// On a machine shared with other work a 2-thread wall-clock ratio moves by 2–3× between runs (a GEMM waits for
/// whichever worker was preempted); one thread's CPU time excludes preemption, so this is the tuning measure there.
/// Run: OPENBLAS_CORETYPE=SkylakeX dotnet run -c Release --project bench/MiniTransformer.Bench -- gemm-cputime [rounds] [shape regex]
/// </summary>
internal static unsafe class GemmCpuTime
{
    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, TimeSpec* time);

    private static double ThreadSeconds()
    {
        TimeSpec t;
        if (ClockGetTime(ClockThreadCpuTime, &t) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        return t.Seconds + t.Nanoseconds * 1e-9;
    }

    public static void Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0]) : 7;
        var filter = new System.Text.RegularExpressions.Regex(args.Length > 1 ? args[1] : "");
        using var backend = new CpuBackend(maxThreads: 1);
        OpenBlas.openblas_set_num_threads(1);
        Console.WriteLine($"{"shape",-18} {"M",5} {"N",5} {"K",5} {"ours GFLOP/s",13} {"OpenBLAS",9} {"ratio",6}");
        double logSum = 0;
        int count = 0, ahead = 0;
        foreach (var (name, (ta, tb, m, n, k)) in GemmBenchmarks.Shapes)
        {
            if (!filter.IsMatch(name)) continue;
            var spec = new GemmSpec(m, n, k, ta, tb);
            var rng = new Random(1);
            float[] Random(long length)
            {
                var x = GC.AllocateArray<float>((int)length, pinned: true);
                for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() - 0.5);
                return x;
            }
            float[] hostA = Random(spec.ExtentA), hostB = Random(spec.ExtentB), hostC = GC.AllocateArray<float>((int)spec.ExtentC, pinned: true);
            using var a = backend.UploadNew<float>(hostA);
            using var b = backend.UploadNew<float>(hostB);
            using var c = backend.Allocate<float>(spec.ExtentC);
            double flops = OpCosts.Gemm(spec, GemmEpilogue.None).Flops;
            int reps = Math.Max(1, (int)(5e8 / flops));
            void Ours() => backend.Gemm(spec, a, b, c);
            void Blas()
            {
                fixed (float* pa = hostA, pb = hostB, pc = hostC)
                    OpenBlas.cblas_sgemm(OpenBlas.RowMajor, ta ? OpenBlas.Trans : OpenBlas.NoTrans, tb ? OpenBlas.Trans : OpenBlas.NoTrans,
                        m, n, k, 1f, pa, ta ? m : k, pb, tb ? k : n, 0f, pc, n);
            }
            // Warm-up long enough for the JIT's tiering to reach optimised code.
            var warm = Stopwatch.StartNew();
            while (warm.Elapsed.TotalSeconds < 0.5) { Ours(); Blas(); }
            double ours = double.MaxValue, blas = double.MaxValue;
            for (int r = 0; r < rounds; r++)
            {
                double t0 = ThreadSeconds();
                for (int i = 0; i < reps; i++) Ours();
                double t1 = ThreadSeconds();
                for (int i = 0; i < reps; i++) Blas();
                double t2 = ThreadSeconds();
                ours = Math.Min(ours, (t1 - t0) / reps);
                blas = Math.Min(blas, (t2 - t1) / reps);
            }
            Console.WriteLine($"{name,-18} {m,5} {n,5} {k,5} {flops / ours / 1e9,13:F1} {flops / blas / 1e9,9:F1} {ours / blas,6:F2}");
            logSum += Math.Log(ours / blas);
            count++;
            if (ours <= blas) ahead++;
        }
        Console.WriteLine($"geometric mean of the time ratio ours / OpenBLAS: {Math.Exp(logSum / count):F3}; as fast or faster on {ahead} of {count}");
    }
}
