using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MiniTransformer.Compute.Cpu;

/// <summary>
/// GEMM microkernels: tile[r, c] = Σ_k a[k·MR + r]·b[k·NR + c] over packed panels (a: MR rows interleaved per k,
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

    public static void Run(CpuSimd simd, float* a, float* b, int kc, float* tile)
    {
        switch (simd)
        {
            case CpuSimd.Vector512: Kernel512(a, b, kc, tile); break;
            case CpuSimd.Vector256: Kernel256(a, b, kc, tile); break;
            default: KernelScalar(a, b, kc, tile); break;
        }
    }

    /// <summary>Vector512: a 12×32 tile, 24 accumulators in zmm registers; per k two B loads and 12 A broadcasts.</summary>
    private static void Kernel512(float* a, float* b, int kc, float* tile)
    {
        Vector512<float> c00 = Vector512<float>.Zero, c01 = Vector512<float>.Zero, c10 = Vector512<float>.Zero, c11 = Vector512<float>.Zero, c20 = Vector512<float>.Zero, c21 = Vector512<float>.Zero, c30 = Vector512<float>.Zero, c31 = Vector512<float>.Zero, c40 = Vector512<float>.Zero, c41 = Vector512<float>.Zero, c50 = Vector512<float>.Zero, c51 = Vector512<float>.Zero, c60 = Vector512<float>.Zero, c61 = Vector512<float>.Zero, c70 = Vector512<float>.Zero, c71 = Vector512<float>.Zero, c80 = Vector512<float>.Zero, c81 = Vector512<float>.Zero, c90 = Vector512<float>.Zero, c91 = Vector512<float>.Zero, c100 = Vector512<float>.Zero, c101 = Vector512<float>.Zero, c110 = Vector512<float>.Zero, c111 = Vector512<float>.Zero;
        for (int k = 0; k < kc; k++, a += MR512, b += NR512)
        {
            var b0 = Vector512.Load(b); var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00); c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10); c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20); c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30); c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40); c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50); c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60); c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70); c71 = Avx512F.FusedMultiplyAdd(a7, b1, c71);
            var a8 = Vector512.Create(a[8]); c80 = Avx512F.FusedMultiplyAdd(a8, b0, c80); c81 = Avx512F.FusedMultiplyAdd(a8, b1, c81);
            var a9 = Vector512.Create(a[9]); c90 = Avx512F.FusedMultiplyAdd(a9, b0, c90); c91 = Avx512F.FusedMultiplyAdd(a9, b1, c91);
            var a10 = Vector512.Create(a[10]); c100 = Avx512F.FusedMultiplyAdd(a10, b0, c100); c101 = Avx512F.FusedMultiplyAdd(a10, b1, c101);
            var a11 = Vector512.Create(a[11]); c110 = Avx512F.FusedMultiplyAdd(a11, b0, c110); c111 = Avx512F.FusedMultiplyAdd(a11, b1, c111);
        }
        c00.Store(tile + 0); c01.Store(tile + 16);
        c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80);
        c30.Store(tile + 96); c31.Store(tile + 112);
        c40.Store(tile + 128); c41.Store(tile + 144);
        c50.Store(tile + 160); c51.Store(tile + 176);
        c60.Store(tile + 192); c61.Store(tile + 208);
        c70.Store(tile + 224); c71.Store(tile + 240);
        c80.Store(tile + 256); c81.Store(tile + 272);
        c90.Store(tile + 288); c91.Store(tile + 304);
        c100.Store(tile + 320); c101.Store(tile + 336);
        c110.Store(tile + 352); c111.Store(tile + 368);
    }

    /// <summary>Vector256 + FMA: a 6×16 tile, 12 accumulators in ymm registers.</summary>
    private static void Kernel256(float* a, float* b, int kc, float* tile)
    {
        Vector256<float> c00 = Vector256<float>.Zero, c01 = Vector256<float>.Zero, c10 = Vector256<float>.Zero, c11 = Vector256<float>.Zero, c20 = Vector256<float>.Zero, c21 = Vector256<float>.Zero, c30 = Vector256<float>.Zero, c31 = Vector256<float>.Zero, c40 = Vector256<float>.Zero, c41 = Vector256<float>.Zero, c50 = Vector256<float>.Zero, c51 = Vector256<float>.Zero;
        for (int k = 0; k < kc; k++, a += MR256, b += NR256)
        {
            var b0 = Vector256.Load(b); var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(a0, b0, c00); c01 = Fma.MultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(a1, b0, c10); c11 = Fma.MultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(a2, b0, c20); c21 = Fma.MultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(a3, b0, c30); c31 = Fma.MultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(a4, b0, c40); c41 = Fma.MultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(a5, b0, c50); c51 = Fma.MultiplyAdd(a5, b1, c51);
        }
        c00.Store(tile + 0); c01.Store(tile + 8);
        c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40);
        c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72);
        c50.Store(tile + 80); c51.Store(tile + 88);
    }

    /// <summary>Portable fallback: a 4×4 tile with a multiply and an add per term (no FMA assumed).</summary>
    private static void KernelScalar(float* a, float* b, int kc, float* tile)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int k = 0; k < kc; k++, a += MRScalar, b += NRScalar)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
        tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
        tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
        tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
    }
}
