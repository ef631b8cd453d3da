using MiniTransformer.Randomness;

namespace MiniTransformer.Compute.Cpu;

// Percolation ops on the CPU: the same algorithms as kernels/percolation.cl, with Parallel.For over fixed chunks of
// sites. Labels reach the unique fixed point (lowest site index per cluster) whatever the interleaving, and the Bethe
// steps write disjoint outputs, so results are identical for every thread count.
public sealed unsafe partial class CpuBackend
{
    private const int PercolationChunk = 4096;

    protected override int LabelClustersCore(DeviceSlice<int> labels, int n, int dimension, int side, bool periodic)
    {
        int* label = Ptr(labels);
        ForChunks(n, PercolationChunk, (start, end) =>
        {
            for (long i = start; i < end; i++) label[i] = label[i] >= 0 ? (int)i : -1;
        });
        int passes = 0, changed;
        do
        {
            changed = 0;
            ForChunks(n, PercolationChunk, (start, end) =>
            {
                bool any = false;
                for (int i = (int)start; i < end; i++) any |= Hook(label, i, dimension, side, periodic);
                if (any) Volatile.Write(ref changed, 1);
            });
            ForChunks(n, PercolationChunk, (start, end) =>
            {
                for (long i = start; i < end; i++)
                {
                    int l = Volatile.Read(ref label[i]);
                    if (l < 0) continue;
                    int next = Volatile.Read(ref label[l]);
                    while (next != l) { l = next; next = Volatile.Read(ref label[l]); }
                    Volatile.Write(ref label[i], l);
                }
            });
            passes++;
        } while (changed != 0);
        return passes;
    }

    /// <summary>The hook step of site i (see kernels/percolation.cl, label_hook); true when it lowered a root.</summary>
    private static bool Hook(int* label, int i, int dimension, int side, bool periodic)
    {
        int own = Volatile.Read(ref label[i]);
        if (own < 0) return false;
        int best = own, rest = i, stride = 1;
        for (int a = 0; a < dimension; a++)
        {
            int x = rest % side;
            rest /= side;
            int down = x > 0 ? i - stride : periodic ? i + (side - 1) * stride : -1;
            int up = x < side - 1 ? i + stride : periodic ? i - (side - 1) * stride : -1;
            if (down >= 0) { int l = Volatile.Read(ref label[down]); if (l >= 0 && l < best) best = l; }
            if (up >= 0) { int l = Volatile.Read(ref label[up]); if (l >= 0 && l < best) best = l; }
            stride *= side;
        }
        if (best >= own) return false;
        ref int root = ref label[own];
        int current = Volatile.Read(ref root);
        while (best < current)
        {
            int seen = Interlocked.CompareExchange(ref root, best, current);
            if (seen == current) break;
            current = seen;
        }
        return true;
    }

    protected override int BetheCountChildrenCore(DeviceBetheBatch batch, long levelStart, int width)
    {
        int* cluster = Ptr(batch.SiteCluster) + levelStart, local = Ptr(batch.SiteLocal) + levelStart;
        int* sizes = Ptr(batch.ClusterSizes), offsets = Ptr(batch.Offsets);
        ulong* rootTable = Ptr(batch.RootThresholds), childTable = Ptr(batch.ChildThresholds);
        ForChunks(width, PercolationChunk, (start, end) =>
        {
            for (long j = start; j < end; j++)
            {
                int c = cluster[j], s = local[j];
                if (sizes[c] < 0) { offsets[j] = 0; continue; }
                var (w0, w1, w2, w3) = Philox.Draw(batch.Seed, (ulong)(batch.FirstTrial + c), (ulong)(s >> 1));
                ulong key = (s & 1) == 0 ? ((ulong)w0 << 21) ^ (w1 >> 11) : ((ulong)w2 << 21) ^ (w3 >> 11);
                offsets[j] = s == 0 ? BinomialFromKey(rootTable, batch.RootTrials, key) : BinomialFromKey(childTable, batch.ChildTrials, key);
            }
        });
        long total = 0;
        for (int j = 0; j < width; j++) { int count = offsets[j]; offsets[j] = (int)total; total += count; }
        if (total > int.MaxValue) throw new InvalidOperationException($"a level of {total} children exceeds one launch");
        offsets[width] = (int)total;
        return (int)total;
    }

    /// <summary>The smallest k with key &lt; thresholds[k] (kernels/percolation.cl, binomial_from_key).</summary>
    private static int BinomialFromKey(ulong* thresholds, int trials, ulong key)
    {
        int lo = 0, hi = trials;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (key >= thresholds[mid]) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    protected override void BetheWriteChildrenCore(DeviceBetheBatch batch, long levelStart, int width, int total, int maxSize)
    {
        int* siteCluster = Ptr(batch.SiteCluster), siteLocal = Ptr(batch.SiteLocal), siteParent = Ptr(batch.SiteParent);
        int* sizes = Ptr(batch.ClusterSizes), first = Ptr(batch.LevelFirst), offsets = Ptr(batch.Offsets);
        int* cluster = siteCluster + levelStart, local = siteLocal + levelStart;
        long next = levelStart + width;
        for (int j = 0; j < width; j++)
            if (j == 0 || cluster[j - 1] != cluster[j]) first[cluster[j]] = offsets[j];
        ForChunks(width, PercolationChunk, (start, end) =>
        {
            for (long j = start; j < end; j++)
            {
                int c = cluster[j], baseLocal = sizes[c] - first[c];
                for (int k = offsets[j]; k < offsets[j + 1]; k++)
                {
                    siteCluster[next + k] = c;
                    siteLocal[next + k] = baseLocal + k;
                    siteParent[next + k] = local[j];
                }
            }
        });
        for (int j = 0; j < width; j++)
        {
            int c = cluster[j];
            if ((j + 1 < width && cluster[j + 1] == c) || sizes[c] < 0) continue;
            long grown = (long)sizes[c] + offsets[j + 1] - first[c];
            sizes[c] = grown > maxSize ? -1 : (int)grown;
        }
    }
}
