using MiniTransformer.Compute;

namespace MiniTransformer.Percolation;

/// <summary>
/// <see cref="BetheGrowth"/> run as kernels on a compute backend: a batch of trials grows together, one BFS level of
/// every cluster per step — (1)+(2) child counts and their prefix sum (<see cref="ComputeBackend.BetheCountChildren"/>),
/// (3) the children (<see cref="ComputeBackend.BetheWriteChildren"/>) — with the same Philox keys and the same
/// binomial table (as key thresholds), so every cluster is bit-identical to the CPU generator's. The host only reads
/// back each level's total (to size the next launch) and, at the end, the grown sites, which it scatters into
/// per-cluster parent arrays.
/// </summary>
public sealed class DeviceBetheGrowth : IDisposable
{
    private readonly ComputeBackend _backend;
    private readonly ulong _seed;
    private readonly DeviceBuffer<ulong> _rootThresholds, _childThresholds;
    private readonly int _rootTrials, _childTrials;
    private DeviceBuffer<int> _cluster, _local, _parent, _offsets, _sizes, _levelFirst;

    public DeviceBetheGrowth(ComputeBackend backend, int z, double p, ulong seed)
    {
        _backend = backend;
        _seed = seed;
        _rootTrials = z;
        _childTrials = z - 1;
        _rootThresholds = backend.UploadNew<ulong>(new BinomialTable(z, p).KeyThresholds());
        _childThresholds = backend.UploadNew<ulong>(new BinomialTable(z - 1, p).KeyThresholds());
        _cluster = backend.Allocate<int>(1 << 16);
        _local = backend.Allocate<int>(1 << 16);
        _parent = backend.Allocate<int>(1 << 16);
        _offsets = backend.Allocate<int>(1 << 12);
        _sizes = backend.Allocate<int>(1 << 12);
        _levelFirst = backend.Allocate<int>(1 << 12);
    }

    /// <summary>
    /// Grows trials firstTrial … firstTrial + sizes.Length − 1. sizes[i] is what <see cref="BetheGrowth.Grow"/>
    /// returns for trial firstTrial + i (−1 past <paramref name="maxSize"/>); candidates[i] receives the BFS parent
    /// array of each cluster with size ≥ <paramref name="minSize"/> and null for the others.
    /// </summary>
    public void GrowBatch(long firstTrial, int minSize, int maxSize, Span<int> sizes, Span<int[]?> candidates)
    {
        int count = sizes.Length;
        if (candidates.Length != count) throw new ArgumentException("one candidate slot per trial");
        if (count == 0) return;
        EnsureCapacity(ref _cluster, count, 0); EnsureCapacity(ref _local, count, 0); EnsureCapacity(ref _parent, count, 0);
        EnsureCapacity(ref _sizes, count, 0); EnsureCapacity(ref _levelFirst, count, 0);
        var roots = new int[count];
        for (int i = 0; i < count; i++) roots[i] = i;
        _backend.Upload<int>(roots, _cluster.Slice(0, count));
        Array.Fill(roots, 0);
        _backend.Upload<int>(roots, _local.Slice(0, count));
        Array.Fill(roots, -1);
        _backend.Upload<int>(roots, _parent.Slice(0, count));
        Array.Fill(roots, 1);
        _backend.Upload<int>(roots, _sizes.Slice(0, count));

        long levelStart = 0;
        int width = count;
        while (width > 0)
        {
            EnsureCapacity(ref _offsets, width + 1L, 0);
            int total = _backend.BetheCountChildren(Batch(count, firstTrial), levelStart, width);
            long used = levelStart + width;
            EnsureCapacity(ref _cluster, used + total, used);
            EnsureCapacity(ref _local, used + total, used);
            EnsureCapacity(ref _parent, used + total, used);
            _backend.BetheWriteChildren(Batch(count, firstTrial), levelStart, width, total, maxSize);
            levelStart = used;
            width = total;
        }

        _backend.Download(_sizes.Slice(0, count), sizes);
        var cluster = _backend.DownloadArray(_cluster.Slice(0, levelStart));
        var local = _backend.DownloadArray(_local.Slice(0, levelStart));
        var parent = _backend.DownloadArray(_parent.Slice(0, levelStart));
        for (int i = 0; i < count; i++) candidates[i] = sizes[i] >= minSize ? new int[sizes[i]] : null;
        for (long s = 0; s < levelStart; s++)
            if (candidates[cluster[s]] is { } parents) parents[local[s]] = parent[s];
    }

    private DeviceBetheBatch Batch(int count, long firstTrial) => new(count, firstTrial, _seed,
        _cluster.All, _local.All, _parent.All, _sizes.Slice(0, count), _levelFirst.Slice(0, count), _offsets.All,
        _rootThresholds.All, _rootTrials, _childThresholds.All, _childTrials);

    /// <summary>Grows <paramref name="buffer"/> to hold <paramref name="needed"/> elements (at least doubling), keeping its first <paramref name="keep"/>.</summary>
    private void EnsureCapacity(ref DeviceBuffer<int> buffer, long needed, long keep)
    {
        if (buffer.Length >= needed) return;
        var grown = _backend.Allocate<int>(Math.Max(needed, 2 * buffer.Length));
        if (keep > 0) _backend.Upload<int>(_backend.DownloadArray(buffer.Slice(0, keep)), grown.Slice(0, keep));
        buffer.Dispose();
        buffer = grown;
    }

    public void Dispose()
    {
        foreach (var b in new[] { _cluster, _local, _parent, _offsets, _sizes, _levelFirst }) b.Dispose();
        _rootThresholds.Dispose();
        _childThresholds.Dispose();
    }
}
