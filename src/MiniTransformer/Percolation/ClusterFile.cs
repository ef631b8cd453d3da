using System.Runtime.InteropServices;
using MiniTransformer.IO;

namespace MiniTransformer.Percolation;

/// <summary>
/// Cluster files: <c>NAME.bin</c> (the flat arrays of a <see cref="ClusterSet"/>, little-endian, see
/// <see cref="ClusterSetInfo.Layout"/>) beside <c>NAME.json</c> (the <see cref="ClusterSetInfo"/> sidecar). From Python:
/// <c>n = info["total_sites"]; parents = np.fromfile(f, "&lt;i4", n); values = np.fromfile(f, "&lt;f4", n, offset=4*n)</c>.
/// </summary>
public static class ClusterFile
{
    public const string FormatName = "minitransformer-clusters-v1";

    public static string SidecarPath(string binPath) => Path.ChangeExtension(binPath, ".json");

    public static void Write(string binPath, ClusterSet set, bool force)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("cluster files are written on little-endian hosts");
        if (!binPath.EndsWith(".bin", StringComparison.Ordinal))
            throw new UserInputException($"cluster file '{binPath}' must end in .bin (its sidecar is the .json beside it)");
        var json = Json.Serialize(set.Info);
        AtomicFile.WriteAll(force,
            (binPath, s =>
            {
                s.Write(MemoryMarshal.AsBytes(set.Parents.AsSpan()));
                s.Write(MemoryMarshal.AsBytes(set.Values.AsSpan()));
                if (set.Coordinates is not null) s.Write(MemoryMarshal.AsBytes(set.Coordinates.AsSpan()));
            }),
            (SidecarPath(binPath), s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(json); }));
    }

    /// <summary>Reads and checks a cluster file: sizes against the byte count, and every parent array a BFS-ordered tree.</summary>
    public static ClusterSet Read(string binPath)
    {
        if (!File.Exists(binPath)) throw new UserInputException($"cluster file '{binPath}' does not exist");
        var info = Json.ReadFile<ClusterSetInfo>(SidecarPath(binPath));
        if (info.Format != FormatName) throw new UserInputException($"'{SidecarPath(binPath)}' has format '{info.Format}', expected '{FormatName}'");
        if (info.Sizes.Length != info.ClusterCount || info.Sizes.Any(s => s < 1) || info.Sizes.Sum(s => (long)s) != info.TotalSites || info.Dimension < 0)
            throw new UserInputException($"'{SidecarPath(binPath)}' is inconsistent: sizes, cluster_count and total_sites disagree");
        long n = info.TotalSites;
        long expected = 4 * n * (2 + info.Dimension);
        long length = new FileInfo(binPath).Length;
        if (length != expected) throw new UserInputException($"'{binPath}' is {length} bytes; its sidecar implies {expected}");
        var parents = new int[n];
        var values = new float[n];
        var coordinates = info.Dimension > 0 ? new int[n * info.Dimension] : null;
        using (var stream = File.OpenRead(binPath))
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(parents.AsSpan()));
            stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            if (coordinates is not null) stream.ReadExactly(MemoryMarshal.AsBytes(coordinates.AsSpan()));
        }
        var offsets = new long[info.ClusterCount + 1];
        for (int k = 0; k < info.ClusterCount; k++) offsets[k + 1] = offsets[k] + info.Sizes[k];
        for (int k = 0; k < info.ClusterCount; k++)
        {
            var p = parents.AsSpan((int)offsets[k], info.Sizes[k]);
            if (p[0] != -1) throw new UserInputException($"'{binPath}': cluster {k} does not start at its root");
            for (int i = 1; i < p.Length; i++)
                if (p[i] < 0 || p[i] >= i) throw new UserInputException($"'{binPath}': cluster {k} site {i} has parent {p[i]}, not an earlier site");
        }
        return new ClusterSet { Info = info, Offsets = offsets, Parents = parents, Values = values, Coordinates = coordinates };
    }
}
