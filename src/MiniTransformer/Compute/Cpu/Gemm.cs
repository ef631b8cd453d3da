using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MiniTransformer.Compute.Cpu;

// Cache-blocked, register-tiled GEMM (the GotoBLAS/BLIS structure): op(A) is packed into MR-row strips (with α
// folded in) and op(B) into NR-column strips, each strip holding all of K and zero-padded to whole tiles; tasks of MBlock×NBlock strips then walk K in blocks of KC so one B strip (KC×NR) stays in L1 while the A
// strips of the block stream from L2. Each output element's K-sum runs k = 0, 1, …, K−1 — within a KC block in
// the microkernel's registers, across KC blocks by adding into C — whatever the thread count or task split.
public sealed unsafe partial class CpuBackend
{
    private const int KC = 256;
    private const int MBlockStrips = 4, NBlockStrips = 8, TasksPerThread = 16;
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

        // A stored transposed is packed by K blocks (each job reads whole rows of A); otherwise by strips.
        int kBlocks = (k + KC - 1) / KC, jobsPerPackA = transA ? kBlocks : mStrips;
        For(packsA * jobsPerPackA + packsB * nStrips, parallel, job =>
        {
            if (job < packsA * jobsPerPackA)
            {
                long p = job / jobsPerPackA; int part = (int)(job % jobsPerPackA);
                if (transA) PackTransposedA(pa + p * panelA, srcA + p * strideA, m, k, alpha, part * KC, mr, mStrips);
                else PackA(pa + p * panelA + (long)part * mr * k, srcA + p * strideA, m, k, alpha, part * mr, mr);
            }
            else
            {
                job -= packsA * jobsPerPackA;
                long p = job / nStrips; int strip = (int)(job % nStrips);
                PackB(pb + p * panelB + (long)strip * nr * k, srcB + p * strideB, n, k, transB, strip * nr, nr);
            }
        });

