using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MiniTransformer.Compute.Cpu;

// Cache-blocked, register-tiled GEMM (the GotoBLAS/BLIS structure): the microkernel computes an MR×NR tile over one
// K block of KC from MR-row strips of op(A) and NR-column strips of op(B) — read in place where the operand's layout
// allows, otherwise packed (B up front, zero-padded to whole strips; A block by block inside the task that uses it,
// k-major or after an up-front transposition when A is stored K×M).
// Tasks are an N block × a group of A strips. Each output element's K-sum runs k = 0, 1, …, K−1 — within a KC block
// in the microkernel's registers, across KC blocks by adding into C — whatever the thread count or task split.
public sealed unsafe partial class CpuBackend
{
    private const int KC = 256;
    private const int MBlockStrips = 4, NBlockStrips = 8, TasksPerThread = 16, MinTasksPerThread = 4, MinGroupStrips = 6;
    /// <summary>Below this many FLOPs a GEMM runs on the calling thread: fan-out would cost more than it saves.</summary>
    private const long ParallelGemmFlops = 1L << 21;
    /// <summary>Widest B stored K×N that the microkernel reads in place (see GemmCore).</summary>
    private const int DirectBMaxColumns = 384;
    /// <summary>Widest C for which A stored K×M is packed inside the tasks, all N in one block (see GemmCore).</summary>
    private const int PackedTransposedAMaxColumns = 512;
    /// <summary>Rows of A stored K×M that one job transposes (see GemmCore).</summary>
    private const int TransposeRowsPerJob = 64;

    private float* _scratch;
    private long _scratchLength;

