using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MiniTransformer.Compute.Cpu;

// Brute-force k nearest neighbours: every point's squared distance, kept in a sorted list of k by insertion. Points
// arrive in ascending index and only a strictly smaller distance displaces an entry, so ties go to the lower index.
// On AVX-512 with dim ≤ 32 (k-NN on low-dimensional coordinates, where the per-point scalar loop is all overhead) the
// points are first transposed into 16-point column blocks, and each task takes 4 queries against every block:
// 16 distances per vector instruction, each block load reused by 4 queries, and the sorted list touched only for
// lanes that beat the current k-th distance. Distances are summed in the same order (coordinate 0 first, no FMA) as
// VectorMath.SquaredDistance for dim < 16, so below 16 dimensions both paths return identical results.
public sealed unsafe partial class CpuBackend
{
    private const int KnnLanes = 16, KnnQueryBlock = 4, KnnMaxVectorDim = 32;

    protected override void SquaredDistanceTopKCore(DeviceSlice<int> indices, DeviceSlice<float> distances,
        DeviceSlice<float> queries, DeviceSlice<float> points, int queryCount, int pointCount, int dim, int k)
    {
        int* idx = Ptr(indices);
        float* dist = Ptr(distances), q = Ptr(queries), p = Ptr(points);
        if (Simd == CpuSimd.Vector512 && dim <= KnnMaxVectorDim)
        {
            TopKVector512(idx, dist, q, p, queryCount, pointCount, dim, k);
            return;
        }
        For(queryCount, query =>
        {
            float* qi = q + query * dim;
            float* bestD = dist + query * k;
            int* bestI = idx + query * k;
            int count = 0;
            for (int j = 0; j < pointCount; j++) Offer(VectorMath.SquaredDistance(qi, p + (long)j * dim, dim), j, bestD, bestI, ref count, k);
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Offer(float d, int j, float* bestD, int* bestI, ref int count, int k)
    {
        if (count == k && !(d < bestD[k - 1])) return;
        int at = count < k ? count++ : k - 1;
        while (at > 0 && d < bestD[at - 1])
        {
            bestD[at] = bestD[at - 1];
            bestI[at] = bestI[at - 1];
            at--;
        }
        bestD[at] = d;
        bestI[at] = j;
    }

    private void TopKVector512(int* idx, float* dist, float* q, float* p, int queryCount, int pointCount, int dim, int k)
    {
        int blocks = (pointCount + KnnLanes - 1) / KnnLanes;
        // Column blocks: cols[(b·dim + a)·16 + lane] = coordinate a of point 16·b + lane. Padding lanes hold +∞, whose
        // distance (+∞) never passes the strict "< k-th best" test and is skipped while the list is filling.
        float* cols = (float*)NativeMemory.AlignedAlloc((nuint)((long)blocks * dim * KnnLanes * sizeof(float)), 64);
        try
        {
            For(blocks, b =>
            {
                float* block = cols + b * dim * KnnLanes;
                for (int lane = 0; lane < KnnLanes; lane++)
                {
                    long j = b * KnnLanes + lane;
                    for (int a = 0; a < dim; a++) block[a * KnnLanes + lane] = j < pointCount ? p[j * dim + a] : float.PositiveInfinity;
                }
            });
            For((queryCount + KnnQueryBlock - 1) / KnnQueryBlock, qb =>
            {
                int first = (int)qb * KnnQueryBlock, n = Math.Min(KnnQueryBlock, queryCount - first);
                // Broadcast coordinates of the block's queries; a short last block repeats its first query (results unused).
                var broadcast = stackalloc Vector512<float>[KnnQueryBlock * dim];
                for (int i = 0; i < KnnQueryBlock; i++)
                    for (int a = 0; a < dim; a++) broadcast[i * dim + a] = Vector512.Create(q[(long)(first + (i < n ? i : 0)) * dim + a]);
                var count = stackalloc int[KnnQueryBlock];
                for (int b = 0; b < blocks; b++)
                {
                    float* block = cols + (long)b * dim * KnnLanes;
                    Vector512<float> acc0 = Vector512<float>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
                    for (int a = 0; a < dim; a++)
                    {
                        var x = Vector512.LoadAligned(block + a * KnnLanes);
                        var d0 = broadcast[a] - x; acc0 += d0 * d0;
                        var d1 = broadcast[dim + a] - x; acc1 += d1 * d1;
                        var d2 = broadcast[2 * dim + a] - x; acc2 += d2 * d2;
                        var d3 = broadcast[3 * dim + a] - x; acc3 += d3 * d3;
                    }
                    int j0 = b * KnnLanes;
                    OfferBlock(acc0, j0, pointCount, dist + (long)first * k, idx + (long)first * k, ref count[0], k);
                    if (n > 1) OfferBlock(acc1, j0, pointCount, dist + (long)(first + 1) * k, idx + (long)(first + 1) * k, ref count[1], k);
                    if (n > 2) OfferBlock(acc2, j0, pointCount, dist + (long)(first + 2) * k, idx + (long)(first + 2) * k, ref count[2], k);
                    if (n > 3) OfferBlock(acc3, j0, pointCount, dist + (long)(first + 3) * k, idx + (long)(first + 3) * k, ref count[3], k);
                }
            });
        }
        finally
        {
            NativeMemory.AlignedFree(cols);
        }
    }

    /// <summary>Offers 16 consecutive points (indices j0 …) to one query's sorted list, lanes in ascending index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OfferBlock(Vector512<float> d, int j0, int pointCount, float* bestD, int* bestI, ref int count, int k)
    {
        if (count < k)
        {
            // Filling: every real point enters (the list is sorted by insertion), exactly as the scalar path.
            int lanes = Math.Min(KnnLanes, pointCount - j0);
            for (int lane = 0; lane < lanes; lane++) Offer(d.GetElement(lane), j0 + lane, bestD, bestI, ref count, k);
            return;
        }
        ulong mask = Vector512.LessThan(d, Vector512.Create(bestD[k - 1])).ExtractMostSignificantBits();
        while (mask != 0)
        {
            int lane = BitOperations.TrailingZeroCount(mask);
            mask &= mask - 1;
            Offer(d.GetElement(lane), j0 + lane, bestD, bestI, ref count, k);
        }
    }
}