        // Tasks: an N block × a group of M blocks. Inside a task the KC×NC block of B stays in L2 while the group's
        // A blocks pass through it; groups are only as small as needed to give every thread a few tasks.
        int mBlocks = (mStrips + MBlockStrips - 1) / MBlockStrips, nBlocks = (nStrips + NBlockStrips - 1) / NBlockStrips;
        int mGroups = Math.Clamp((TasksPerThread * Threads + batch * nBlocks - 1) / (batch * nBlocks), 1, mBlocks);
        For((long)batch * mGroups * nBlocks, parallel, task =>
        {
            int bi = (int)(task / (mGroups * nBlocks)), block = (int)(task % (mGroups * nBlocks));
            int group = block / nBlocks, nb = block % nBlocks;
            float* panelsA = pa + (strideA == 0 ? 0 : bi * panelA), panelsB = pb + (strideB == 0 ? 0 : bi * panelB);
            float* cBatch = dstC + bi * strideC, preBatch = prePtr == null ? null : prePtr + bi * strideC;
            int mbBegin = (int)((long)group * mBlocks / mGroups), mbEnd = (int)((long)(group + 1) * mBlocks / mGroups);
            int tEnd = Math.Min(nStrips, (nb + 1) * NBlockStrips);
            float* tile = stackalloc float[GemmKernels.MR512 * GemmKernels.NR512];
            for (int k0 = 0; k0 < k; k0 += KC)
            {
                int kc = Math.Min(KC, k - k0);
                bool first = k0 == 0, last = k0 + kc == k;
                for (int mb = mbBegin; mb < mbEnd; mb++)
                for (int t = nb * NBlockStrips; t < tEnd; t++)
                {
                    int j0 = t * nr, cols = Math.Min(nr, n - j0);
                    float* stripB = panelsB + (long)t * nr * k + (long)k0 * nr;
                    int sEnd = Math.Min(mStrips, (mb + 1) * MBlockStrips);
                    for (int strip = mb * MBlockStrips; strip < sEnd; strip++)
                    {
                        int i0 = strip * mr, rows = Math.Min(mr, m - i0);
                        float* blockA = panelsA + (long)strip * mr * k + (long)k0 * mr;
                        int lda = transA ? 1 : kc, kStep = transA ? mr : 1;
                        long at = (long)i0 * n + j0;
                        float* cTile = cBatch + at;
                        if (rows == mr && cols == nr)
                        {
                            // Whole tile: straight from the registers into C.
                            if (first && beta != 0f && beta != 1f) ScaleTile(cTile, n, rows, cols, beta);
                            GemmKernels.Run(simd, blockA, lda, kStep, stripB, kc, cTile, n, accumulate: !first || beta != 0f);
                        }
                        else
                        {
                            GemmKernels.Run(simd, blockA, lda, kStep, stripB, kc, tile, nr, accumulate: false);
                            MergeTile(tile, nr, cTile, n, rows, cols, first, beta);
                        }
                        if (last && epilogue != GemmEpilogue.None)
                            ApplyEpilogue(cTile, n, rows, cols, epilogue, biasPtr + j0, preBatch == null ? null : preBatch + at);
                    }
                }
            }
        });
    }

    /// <summary>
    /// Strip of MR rows of α·A, A row-major (M×K), zero rows past M, in KC blocks (block at k0·MR) holding the rows
    /// one after another (element [r·kc + k]): plain copies, no transpose.
    /// </summary>
    private static void PackA(float* dst, float* a, int m, int k, float alpha, int i0, int mr)
    {
        int rows = Math.Min(mr, m - i0);
        for (int k0 = 0; k0 < k; k0 += KC)
        {
            int kc = Math.Min(KC, k - k0);
            float* block = dst + (long)k0 * mr;
            for (int r = 0; r < mr; r++)
            {
                if (r < rows) ScaleCopy(a + (long)(i0 + r) * k + k0, block + r * kc, kc, alpha);
                else new Span<float>(block + r * kc, kc).Clear();
            }
        }
    }

    /// <summary>
    /// K block [k0, k0 + KC) of every MR-row strip of α·Aᵀ, A stored K×M: each row of A (one k) is read once and
    /// split into the strips' MR contiguous values for that k (element [k·MR + r] of the strip's block).
    /// </summary>
    private static void PackTransposedA(float* dst, float* a, int m, int k, float alpha, int k0, int mr, int mStrips)
    {
        int kc = Math.Min(KC, k - k0);
        for (int kk = 0; kk < kc; kk++)
        {
            float* src = a + (long)(k0 + kk) * m;
            for (int strip = 0; strip < mStrips; strip++)
            {
                int i0 = strip * mr, rows = Math.Min(mr, m - i0);
                float* d = dst + (long)strip * mr * k + (long)k0 * mr + kk * mr;
                ScaleCopy(src + i0, d, rows, alpha);
                for (int r = rows; r < mr; r++) d[r] = 0f;
            }
        }
    }

    /// <summary>Strip of NR columns of op(B) over all K: dst[k·NR + c], columns past N zero.</summary>
    private static void PackB(float* dst, float* b, int n, int k, bool trans, int j0, int nr)
    {
        int cols = Math.Min(nr, n - j0);
        if (!trans)
        {
            for (int kk = 0; kk < k; kk++)
            {
                float* d = dst + (long)kk * nr;
                ScaleCopy(b + (long)kk * n + j0, d, cols, 1f);
                for (int c = cols; c < nr; c++) d[c] = 0f;
            }
            return;
        }
        // B stored N×K: a transpose. Whole 8×8 blocks go through AVX registers; the rest element by element.
        int kk8 = 0;
        if (Avx.IsSupported && cols == nr && nr % 8 == 0)
        {
            for (; kk8 + 8 <= k; kk8 += 8)
                for (int c = 0; c < nr; c += 8)
                    Transpose8x8(b + (long)(j0 + c) * k + kk8, k, dst + (long)kk8 * nr + c, nr);
        }
        for (int c = 0; c < nr; c++)
        {
            float* src = b + (long)(j0 + c) * k, d = dst + c;
            if (c < cols)
                for (int kk = kk8; kk < k; kk++) d[(long)kk * nr] = src[kk];
            else
                for (int kk = kk8; kk < k; kk++) d[(long)kk * nr] = 0f;
        }
    }

    /// <summary>dst[i·ldd + j] = src[j·lds + i] for an 8×8 block: unpack, shuffle, then swap 128-bit halves.</summary>
    private static void Transpose8x8(float* src, int lds, float* dst, int ldd)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + 2 * lds); var r3 = Avx.LoadVector256(src + 3 * lds);
        var r4 = Avx.LoadVector256(src + 4 * lds); var r5 = Avx.LoadVector256(src + 5 * lds);
        var r6 = Avx.LoadVector256(src + 6 * lds); var r7 = Avx.LoadVector256(src + 7 * lds);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>dst[i] = alpha·src[i]; short runs (the MR values per k of a transposed A) in 8- and 4-wide steps.</summary>
    private static void ScaleCopy(float* src, float* dst, int n, float alpha)
    {
        int i = 0;
        for (; i + 16 <= n; i += 16) (Vector512.Create(alpha) * Vector512.Load(src + i)).Store(dst + i);
        if (i + 8 <= n)
        {
            (Vector256.Create(alpha) * Vector256.Load(src + i)).Store(dst + i);
            i += 8;
        }
        if (i + 4 <= n)
        {
            (Vector128.Create(alpha) * Vector128.Load(src + i)).Store(dst + i);
            i += 4;
        }
        for (; i < n; i++) dst[i] = alpha * src[i];
    }

    /// <summary>C = β·C before the first K block is added to it (rounded as β·C + Σ).</summary>
    private static void ScaleTile(float* c, int ldc, int rows, int cols, float beta)
    {
        for (int r = 0; r < rows; r++)
        {
            float* cr = c + (long)r * ldc;
            int j = 0;
            for (; j + 16 <= cols; j += 16) (Vector512.Create(beta) * Vector512.Load(cr + j)).Store(cr + j);
            for (; j < cols; j++) cr[j] *= beta;
        }
    }

    /// <summary>
    /// An edge tile (computed whole into <paramref name="tile"/>) goes into C: the first K block writes β·C + tile
    /// (never reading C when β = 0), later blocks add.
    /// </summary>
    private static void MergeTile(float* tile, int ldt, float* c, int ldc, int rows, int cols, bool first, float beta)
    {
        for (int r = 0; r < rows; r++)
        {
            float* t = tile + r * ldt, cr = c + (long)r * ldc;
            for (int j = 0; j < cols; j++)
                cr[j] = !first ? cr[j] + t[j] : beta != 0f ? beta * cr[j] + t[j] : t[j];
        }
    }

    /// <summary>After the last K block: C += bias; for GELU also pre = C, C = GELU(pre). The tile is still in L1.</summary>
    private static void ApplyEpilogue(float* c, int ldc, int rows, int cols, GemmEpilogue epilogue, float* bias, float* pre)
    {
        bool gelu = epilogue == GemmEpilogue.BiasGelu;
        for (int r = 0; r < rows; r++)
        {
            float* cr = c + (long)r * ldc, pr = gelu ? pre + (long)r * ldc : null;
            int j = 0;
            for (; j + 16 <= cols; j += 16)
            {
                var v = Vector512.Load(cr + j) + Vector512.Load(bias + j);
                if (gelu)
                {
                    v.Store(pr + j);
                    v = Gelu.Forward(v);
                }
                v.Store(cr + j);
            }
            for (; j < cols; j++)
            {
                float v = cr[j] + bias[j];
                if (gelu)
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