    protected override void GemmCore(in GemmSpec s, DeviceSlice<float> a, DeviceSlice<float> b, DeviceSlice<float> c,
        GemmEpilogue epilogue, DeviceSlice<float>? bias, DeviceSlice<float>? preActivation)
    {
        if (IsSmallM(s))
        {
            GemmSmallM(s, Ptr(a), Ptr(b), Ptr(c), epilogue, bias is { } sb ? Ptr(sb) : null, preActivation is { } sp ? Ptr(sp) : null);
            return;
        }
        int m = s.M, n = s.N, k = s.K, batch = s.Batch;
        bool transA = s.TransA, transB = s.TransB;
        float alpha = s.Alpha, beta = s.Beta;
        long strideA = s.BatchStrideA, strideB = s.BatchStrideB, strideC = s.BatchStrideC;
        var simd = Simd;
        var (mr, nr) = GemmKernels.Tile(simd);
        int mStrips = (m + mr - 1) / mr, nStrips = (n + nr - 1) / nr;
        // A stored K×M (the weight gradients, K = tokens) is packed k-major inside the tasks when all of N fits one
        // N block and A is the larger operand; otherwise it is transposed up front (see below).
        bool packTransposedA = transA && n <= PackedTransposedAMaxColumns && n <= m, transposeA = transA && !packTransposedA;
        int packsB = strideB == 0 ? 1 : batch, packsA = !transposeA ? 0 : strideA == 0 ? 1 : batch;
        long panelB = (long)nStrips * nr * k, sizeA = (long)m * k;
        float* pb = Scratch(packsB * panelB + packsA * sizeA), at = pb + packsB * panelB;
        float* srcA = Ptr(a), srcB = Ptr(b), dstC = Ptr(c);
        float* biasPtr = bias is { } bs ? Ptr(bs) : null, prePtr = preActivation is { } ps ? Ptr(ps) : null;
        bool parallel = 2.0 * m * n * k * batch >= ParallelGemmFlops;

        // Whole strips are read in place where the layout allows it without cache trouble: A stored M×K when there is
        // no α to fold in (row i of a strip at a[i·K + k]), and B stored K×N when its rows are short (b[k·N + j]; rows
        // of 512+ floats put a strip's lines in a few L1 sets). Everything else is packed: B up front (shared by every
        // task), A block by block inside the task that uses it, so a packed A block is still in L1/L2 when it is read
        // (packing all of A up front cost a write and a read-back of data larger than the caches: 10–50 % of the time
        // of the long-K and weight-gradient shapes).
        // A stored K×M: per k a strip's MR values lie side by side in a row of A, so a task packs its block k-major
        // (the kernel reads element (r, k) at r + k·MR), one run of a row per k. That reads A from memory once per N
        // block, so it is used only with all of N in one block (≤ 512 columns, a 512 KB block of B in L2), where it
        // replaces a separate up-front pass over A. With N > M as well (few-row weight gradients, e.g. 128×512×1,600)
        // the one N block would be shared by more A groups, each streaming the larger B from L3 (6 % slower than two
        // N blocks). Otherwise A is transposed to M×K up front, whole, with 8×8 register transposes reading 8 rows at a
        // time front to back, then read in place like any A stored M×K (α folded in).
        int directStripsA = (alpha == 1f && !transA) || transposeA ? m / mr : 0, directStripsB = transB || n > DirectBMaxColumns ? 0 : n / nr;
        int packedStripsB = nStrips - directStripsB;
        // B stored K×N is packed by K blocks (each job reads whole rows of B, sequentially); Bᵀ strip by strip.
        int kBlocks = (k + KC - 1) / KC, jobsPerPackB = packedStripsB == 0 ? 0 : transB ? packedStripsB : kBlocks;
        int jobsPerTransposeA = (k + TransposeRowsPerJob - 1) / TransposeRowsPerJob;
        For(packsB * jobsPerPackB + packsA * jobsPerTransposeA, parallel, job =>
        {
            if (job >= packsB * jobsPerPackB)
            {
                long t = job - packsB * jobsPerPackB, pA = t / jobsPerTransposeA;
                int k0 = (int)(t % jobsPerTransposeA) * TransposeRowsPerJob;
                TransposeRows(srcA + pA * strideA, at + pA * sizeA, m, k, k0, Math.Min(k, k0 + TransposeRowsPerJob), alpha);
                return;
            }
            long p = job / jobsPerPackB; int part = (int)(job % jobsPerPackB);
            if (transB)
            {
                int strip = directStripsB + part;
                PackTransposedB(pb + p * panelB + (long)strip * nr * k, srcB + p * strideB + (long)strip * nr * k, k, Math.Min(nr, n - strip * nr), k, nr);
            }
            else PackRowsB(pb + p * panelB, srcB + p * strideB, n, k, part * KC, Math.Min(KC, k - part * KC), directStripsB, nStrips, nr);
        });

        // Tasks: an N block × a group of A strips. Inside a task the KC×NC block of B stays in L2 while the group's
        // A blocks pass through it; groups are only as small as needed to give every thread TasksPerThread tasks, but
        // keep MinGroupStrips strips (each B strip brought into L2 serves that many A strips: with single-strip groups
        // the few-row weight gradients, e.g. 128×512×1,600, streamed B from L3 once per strip, 10 % slower) unless
        // that would leave fewer than MinTasksPerThread tasks per thread (down to one strip).
        int nBlockStrips = packTransposedA ? nStrips : NBlockStrips, nBlocks = (nStrips + nBlockStrips - 1) / nBlockStrips;
        int fewestGroups = Math.Min(mStrips, (MinTasksPerThread * Threads + batch * nBlocks - 1) / (batch * nBlocks));
        int mGroups = Math.Clamp((TasksPerThread * Threads + batch * nBlocks - 1) / (batch * nBlocks), 1,
            Math.Max(fewestGroups, mStrips / MinGroupStrips));
        // [SkipLocalsInit]: the task's 48 KB packing block and tile are always written before they are read, and
        // zeroing them per task cost a pass over L1 for every task.
        For((long)batch * mGroups * nBlocks, parallel, [SkipLocalsInit] (long task) =>
        {
            int bi = (int)(task / (mGroups * nBlocks)), block = (int)(task % (mGroups * nBlocks));
            int group = block / nBlocks, nb = block % nBlocks;
            float* panelsB = pb + (strideB == 0 ? 0 : bi * panelB);
            float* aBatch = transposeA ? at + (strideA == 0 ? 0 : bi * sizeA) : srcA + bi * strideA, bBatch = srcB + bi * strideB;
            float* cBatch = dstC + bi * strideC, preBatch = prePtr == null ? null : prePtr + bi * strideC;
            int groupBegin = (int)((long)group * mStrips / mGroups), groupEnd = (int)((long)(group + 1) * mStrips / mGroups);
            int tEnd = Math.Min(nStrips, (nb + 1) * nBlockStrips);
            float* tile = stackalloc float[GemmKernels.MR512 * GemmKernels.NR512];
            float* packedA = stackalloc float[MBlockStrips * GemmKernels.MR512 * KC];
            for (int k0 = 0; k0 < k; k0 += KC)
            {
                int kc = Math.Min(KC, k - k0);
                bool first = k0 == 0, last = k0 + kc == k;
                for (int sBegin = groupBegin; sBegin < groupEnd; sBegin += MBlockStrips)
                {
                    int sEnd = Math.Min(groupEnd, sBegin + MBlockStrips), packFrom = Math.Max(sBegin, directStripsA);
                    if (packFrom < sEnd)
                    {
                        if (packTransposedA) PackBlockATransposed(packedA, aBatch, m, alpha, packFrom * mr, sEnd * mr, k0, kc, mr);
                        else PackBlockA(packedA, aBatch, m, k, transposeA ? 1f : alpha, packFrom * mr, sEnd * mr, k0, kc, mr);
                    }
                    for (int strip = sBegin; strip < sEnd; strip++)
                    {
                        int i0 = strip * mr, rows = Math.Min(mr, m - i0);
                        bool inPlace = strip < directStripsA;
                        float* blockA = inPlace ? aBatch + (long)i0 * k + k0 : packedA + (strip - packFrom) * mr * kc;
                        int lda = inPlace ? k : packTransposedA ? 1 : kc, ldk = packTransposedA ? mr : 1;
                        for (int t = nb * nBlockStrips; t < tEnd; t++)
                        {
                            int j0 = t * nr, cols = Math.Min(nr, n - j0);
                            float* stripB = t < directStripsB ? bBatch + (long)k0 * n + j0 : panelsB + (long)t * nr * k + (long)k0 * nr;
                            int ldb = t < directStripsB ? n : nr;
                            long at = (long)i0 * n + j0;
                            ComputeTile(simd, blockA, lda, ldk, stripB, ldb, kc, cBatch + at, n, rows, cols, first, last, beta, tile,
                                epilogue, biasPtr + j0, preBatch == null ? null : preBatch + at);
                        }
                    }
                }
            }
        });
    }

