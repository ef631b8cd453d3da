using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MiniTransformer.Compute.Cpu;

/// <summary>
/// GEMM microkernels: tile[r, c] = Σ_k A[r, k]·b[k·NR + c] over packed panels (A: MR rows, see <see cref="Run"/>;
/// b: NR columns per k), summing k in ascending order with one FMA per term — the fixed per-element order that
/// makes the CPU GEMM independent of the thread count. Accumulators live in registers for the whole K block.
/// </summary>
internal static unsafe class GemmKernels
{
    public const int MR512 = 12, NR512 = 32;
    public const int MR256 = 6, NR256 = 16;
    public const int MRScalar = 4, NRScalar = 4;

    public static (int Mr, int Nr) Tile(CpuSimd simd) => simd switch
    {
        CpuSimd.Vector512 => (MR512, NR512),
        CpuSimd.Vector256 => (MR256, NR256),
        _ => (MRScalar, NRScalar),
    };

    /// <summary>
    /// Element (r, k) of the A block at a[r·lda + k·ldk]: rows of a matrix stored M×K read in place (lda = K, ldk = 1),
    /// or a block packed k-major from A stored K×M (lda = 1, ldk = MR: per k the MR values of the strip side by side).
    /// The NR columns of B for k at b[k·ldb]: a packed strip (ldb = NR) or B itself (ldb = N).
    /// The tile is stored to c (row stride ldc), or added to it when <paramref name="accumulate"/>.
    /// </summary>
    public static void Run(CpuSimd simd, float* a, int lda, int ldk, float* b, int ldb, int kc, float* c, int ldc, bool accumulate)
    {
        switch (simd)
        {
            case CpuSimd.Vector512: Kernel512(a, lda, ldk, b, ldb, kc, c, ldc, accumulate); break;
            case CpuSimd.Vector256: Kernel256(a, lda, ldk, b, ldb, kc, c, ldc, accumulate); break;
            default: KernelScalar(a, lda, ldk, b, ldb, kc, c, ldc, accumulate); break;
        }
    }

