using System.Runtime.Intrinsics.X86;

namespace MiniTransformer.Compute.Cpu;

// GEMM with few rows against B stored N×K — C = α·A·Bᵀ with M ≤ 64, the linear layers of a decode step (a few
// sequences against weights stored [out, in]). The general path transposes all of B into packing space before any
// arithmetic; for so few rows that write and read-back of the whole weight matrix (15 MB a decode step) costs more
// than the arithmetic. Here a task transposes one NR-column strip of B, one KC block at a time, into a buffer that
// stays in L1 and runs the microkernel over every MR-row strip of A against it, so B is read once, in place.
// Every element's arithmetic is the general path's: α folded into A (rounded α·a), k ascending within a KC block in
// the microkernel's registers, blocks added into C in order, β and the epilogue applied alike — so a row's result
// depends neither on M, nor on which path computed it, nor on the thread count.
public sealed unsafe partial class CpuBackend
{
    /// <summary>Most rows of A the small-M path takes: up to here it beats transposing all of B up front.</summary>
    private const int SmallMMaxRows = 64;
    /// <summary>NR-column strips of B per task (one task: transpose a strip, run every A strip against it).</summary>
    private const int SmallMStripsPerTask = 2;

    private static bool IsSmallM(in GemmSpec s) => s.TransB && !s.TransA && s.Batch == 1 && s.M <= SmallMMaxRows;

    private void GemmSmallM(in GemmSpec s, float* a, float* b, float* c, GemmEpilogue epilogue, float* bias, float* pre)
    {
        int m = s.M, n = s.N, k = s.K;
        float beta = s.Beta;
        var simd = Simd;
        var (mr, nr) = GemmKernels.Tile(simd);
        int mStrips = (m + mr - 1) / mr, nStrips = (n + nr - 1) / nr;

        // α·A, rows past M zero to a whole number of strips: the microkernel reads it as rows of K (lda = K).
        float* packedA = Scratch((long)mStrips * mr * k);
        for (int i = 0; i < mStrips * mr; i++)
        {
            if (i < m) ScaleCopy(a + (long)i * k, packedA + (long)i * k, k, s.Alpha);
            else new Span<float>(packedA + (long)i * k, k).Clear();
        }

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
                    TransposeStrip(stripB, b + (long)j0 * k + k0, k, cols, kc, nr);
                    for (int i0 = 0; i0 < m; i0 += mr)
                    {
                        int rows = Math.Min(mr, m - i0);
                        float* blockA = packedA + (long)i0 * k + k0, cTile = c + (long)i0 * n + j0;
                        if (rows == mr && cols == nr)
                        {
                            if (first && beta != 0f && beta != 1f) ScaleTile(cTile, n, rows, cols, beta);
                            GemmKernels.Run(simd, blockA, k, 1, stripB, nr, kc, cTile, n, accumulate: !first || beta != 0f);
                        }
                        else
                        {
                            GemmKernels.Run(simd, blockA, k, 1, stripB, nr, kc, tile, nr, accumulate: false);
                            MergeTile(tile, nr, cTile, n, rows, cols, first, beta);
                        }
                        if (last && epilogue != GemmEpilogue.None)
                            ApplyEpilogue(cTile, n, rows, cols, epilogue, bias + j0, pre == null ? null : pre + (long)i0 * n + j0);
                    }
                }
            }
        });
    }

    /// <summary>
    /// dst[kk·NR + col] = b[col·ldb + kk] for kk &lt; kc: a K block of NR rows of B (columns of Bᵀ) laid out as the
    /// microkernel's B strip, columns past <paramref name="cols"/> zero.
    /// </summary>
    private static void TransposeStrip(float* dst, float* b, int ldb, int cols, int kc, int nr)
    {
        int kk8 = 0;
        if (Avx.IsSupported && cols == nr && nr % 8 == 0)
            for (; kk8 + 8 <= kc; kk8 += 8)
                for (int col = 0; col < nr; col += 8)
                    Transpose8x8(b + (long)col * ldb + kk8, ldb, dst + kk8 * nr + col, nr);
        for (int col = 0; col < nr; col++)
        {
            float* src = b + (long)col * ldb;
            for (int kk = kk8; kk < kc; kk++) dst[kk * nr + col] = col < cols ? src[kk] : 0f;
        }
    }
}