    /// <summary>
    /// One tile of C (rows × cols of at most MR × NR) over one K block: a whole tile goes straight from the registers into
    /// C, an edge tile through the scratch <paramref name="tile"/>; β is applied on the first K block and the epilogue
    /// after the last, so every path computes each element the same way.
    /// </summary>
    private static void ComputeTile(CpuSimd simd, float* blockA, int lda, int ldk, float* stripB, int ldb, int kc, float* cTile, int n,
        int rows, int cols, bool first, bool last, float beta, float* tile, GemmEpilogue epilogue, float* bias, float* pre)
    {
        var (mr, nr) = GemmKernels.Tile(simd);
        if (rows == mr && cols == nr)
        {
            if (first && beta != 0f && beta != 1f) ScaleTile(cTile, n, rows, cols, beta);
            GemmKernels.Run(simd, blockA, lda, ldk, stripB, ldb, kc, cTile, n, accumulate: !first || beta != 0f);
        }
        else
        {
            GemmKernels.Run(simd, blockA, lda, ldk, stripB, ldb, kc, tile, nr, accumulate: false);
            MergeTile(tile, nr, cTile, n, rows, cols, first, beta);
        }
        if (last && epilogue != GemmEpilogue.None) ApplyEpilogue(cTile, n, rows, cols, epilogue, bias, pre);
    }

    /// <summary>
    /// Rows [i0, i1) of α·A, A stored M×K (i1 − i0 a whole number of MR-row strips; rows past M zero), over the K
    /// block [k0, k0 + kc), strip after strip: each strip's rows one after another (element [r·kc + k]).
    /// </summary>
    private static void PackBlockA(float* dst, float* a, int m, int k, float alpha, int i0, int i1, int k0, int kc, int mr)
    {
        for (int i = i0; i < i1; i++)
        {
            float* d = dst + (long)(i - i0) / mr * mr * kc + (i - i0) % mr * kc;
            if (i < m) ScaleCopy(a + (long)i * k + k0, d, kc, alpha);
            else new Span<float>(d, kc).Clear();
        }
    }

