using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

// Cache-blocked, register-tiled GEMM (the GotoBLAS/BLIS structure): op(A) is packed into MR-row strips (with α
// folded in) and op(B) into NR-column strips, each strip holding all of K contiguously and zero-padded to whole
// tiles; tasks of MBlock×NBlock strips then walk K in blocks of KC so one B strip (KC×NR) stays in L1 while the A
// strips of the block stream from L2. Each output element's K-sum runs k = 0, 1, …, K−1 — within a KC block in
// the microkernel's registers, across KC blocks by adding into C — whatever the thread count or task split.
public sealed unsafe partial class CpuBackend
{
    private const int KC = 256;
    private const int MBlockStrips = 8, NBlockStrips = 8;
    /// <summary>Below this many FLOPs a GEMM runs on the calling thread: fan-out would cost more than it saves.</summary>
    private const long ParallelGemmFlops = 1L << 21;

    private float* _scratch;
    private long _scratchLength;

    protected override void GemmCore(in GemmSpec s, DeviceSlice<float> a, DeviceSlice<float> b, DeviceSlice<float> c,
        GemmEpilogue epilogue, DeviceSlice<float>? bias, DeviceSlice<float>? preActivation)
    {
        int m = s.M, n = s.N, k = s.K, batch = s.Batch;
        bool transA = s.TransA, transB = s.TransB;
        float alpha = s.Alpha, beta = s.Beta;
        long strideA = s.BatchStrideA, strideB = s.BatchStrideB, strideC = s.BatchStrideC;
        var simd = Simd;
        var (mr, nr) = GemmKernels.Tile(simd);
        int mStrips = (m + mr - 1) / mr, nStrips = (n + nr - 1) / nr;
        int packsA = strideA == 0 ? 1 : batch, packsB = strideB == 0 ? 1 : batch;
        long panelA = (long)mStrips * mr * k, panelB = (long)nStrips * nr * k;
        float* pa = Scratch(packsA * panelA + packsB * panelB), pb = pa + packsA * panelA;
        float* srcA = Ptr(a), srcB = Ptr(b), dstC = Ptr(c);
        float* biasPtr = bias is { } bs ? Ptr(bs) : null, prePtr = preActivation is { } ps ? Ptr(ps) : null;
        bool parallel = 2.0 * m * n * k * batch >= ParallelGemmFlops;

        For(packsA * mStrips + packsB * nStrips, parallel, job =>
        {
            if (job < packsA * mStrips)
            {
                long p = job / mStrips; int strip = (int)(job % mStrips);
                PackA(pa + p * panelA + (long)strip * mr * k, srcA + p * strideA, m, k, transA, alpha, strip * mr, mr);
            }
            else
            {
                job -= packsA * mStrips;
                long p = job / nStrips; int strip = (int)(job % nStrips);
                PackB(pb + p * panelB + (long)strip * nr * k, srcB + p * strideB, n, k, transB, strip * nr, nr);
            }
        });

        int mBlocks = (mStrips + MBlockStrips - 1) / MBlockStrips, nBlocks = (nStrips + NBlockStrips - 1) / NBlockStrips;
        For((long)batch * mBlocks * nBlocks, parallel, task =>
        {
            int bi = (int)(task / (mBlocks * nBlocks)), block = (int)(task % (mBlocks * nBlocks));
            int mb = block / nBlocks, nb = block % nBlocks;
            float* panelsA = pa + (strideA == 0 ? 0 : bi * panelA), panelsB = pb + (strideB == 0 ? 0 : bi * panelB);
            float* cBatch = dstC + bi * strideC, preBatch = prePtr == null ? null : prePtr + bi * strideC;
            int sEnd = Math.Min(mStrips, (mb + 1) * MBlockStrips), tEnd = Math.Min(nStrips, (nb + 1) * NBlockStrips);
            float* tile = stackalloc float[GemmKernels.MR512 * GemmKernels.NR512];
            for (int k0 = 0; k0 < k; k0 += KC)
            {
                int kc = Math.Min(KC, k - k0);
                bool first = k0 == 0, last = k0 + kc == k;
                for (int t = nb * NBlockStrips; t < tEnd; t++)
                {
                    int j0 = t * nr, cols = Math.Min(nr, n - j0);
                    float* stripB = panelsB + (long)t * nr * k + (long)k0 * nr;
                    for (int strip = mb * MBlockStrips; strip < sEnd; strip++)
                    {
                        int i0 = strip * mr, rows = Math.Min(mr, m - i0);
                        GemmKernels.Run(simd, panelsA + (long)strip * mr * k + (long)k0 * mr, stripB, kc, tile);
                        long at = (long)i0 * n + j0;
                        StoreTile(tile, nr, cBatch + at, n, rows, cols, first, beta,
                            last ? epilogue : GemmEpilogue.None, biasPtr == null ? null : biasPtr + j0,
                            preBatch == null ? null : preBatch + at);
                    }
                }
            }
        });
    }

