using System.Security.Cryptography;
using System.Text;
using MiniTransformer.Data;
using MiniTransformer.Data.Graphs;
using MiniTransformer.Data.Walks;
using MiniTransformer.IO;

namespace MiniTransformer.Sweeps;

/// <summary>The token files one sweep trains and tests on.</summary>
/// <param name="TrainPaths">One training walk file per run seed: seeds vary the data as well as the initialisation.</param>
public sealed record SweepDataFiles(string GraphPath, IReadOnlyDictionary<ulong, string> TrainPaths, string TestPath, double? EntropyRate);

/// <summary>
/// Makes the data of a graph-walk sweep once, under <c>DIR/data/</c>: the graph, one training walk file per seed
/// holding enough walks for the largest budget, and one shared test file from a walk range no training file
/// touches. File names carry a hash of what made them, so a changed spec never reuses stale data and a
/// re-run sweep reuses what is there.
/// </summary>
public static class SweepData
{
    /// <summary>Test walks start here: far beyond any training range of the same seed, so the samples are disjoint.</summary>
    public const long TestFirstWalk = 1L << 62;

    /// <summary>The walk seed of the test set (its range is what keeps it apart from seed 0's training walks).</summary>
    public const ulong TestSeed = 0;

    public static SweepDataFiles Prepare(DataSpec data, long maxTrainTokens, int batch, IEnumerable<ulong> seeds, string directory, int threads = 0)
    {
        var dir = Path.Combine(directory, "data");
        Directory.CreateDirectory(dir);
        var graphPath = Path.Combine(dir, $"graph-{Hash(Json.Serialize(data.Graph))}.bin");
        if (!File.Exists(graphPath)) GraphFile.Write(graphPath, data.Graph.Generate(), data.Graph, force: false);

        int length = data.SequenceLength;
        // A run of D tokens predicts S − 1 positions per sequence and takes whole batches of B sequences.
        long trainWalks = (maxTrainTokens + length - 2) / (length - 1) + batch;
        long testWalks = (data.TestTokens + length - 2) / (length - 1);
        var train = new Dictionary<ulong, string>();
        foreach (var seed in seeds)
            train[seed] = Walks(graphPath, new WalkFile.Spec(length, trainWalks, seed), dir, "train", threads);
        var test = Walks(graphPath, new WalkFile.Spec(length, testWalks, TestSeed, TestFirstWalk), dir, "test", threads);
        return new SweepDataFiles(graphPath, train, test, TokenFile.ReadSidecar(test).EntropyRateNats);
    }

    private static string Walks(string graphPath, WalkFile.Spec spec, string dir, string role, int threads)
    {
        var path = Path.Combine(dir, $"{role}-{Hash(Path.GetFileName(graphPath) + Json.Serialize(spec))}.bin");
        if (!File.Exists(path) || !File.Exists(TokenFile.SidecarPath(path)))
            WalkFile.Generate(graphPath, spec, path, force: true, threads);
        return path;
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
}
