using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MiniTransformer.Compute.Cpu;

// GEMM with few rows against B stored N×K — C = α·A·Bᵀ with M ≤ 64, the linear layers of a decode step (a few
// sequences against weights stored [out, in]). The general path transposes all of B into packing space before any
// arithmetic; for so few rows that write and read-back of the whole weight matrix (15 MB a decode step) costs more
// than the arithmetic. Here B is read once, in place: for M ≤ 16 on AVX-512 without any transposition (GemmFewRows:
// Cᵀ = B·(αA)ᵀ, rows of B broadcast against a vector of A's rows); otherwise a task transposes one NR-column strip of
// B, one KC block at a time, into a buffer that stays in L1 and runs the microkernel over every MR-row strip of A.
// Every element's arithmetic is the general path's: α folded into A (rounded α·a), k ascending within a KC block in
// the microkernel's registers, blocks added into C in order, β and the epilogue applied alike — so a row's result
// depends neither on M, nor on which path computed it, nor on the thread count.
public sealed unsafe partial class CpuBackend
{
    /// <summary>Most rows of A the small-M path takes: up to here it beats transposing all of B up front.</summary>
    private const int SmallMMaxRows = 64;
    /// <summary>NR-column strips of B per task (one task: transpose a strip, run every A strip against it).</summary>
    private const int SmallMStripsPerTask = 2;

    /// <summary>Most rows of A the B-in-place path takes (one AVX-512 vector of rows).</summary>
    private const int FewRows = 16;
    /// <summary>16-row strips of B per task of the B-in-place path.</summary>
    private const int FewRowsStripsPerTask = 8;

    private static bool IsSmallM(in GemmSpec s) => s.TransB && !s.TransA && s.Batch == 1 && s.M <= SmallMMaxRows;

    private void GemmSmallM(in GemmSpec s, float* a, float* b, float* c, GemmEpilogue epilogue, float* bias, float* pre)
    {
        if (s.M <= FewRows && Simd == CpuSimd.Vector512)
        {
            GemmFewRows(s, a, b, c, epilogue, bias, pre);
            return;
        }
        int m = s.M, n = s.N, k = s.K;
        float beta = s.Beta;
        var simd = Simd;
        var (mr, nr) = GemmKernels.Tile(simd);
        int mStrips = (m + mr - 1) / mr, nStrips = (n + nr - 1) / nr;

        // α·A, rows past M zero to a whole number of strips: the microkernel reads it as rows of K (lda = K).
        float* packedA = Scratch((long)mStrips * mr * k);
        PackBlockA(packedA, a, m, k, s.Alpha, 0, mStrips * mr, 0, k, mr);

        bool parallel = 2.0 * m * n * k >= ParallelGemmFlops;
        For((nStrips + SmallMStripsPerTask - 1) / SmallMStripsPerTask, parallel, task =>
        {
            float* stripB = stackalloc float[KC * GemmKernels.NR512];
            float* tile = stackalloc float[GemmKernels.MR512 * GemmKernels.NR512];
            int tEnd = (int)Math.Min(nStrips, (task + 1) * SmallMStripsPerTask);
            for (int t = (int)task * SmallMStripsPerTask; t < tEnd; t++)
            {
                int j0 = t * nr, cols = Math.Min(nr, n - j0);
                for (int k0 = 0; k0 < k; k0 += KC)
                {
                    int kc = Math.Min(KC, k - k0);
                    bool first = k0 == 0, last = k0 + kc == k;
                    PackTransposedB(stripB, b + (long)j0 * k + k0, k, cols, kc, nr);
                    for (int i0 = 0; i0 < m; i0 += mr)
                    {
                        int rows = Math.Min(mr, m - i0);
                        long at = (long)i0 * n + j0;
                        ComputeTile(simd, packedA + (long)i0 * k + k0, k, 1, stripB, nr, kc, c + at, n, rows, cols, first, last, beta, tile,
                            epilogue, bias + j0, pre == null ? null : pre + at);
                    }
                }
            }
        });
    }

