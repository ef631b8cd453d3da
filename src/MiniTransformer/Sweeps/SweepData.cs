using System.Security.Cryptography;
using System.Text;
using MiniTransformer.Data.Graphs;
using MiniTransformer.Data.Walks;
using MiniTransformer.IO;

namespace MiniTransformer.Sweeps;

/// <summary>
/// The data of a graph-walk sweep: the graph (kept under <c>DIR/data/</c>) and the walk ranges every run reads.
/// Walks are not written to disk: each run samples its batches on its compute device (<see cref="Training.WalkStream"/>),
/// the same walks — bit for bit — a walk file of the same range would hold, so a billion-token sweep needs no
/// multi-gigabyte token files and a GPU run never waits on the host.
/// </summary>
/// <param name="EntropyRate">The walk's entropy rate in nats/token: the loss floor.</param>
public sealed record SweepWalkData(string GraphPath, Graph Graph, double? EntropyRate)
{
    /// <summary>Seed s's training walks are walks 0, 1, 2, … of stream s; run seeds vary the data as well as the initialisation.</summary>
    public const long TrainFirstWalk = 0;

    /// <summary>Test walks start here: far beyond any training range of the same seed, so the samples are disjoint.</summary>
    public const long TestFirstWalk = 1L << 62;

    /// <summary>The walk seed of the test set (its range is what keeps it apart from seed 0's training walks).</summary>
    public const ulong TestSeed = 0;

    /// <summary>Walks a run of <paramref name="tokens"/> tokens reads: S − 1 predictions per walk, whole batches.</summary>
    public static long TrainWalks(long tokens, int sequenceLength, int batch) => (tokens + sequenceLength - 2) / (sequenceLength - 1) + batch;

    /// <summary>Walks of the held-out set of <paramref name="testTokens"/> tokens.</summary>
    public static long TestWalks(long testTokens, int sequenceLength) => (testTokens + sequenceLength - 2) / (sequenceLength - 1);
}

/// <summary>
/// Makes the graph of a graph-walk sweep once, under <c>DIR/data/graph-HASH.bin</c>; the hash covers what made it, so
/// a changed spec never reuses a stale graph and a re-run sweep reuses the one there.
/// </summary>
public static class SweepData
{
    public static SweepWalkData Prepare(DataSpec data, string directory)
    {
        var dir = Path.Combine(directory, "data");
        Directory.CreateDirectory(dir);
        var graphPath = Path.Combine(dir, $"graph-{Hash(Json.Serialize(data.Graph))}.bin");
        if (!File.Exists(graphPath)) GraphFile.Write(graphPath, data.Graph.Generate(), data.Graph, force: false);
        var graph = GraphFile.Read(graphPath);
        return new SweepWalkData(graphPath, graph, EntropyRate.Compute(graph));
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
}
