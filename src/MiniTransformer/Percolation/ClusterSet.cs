namespace MiniTransformer.Percolation;

/// <summary>
/// A set of percolation clusters in flat arrays (llm.c style: one buffer per field, clusters are offset ranges).
/// Cluster k owns sites [Offsets[k], Offsets[k+1]) of <see cref="Parents"/> (BFS-ordered tree: local parent index,
/// −1 at the root, parent &lt; child), <see cref="Values"/> (the standardised random-walk target) and, for finite
/// lattices, <see cref="Coordinates"/> (Dimension ints per site, unwrapped along the tree).
/// </summary>
public sealed class ClusterSet
{
    public required ClusterSetInfo Info { get; init; }
    public required long[] Offsets { get; init; }
    public required int[] Parents { get; init; }
    public required float[] Values { get; init; }
    public int[]? Coordinates { get; init; }

    public int Count => Offsets.Length - 1;
    public long TotalSites => Offsets[^1];
    public int Dimension => Info.Dimension;
    public int Size(int k) => (int)(Offsets[k + 1] - Offsets[k]);
    public ReadOnlySpan<int> ParentsOf(int k) => Parents.AsSpan((int)Offsets[k], Size(k));
    public ReadOnlySpan<float> ValuesOf(int k) => Values.AsSpan((int)Offsets[k], Size(k));
    public ReadOnlySpan<int> CoordinatesOf(int k) =>
        (Coordinates ?? throw new InvalidOperationException("this cluster set has no coordinates")).AsSpan((int)Offsets[k] * Dimension, Size(k) * Dimension);

    /// <summary>Concatenates clusters (id, parents, values, coordinates) into one set and fills the sidecar's per-cluster lists.</summary>
    public static ClusterSet FromClusters(ClusterSetInfo info, IReadOnlyList<(long Id, int[] Parents, float[] Values, int[]? Coordinates)> clusters, int dimension)
    {
        var offsets = new long[clusters.Count + 1];
        for (int k = 0; k < clusters.Count; k++) offsets[k + 1] = offsets[k] + clusters[k].Parents.Length;
        if (offsets[^1] > Array.MaxLength / Math.Max(1, dimension))
            throw new UserInputException($"{offsets[^1]} sites in total is more than one cluster file holds; lower --max-size or the number of clusters");
        int total = (int)offsets[^1];
        var parents = new int[total];
        var values = new float[total];
        var coordinates = dimension > 0 ? new int[(long)total * dimension] : null;
        for (int k = 0; k < clusters.Count; k++)
        {
            clusters[k].Parents.CopyTo(parents, offsets[k]);
            clusters[k].Values.CopyTo(values, offsets[k]);
            if (coordinates is not null) clusters[k].Coordinates!.CopyTo(coordinates, offsets[k] * dimension);
        }
        info.Dimension = dimension;
        info.ClusterCount = clusters.Count;
        info.TotalSites = total;
        info.Sizes = clusters.Select(c => c.Parents.Length).ToArray();
        info.ClusterIds = clusters.Select(c => c.Id).ToArray();
        return new ClusterSet { Info = info, Offsets = offsets, Parents = parents, Values = values, Coordinates = coordinates };
    }
}

/// <summary>
/// The JSON sidecar of a cluster file: how the clusters were made (so they can be made again) and how the
/// binary is laid out. <see cref="ClusterIds"/> are the Philox streams: Bethe trial indices, or lattice indices of
/// finite-lattice roots.
/// </summary>
public sealed class ClusterSetInfo
{
    public string Format { get; set; } = ClusterFile.FormatName;
    /// <summary>"bethe" or "hypercubic".</summary>
    public string Lattice { get; set; } = "";
    public int? Z { get; set; }
    public int? Side { get; set; }
    public bool? Periodic { get; set; }
    public double P { get; set; }
    public ulong Seed { get; set; }
    public int MinSize { get; set; }
    public int MaxSize { get; set; }
    /// <summary>Bethe: clusters grown (trials). Finite lattice: clusters found.</summary>
    public long Trials { get; set; }
    /// <summary>Clusters larger than max-size, stopped and dropped.</summary>
    public long Discarded { get; set; }
    /// <summary>Bethe: sites grown over all trials, a discarded cluster counted as max-size (the work done); lattice: occupied sites.</summary>
    public long GrownSites { get; set; }
    /// <summary>0 for the Bethe lattice (no coordinates), d for a d-dimensional hypercubic lattice.</summary>
    public int Dimension { get; set; }
    public int ClusterCount { get; set; }
    public long TotalSites { get; set; }
    public int[] Sizes { get; set; } = [];
    public long[] ClusterIds { get; set; } = [];
    public string Layout { get; set; } =
        "little-endian: int32 parents[total_sites] (local BFS parent, -1 at each root), float32 values[total_sites], " +
        "then for dimension > 0 int32 coordinates[total_sites][dimension]; cluster k is the next sizes[k] sites";
}