    /// <summary>
    /// M ≤ 16 on AVX-512: Cᵀ = B·(α·A)ᵀ, with B read in place, row by row, and α·Aᵀ packed as K vectors of 16 rows of
    /// A. Per k the kernel broadcasts one element of each of 16 rows of B and multiplies it into the vector of α·a[·, k]
    /// — no transposition of B at all, and no lanes wasted on rows past M beyond one vector. The element's arithmetic is
    /// still the general path's (FMA is exact before its one rounding, so fma(b, αa, acc) = fma(αa, b, acc)).
    /// </summary>
    private void GemmFewRows(in GemmSpec s, float* a, float* b, float* c, GemmEpilogue epilogue, float* bias, float* pre)
    {
        int m = s.M, n = s.N, k = s.K;
        float alpha = s.Alpha, beta = s.Beta;
        float* packedA = Scratch((long)k * FewRows);
        for (int kk = 0; kk < k; kk++)
            for (int i = 0; i < FewRows; i++) packedA[(long)kk * FewRows + i] = i < m ? alpha * a[(long)i * k + kk] : 0f;

        int strips = (n + FewRows - 1) / FewRows;
        bool parallel = 2.0 * m * n * k >= ParallelGemmFlops;
        For((strips + FewRowsStripsPerTask - 1) / FewRowsStripsPerTask, parallel, task =>
        {
            float* tile = stackalloc float[FewRows * FewRows];
            int end = (int)Math.Min(strips, (task + 1) * FewRowsStripsPerTask);
            for (int strip = (int)task * FewRowsStripsPerTask; strip < end; strip++)
            {
                int j0 = strip * FewRows, cols = Math.Min(FewRows, n - j0);
                for (int k0 = 0; k0 < k; k0 += KC)
                {
                    int kc = Math.Min(KC, k - k0);
                    bool first = k0 == 0;
                    FewRowsKernel(b + (long)j0 * k + k0, k, cols, packedA + (long)k0 * FewRows, kc, tile);
                    // tile[col·16 + row] holds C[row, j0 + col] of this K block; into C as the general path's MergeTile.
                    for (int i = 0; i < m; i++)
                    {
                        float* cr = c + (long)i * n + j0;
                        for (int col = 0; col < cols; col++)
                        {
                            float t = tile[col * FewRows + i];
                            cr[col] = !first ? cr[col] + t : beta != 0f ? beta * cr[col] + t : t;
                        }
                    }
                }
                if (epilogue != GemmEpilogue.None)
                    ApplyEpilogue(c + j0, n, m, cols, epilogue, bias + j0, pre == null ? null : pre + j0);
            }
        });
    }

    /// <summary>
    /// tile[r·16 + i] = Σ_k b[r·ldb + k]·x[k·16 + i] for 16 rows r of B (rows past <paramref name="rows"/> repeat the
    /// last one, so nothing past B is read) over a K block, k ascending, one FMA per term from zero.
    /// </summary>
    private static void FewRowsKernel(float* b, int ldb, int rows, float* x, int kc, float* tile)
    {
        long ld = ldb;
        float* b0 = b, b1 = b + Math.Min(1, rows - 1) * ld, b2 = b + Math.Min(2, rows - 1) * ld, b3 = b + Math.Min(3, rows - 1) * ld;
        float* b4 = b + Math.Min(4, rows - 1) * ld, b5 = b + Math.Min(5, rows - 1) * ld, b6 = b + Math.Min(6, rows - 1) * ld, b7 = b + Math.Min(7, rows - 1) * ld;
        float* b8 = b + Math.Min(8, rows - 1) * ld, b9 = b + Math.Min(9, rows - 1) * ld, b10 = b + Math.Min(10, rows - 1) * ld, b11 = b + Math.Min(11, rows - 1) * ld;
        float* b12 = b + Math.Min(12, rows - 1) * ld, b13 = b + Math.Min(13, rows - 1) * ld, b14 = b + Math.Min(14, rows - 1) * ld, b15 = b + Math.Min(15, rows - 1) * ld;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default,
            c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        for (int kk = 0; kk < kc; kk++)
        {
            var v = Vector512.Load(x + kk * FewRows);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(b0[kk]), v, c0); c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(b1[kk]), v, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(b2[kk]), v, c2); c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(b3[kk]), v, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(b4[kk]), v, c4); c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(b5[kk]), v, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(b6[kk]), v, c6); c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(b7[kk]), v, c7);
            c8 = Avx512F.FusedMultiplyAdd(Vector512.Create(b8[kk]), v, c8); c9 = Avx512F.FusedMultiplyAdd(Vector512.Create(b9[kk]), v, c9);
            c10 = Avx512F.FusedMultiplyAdd(Vector512.Create(b10[kk]), v, c10); c11 = Avx512F.FusedMultiplyAdd(Vector512.Create(b11[kk]), v, c11);
            c12 = Avx512F.FusedMultiplyAdd(Vector512.Create(b12[kk]), v, c12); c13 = Avx512F.FusedMultiplyAdd(Vector512.Create(b13[kk]), v, c13);
            c14 = Avx512F.FusedMultiplyAdd(Vector512.Create(b14[kk]), v, c14); c15 = Avx512F.FusedMultiplyAdd(Vector512.Create(b15[kk]), v, c15);
        }
        c0.Store(tile); c1.Store(tile + 16); c2.Store(tile + 32); c3.Store(tile + 48);
        c4.Store(tile + 64); c5.Store(tile + 80); c6.Store(tile + 96); c7.Store(tile + 112);
        c8.Store(tile + 128); c9.Store(tile + 144); c10.Store(tile + 160); c11.Store(tile + 176);
        c12.Store(tile + 192); c13.Store(tile + 208); c14.Store(tile + 224); c15.Store(tile + 240);
    }
}