    /// <summary>
    /// Vector512: a 12×32 tile in 24 zmm accumulators; per k two B loads and twelve A broadcasts. The twelve A rows
    /// are addressed from two base pointers (rows 0–5 and 6–11) with the row stride, 3× and 5× it in registers
    /// (x86 addressing scales by 1, 2, 4 or 8): twelve separate row pointers would not fit the 16 general registers
    /// and the JIT reloaded five of them from the stack on every k.
    /// </summary>
    private static void Kernel512(float* a, int lda, int ldk, float* b, int ldb, int kc, float* c, int ldc, bool accumulate)
    {
        nint row = (nint)lda * sizeof(float), row3 = 3 * row, row5 = 5 * row;
        nint aStep = (nint)ldk * sizeof(float), bStep = (nint)ldb * sizeof(float);
        byte* p = (byte*)a, q = p + 6 * row, pb = (byte*)b;
        Vector512<float> c00 = Vector512<float>.Zero, c01 = Vector512<float>.Zero, c10 = Vector512<float>.Zero, c11 = Vector512<float>.Zero,
            c20 = Vector512<float>.Zero, c21 = Vector512<float>.Zero, c30 = Vector512<float>.Zero, c31 = Vector512<float>.Zero,
            c40 = Vector512<float>.Zero, c41 = Vector512<float>.Zero, c50 = Vector512<float>.Zero, c51 = Vector512<float>.Zero,
            c60 = Vector512<float>.Zero, c61 = Vector512<float>.Zero, c70 = Vector512<float>.Zero, c71 = Vector512<float>.Zero,
            c80 = Vector512<float>.Zero, c81 = Vector512<float>.Zero, c90 = Vector512<float>.Zero, c91 = Vector512<float>.Zero,
            c100 = Vector512<float>.Zero, c101 = Vector512<float>.Zero, c110 = Vector512<float>.Zero, c111 = Vector512<float>.Zero;
        // The tile of C is read (or written) after the K loop; ask for its lines now, into L2, so a C larger than L2
        // (the weight gradients of width 512, long-K shapes re-reading C once per K block) does not stall the end.
        for (int r = 0; r < 12; r++)
        {
            Sse.Prefetch1(c + r * ldc);
            Sse.Prefetch1(c + r * ldc + 16);
        }
        for (int k = kc; k > 0; k--, p += aStep, q += aStep, pb += bStep)
        {
            var b0 = Vector512.Load((float*)pb); var b1 = Vector512.Load((float*)(pb + 64));
            var x0 = Vector512.Create(*(float*)p); c00 = Avx512F.FusedMultiplyAdd(x0, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x0, b1, c01);
            var x1 = Vector512.Create(*(float*)(p + row)); c10 = Avx512F.FusedMultiplyAdd(x1, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x1, b1, c11);
            var x2 = Vector512.Create(*(float*)(p + 2 * row)); c20 = Avx512F.FusedMultiplyAdd(x2, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x2, b1, c21);
            var x3 = Vector512.Create(*(float*)(p + row3)); c30 = Avx512F.FusedMultiplyAdd(x3, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x3, b1, c31);
            var x4 = Vector512.Create(*(float*)(p + 4 * row)); c40 = Avx512F.FusedMultiplyAdd(x4, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x4, b1, c41);
            var x5 = Vector512.Create(*(float*)(p + row5)); c50 = Avx512F.FusedMultiplyAdd(x5, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x5, b1, c51);
            var x6 = Vector512.Create(*(float*)q); c60 = Avx512F.FusedMultiplyAdd(x6, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x6, b1, c61);
            var x7 = Vector512.Create(*(float*)(q + row)); c70 = Avx512F.FusedMultiplyAdd(x7, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x7, b1, c71);
            var x8 = Vector512.Create(*(float*)(q + 2 * row)); c80 = Avx512F.FusedMultiplyAdd(x8, b0, c80); c81 = Avx512F.FusedMultiplyAdd(x8, b1, c81);
            var x9 = Vector512.Create(*(float*)(q + row3)); c90 = Avx512F.FusedMultiplyAdd(x9, b0, c90); c91 = Avx512F.FusedMultiplyAdd(x9, b1, c91);
            var x10 = Vector512.Create(*(float*)(q + 4 * row)); c100 = Avx512F.FusedMultiplyAdd(x10, b0, c100); c101 = Avx512F.FusedMultiplyAdd(x10, b1, c101);
            var x11 = Vector512.Create(*(float*)(q + row5)); c110 = Avx512F.FusedMultiplyAdd(x11, b0, c110); c111 = Avx512F.FusedMultiplyAdd(x11, b1, c111);
        }
        if (accumulate)
        {
            c00 += Vector512.Load(c + 0 * ldc); c01 += Vector512.Load(c + 0 * ldc + 16);
            c10 += Vector512.Load(c + 1 * ldc); c11 += Vector512.Load(c + 1 * ldc + 16);
            c20 += Vector512.Load(c + 2 * ldc); c21 += Vector512.Load(c + 2 * ldc + 16);
            c30 += Vector512.Load(c + 3 * ldc); c31 += Vector512.Load(c + 3 * ldc + 16);
            c40 += Vector512.Load(c + 4 * ldc); c41 += Vector512.Load(c + 4 * ldc + 16);
            c50 += Vector512.Load(c + 5 * ldc); c51 += Vector512.Load(c + 5 * ldc + 16);
            c60 += Vector512.Load(c + 6 * ldc); c61 += Vector512.Load(c + 6 * ldc + 16);
            c70 += Vector512.Load(c + 7 * ldc); c71 += Vector512.Load(c + 7 * ldc + 16);
            c80 += Vector512.Load(c + 8 * ldc); c81 += Vector512.Load(c + 8 * ldc + 16);
            c90 += Vector512.Load(c + 9 * ldc); c91 += Vector512.Load(c + 9 * ldc + 16);
            c100 += Vector512.Load(c + 10 * ldc); c101 += Vector512.Load(c + 10 * ldc + 16);
            c110 += Vector512.Load(c + 11 * ldc); c111 += Vector512.Load(c + 11 * ldc + 16);
        }
        c00.Store(c + 0 * ldc); c01.Store(c + 0 * ldc + 16);
        c10.Store(c + 1 * ldc); c11.Store(c + 1 * ldc + 16);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 16);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 16);
        c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 16);
        c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 16);
        c60.Store(c + 6 * ldc); c61.Store(c + 6 * ldc + 16);
        c70.Store(c + 7 * ldc); c71.Store(c + 7 * ldc + 16);
        c80.Store(c + 8 * ldc); c81.Store(c + 8 * ldc + 16);
        c90.Store(c + 9 * ldc); c91.Store(c + 9 * ldc + 16);
        c100.Store(c + 10 * ldc); c101.Store(c + 10 * ldc + 16);
        c110.Store(c + 11 * ldc); c111.Store(c + 11 * ldc + 16);
    }

    /// <summary>Vector256 + FMA: a 6×16 tile in 12 ymm accumulators.</summary>
    private static void Kernel256(float* a, int lda, int ldk, float* b, int ldb, int kc, float* c, int ldc, bool accumulate)
    {
        float* a0 = a, a1 = a + 1 * lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        float* a4 = a + 4 * lda, a5 = a + 5 * lda;
        long kStep = ldk;
        Vector256<float> c00 = Vector256<float>.Zero, c01 = Vector256<float>.Zero, c10 = Vector256<float>.Zero, c11 = Vector256<float>.Zero,
            c20 = Vector256<float>.Zero, c21 = Vector256<float>.Zero, c30 = Vector256<float>.Zero, c31 = Vector256<float>.Zero,
            c40 = Vector256<float>.Zero, c41 = Vector256<float>.Zero, c50 = Vector256<float>.Zero, c51 = Vector256<float>.Zero;
        long ak = 0;
        for (int k = 0; k < kc; k++, ak += kStep, b += ldb)
        {
            var b0 = Vector256.Load(b); var b1 = Vector256.Load(b + 8);
            var x0 = Vector256.Create(a0[ak]); c00 = Fma.MultiplyAdd(x0, b0, c00); c01 = Fma.MultiplyAdd(x0, b1, c01);
            var x1 = Vector256.Create(a1[ak]); c10 = Fma.MultiplyAdd(x1, b0, c10); c11 = Fma.MultiplyAdd(x1, b1, c11);
            var x2 = Vector256.Create(a2[ak]); c20 = Fma.MultiplyAdd(x2, b0, c20); c21 = Fma.MultiplyAdd(x2, b1, c21);
            var x3 = Vector256.Create(a3[ak]); c30 = Fma.MultiplyAdd(x3, b0, c30); c31 = Fma.MultiplyAdd(x3, b1, c31);
            var x4 = Vector256.Create(a4[ak]); c40 = Fma.MultiplyAdd(x4, b0, c40); c41 = Fma.MultiplyAdd(x4, b1, c41);
            var x5 = Vector256.Create(a5[ak]); c50 = Fma.MultiplyAdd(x5, b0, c50); c51 = Fma.MultiplyAdd(x5, b1, c51);
        }
        if (accumulate)
        {
            c00 += Vector256.Load(c + 0 * ldc); c01 += Vector256.Load(c + 0 * ldc + 8);
            c10 += Vector256.Load(c + 1 * ldc); c11 += Vector256.Load(c + 1 * ldc + 8);
            c20 += Vector256.Load(c + 2 * ldc); c21 += Vector256.Load(c + 2 * ldc + 8);
            c30 += Vector256.Load(c + 3 * ldc); c31 += Vector256.Load(c + 3 * ldc + 8);
            c40 += Vector256.Load(c + 4 * ldc); c41 += Vector256.Load(c + 4 * ldc + 8);
            c50 += Vector256.Load(c + 5 * ldc); c51 += Vector256.Load(c + 5 * ldc + 8);
        }
        c00.Store(c + 0 * ldc); c01.Store(c + 0 * ldc + 8);
        c10.Store(c + 1 * ldc); c11.Store(c + 1 * ldc + 8);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8);
        c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 8);
        c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 8);
    }

    /// <summary>Portable fallback: a 4×4 tile with a multiply and an add per term (no FMA assumed).</summary>
    private static void KernelScalar(float* a, int lda, int ldk, float* b, int ldb, int kc, float* c, int ldc, bool accumulate)
    {
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        long kStep = ldk;
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        long ak = 0;
        for (int k = 0; k < kc; k++, ak += kStep, b += ldb)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float x0 = a0[ak], x1 = a1[ak], x2 = a2[ak], x3 = a3[ak];
            c00 += x0 * b0; c01 += x0 * b1; c02 += x0 * b2; c03 += x0 * b3;
            c10 += x1 * b0; c11 += x1 * b1; c12 += x1 * b2; c13 += x1 * b3;
            c20 += x2 * b0; c21 += x2 * b1; c22 += x2 * b2; c23 += x2 * b3;
            c30 += x3 * b0; c31 += x3 * b1; c32 += x3 * b2; c33 += x3 * b3;
        }
        if (accumulate)
        {
            c00 += c[0]; c01 += c[1]; c02 += c[2]; c03 += c[3];
            c10 += c[ldc]; c11 += c[ldc + 1]; c12 += c[ldc + 2]; c13 += c[ldc + 3];
            c20 += c[2 * ldc]; c21 += c[2 * ldc + 1]; c22 += c[2 * ldc + 2]; c23 += c[2 * ldc + 3];
            c30 += c[3 * ldc]; c31 += c[3 * ldc + 1]; c32 += c[3 * ldc + 2]; c33 += c[3 * ldc + 3];
        }
        c[0] = c00; c[1] = c01; c[2] = c02; c[3] = c03;
        c[ldc] = c10; c[ldc + 1] = c11; c[ldc + 2] = c12; c[ldc + 3] = c13;
        c[2 * ldc] = c20; c[2 * ldc + 1] = c21; c[2 * ldc + 2] = c22; c[2 * ldc + 3] = c23;
        c[3 * ldc] = c30; c[3 * ldc + 1] = c31; c[3 * ldc + 2] = c32; c[3 * ldc + 3] = c33;
    }
}