    /// <summary>Strip of MR rows of α·op(A) over all K: dst[k·MR + r], rows past M zero.</summary>
    private static void PackA(float* dst, float* a, int m, int k, bool trans, float alpha, int i0, int mr)
    {
        int rows = Math.Min(mr, m - i0);
        if (trans)
        {
            for (int kk = 0; kk < k; kk++)
            {
                float* src = a + (long)kk * m + i0, d = dst + (long)kk * mr;
                for (int r = 0; r < rows; r++) d[r] = alpha * src[r];
                for (int r = rows; r < mr; r++) d[r] = 0f;
            }
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            float* src = a + (long)(i0 + r) * k, d = dst + r;
            for (int kk = 0; kk < k; kk++) d[(long)kk * mr] = alpha * src[kk];
        }
        for (int r = rows; r < mr; r++)
            for (int kk = 0; kk < k; kk++) dst[(long)kk * mr + r] = 0f;
    }

    /// <summary>Strip of NR columns of op(B) over all K: dst[k·NR + c], columns past N zero.</summary>
    private static void PackB(float* dst, float* b, int n, int k, bool trans, int j0, int nr)
    {
        int cols = Math.Min(nr, n - j0);
        if (trans)
        {
            for (int c = 0; c < cols; c++)
            {
                float* src = b + (long)(j0 + c) * k, d = dst + c;
                for (int kk = 0; kk < k; kk++) d[(long)kk * nr] = src[kk];
            }
            for (int c = cols; c < nr; c++)
                for (int kk = 0; kk < k; kk++) dst[(long)kk * nr + c] = 0f;
            return;
        }
        for (int kk = 0; kk < k; kk++)
        {
            float* src = b + (long)kk * n + j0, d = dst + (long)kk * nr;
            new ReadOnlySpan<float>(src, cols).CopyTo(new Span<float>(d, cols));
            for (int c = cols; c < nr; c++) d[c] = 0f;
        }
    }

    /// <summary>
    /// Adds one K block's tile into C: the first block writes β·C + tile (never reading C when β = 0), later blocks
    /// add; the last block applies the epilogue (bias, then GELU with the pre-activation saved).
    /// </summary>
    private static void StoreTile(float* tile, int ldt, float* c, int ldc, int rows, int cols, bool first, float beta,
        GemmEpilogue epilogue, float* bias, float* pre)
    {
        for (int r = 0; r < rows; r++)
        {
            float* t = tile + r * ldt, cr = c + (long)r * ldc, pr = pre == null ? null : pre + (long)r * ldc;
            int j = 0;
            for (; j + 16 <= cols; j += 16)
            {
                var v = Vector512.Load(t + j);
                if (!first) v += Vector512.Load(cr + j);
                else if (beta != 0f) v += Vector512.Create(beta) * Vector512.Load(cr + j);
                if (epilogue != GemmEpilogue.None) v += Vector512.Load(bias + j);
                if (epilogue == GemmEpilogue.BiasGelu)
                {
                    v.Store(pr + j);
                    v = Gelu.Forward(v);
                }
                v.Store(cr + j);
            }
            for (; j < cols; j++)
            {
                float v = t[j];
                if (!first) v += cr[j];
                else if (beta != 0f) v += beta * cr[j];
                if (epilogue != GemmEpilogue.None) v += bias[j];
                if (epilogue == GemmEpilogue.BiasGelu)
                {
                    pr[j] = v;
                    v = Gelu.Forward(v);
                }
                cr[j] = v;
            }
        }
    }

    /// <summary>Packing space for GEMM, kept between calls (ops on one backend run one at a time, in order).</summary>
    private float* Scratch(long floats)
    {
        if (floats > _scratchLength)
        {
            NativeMemory.AlignedFree(_scratch);
            _scratch = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
            _scratchLength = floats;
        }
        return _scratch;
    }

    public override void Dispose()
    {
        NativeMemory.AlignedFree(_scratch);
        _scratch = null;
        _scratchLength = 0;
        base.Dispose();
    }
}
