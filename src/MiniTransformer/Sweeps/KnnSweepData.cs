using System.Security.Cryptography;
using System.Text;
using MiniTransformer.IO;
using MiniTransformer.Percolation;

namespace MiniTransformer.Sweeps;

/// <summary>
/// The clusters of a k-NN sweep, generated once under <c>DIR/data/</c> as a cluster file named by a hash of the
/// resolved generator, so a re-run (or another shard on the same file system) reads them back and a changed spec
/// never reuses stale clusters.
/// </summary>
public static class KnnSweepData
{
    public static (string Path, ClusterSet Set) Prepare(PercolationData data, string directory, int maxThreads = -1)
    {
        var dir = Path.Combine(directory, "data");
        Directory.CreateDirectory(dir);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Json.Serialize(data))))[..12];
        var path = Path.Combine(dir, $"clusters-{hash}.bin");
        if (File.Exists(path) && File.Exists(ClusterFile.SidecarPath(path))) return (path, ClusterFile.Read(path));
        var set = data.Generate(maxThreads);
        // Shards sharing a file system may race here; both write the same bytes and each rename is atomic.
        ClusterFile.Write(path, set, force: true);
        return (path, set);
    }
}