    /// <summary>
    /// Rows [i0, i1) of α·op(A), A stored K×M (op(A)[i, k] = a[k·M + i]; i1 − i0 a whole number of MR-row strips, rows
    /// past M zero), over the K block [k0, k0 + kc), k-major per strip: value (r, k) of strip s at dst[s·MR·kc + k·MR + r].
    /// Per k the block's values are one run of a row of A, read front to back.
    /// </summary>
    private static void PackBlockATransposed(float* dst, float* a, int m, float alpha, int i0, int i1, int k0, int kc, int mr)
    {
        int strips = (i1 - i0) / mr, lastRows = Math.Min(mr, m - (i1 - mr));
        if (mr == GemmKernels.MR512 && Avx512F.IsSupported)
        {
            // One masked 16-lane load and store per strip and k: lanes past the strip (and rows past M) are neither read
            // nor written, so nothing past A is touched and the load fills rows past M with zeros.
            var whole = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(mr)).AsSingle();
            var edge = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(lastRows)).AsSingle();
            var x = Vector512.Create(alpha);
            for (int kk = 0; kk < kc; kk++)
            {
                float* src = a + (long)(k0 + kk) * m + i0, d = dst + kk * mr;
                for (int strip = 0; strip < strips; strip++, src += mr, d += mr * kc)
                {
                    var v = Avx512F.MaskLoad(src, strip == strips - 1 ? edge : whole, Vector512<float>.Zero);
                    Avx512F.MaskStore(d, whole, alpha == 1f ? v : x * v);
                }
            }
            return;
        }
        for (int kk = 0; kk < kc; kk++)
        {
            float* src = a + (long)(k0 + kk) * m + i0, d = dst + kk * mr;
            for (int strip = 0; strip < strips; strip++, src += mr, d += mr * kc)
            {
                int rows = strip == strips - 1 ? lastRows : mr;
                ScaleCopy(src, d, rows, alpha);
                for (int r = rows; r < mr; r++) d[r] = 0f;
            }
        }
    }

    /// <summary>
    /// Rows [k0, k1) of α·A, A stored K×M, into its transpose (dst[i·K + k] = α·a[k·M + i]; α folded in here, so the
    /// tasks read the result in place): 8-column stripes of the rows through 8×8 register transposes (the stripe's
    /// lines stay in L1 for the next stripe), edges element by element.
    /// </summary>
    private static void TransposeRows(float* a, float* dst, int m, int k, int k0, int k1, float alpha)
    {
        int k8 = Avx.IsSupported ? k0 + (k1 - k0) / 8 * 8 : k0, m8 = Avx.IsSupported ? m / 8 * 8 : 0;
        for (int i = 0; i < m8; i += 8)
            for (int kk = k0; kk < k8; kk += 8)
                Transpose8x8(a + (long)kk * m + i, m, dst + (long)i * k + kk, k, alpha);
        for (int i = 0; i < m; i++)
            for (int kk = i < m8 ? k8 : k0; kk < k1; kk++)
                dst[(long)i * k + kk] = alpha * a[(long)kk * m + i];
    }

    /// <summary>
    /// Rows [k0, k0 + kc) of B stored K×N into the NR-column strips [firstStrip, nStrips) (strip s at dst + s·NR·K,
    /// element [k·NR + c], columns past N zero): each row is read once, front to back.
    /// </summary>
    private static void PackRowsB(float* dst, float* b, int n, int k, int k0, int kc, int firstStrip, int nStrips, int nr)
    {
        for (int kk = k0; kk < k0 + kc; kk++)
        {
            float* src = b + (long)kk * n;
            for (int strip = firstStrip; strip < nStrips; strip++)
            {
                int j0 = strip * nr, cols = Math.Min(nr, n - j0);
                float* d = dst + (long)strip * nr * k + (long)kk * nr;
                ScaleCopy(src + j0, d, cols, 1f);
                for (int c = cols; c < nr; c++) d[c] = 0f;
            }
        }
    }

    /// <summary>
    /// One NR-column strip of Bᵀ, B stored N×K, over kc values of k: dst[kk·NR + c] = b[c·ldb + kk] (b at the strip's
    /// first row and K block), columns past <paramref name="cols"/> zero. Whole 8×8 blocks go through AVX registers;
    /// the rest element by element.
    /// </summary>
    private static void PackTransposedB(float* dst, float* b, int ldb, int cols, int kc, int nr)
    {
        int kk8 = 0;
        if (Avx.IsSupported && cols == nr && nr % 8 == 0)
            for (; kk8 + 8 <= kc; kk8 += 8)
                for (int c = 0; c < nr; c += 8)
                    Transpose8x8(b + (long)c * ldb + kk8, ldb, dst + (long)kk8 * nr + c, nr);
        for (int c = 0; c < nr; c++)
        {
            float* src = b + (long)c * ldb, d = dst + c;
            if (c < cols)
                for (int kk = kk8; kk < kc; kk++) d[(long)kk * nr] = src[kk];
            else
                for (int kk = kk8; kk < kc; kk++) d[(long)kk * nr] = 0f;
        }
    }

    /// <summary>dst[i·ldd + j] = α·src[j·lds + i] for an 8×8 block: unpack, shuffle, then swap 128-bit halves.</summary>
    private static void Transpose8x8(float* src, int lds, float* dst, int ldd, float alpha = 1f)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + 2 * lds); var r3 = Avx.LoadVector256(src + 3 * lds);
        var r4 = Avx.LoadVector256(src + 4 * lds); var r5 = Avx.LoadVector256(src + 5 * lds);
        var r6 = Avx.LoadVector256(src + 6 * lds); var r7 = Avx.LoadVector256(src + 7 * lds);
        if (alpha != 1f)
        {
            var x = Vector256.Create(alpha);
            r0 *= x; r1 *= x; r2 *= x; r3 *= x; r4 *= x; r5 *= x; r6 *= x; r7 *= x;
        }
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
