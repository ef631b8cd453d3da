using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using MiniTransformer.IO;

namespace MiniTransformer.Data.Graphs;

/// <summary>
/// A graph on disk: <c>NAME.bin</c> is the edge list as little-endian uint32 rows (u, v, weight) with u &lt; v,
/// sorted by u then v, weight 1 for unweighted graphs; <c>NAME.json</c> (the sidecar) gives the node count — isolated
/// nodes appear in no edge — and how the graph was made. From Python:
/// <code>
/// meta = json.load(open("graph.json"))
/// u, v, w = np.fromfile("graph.bin", dtype="&lt;u4").reshape(-1, 3).T
/// </code>
/// Files written by anyone are accepted in any edge order and either orientation, as long as the graph is simple.
/// </summary>
public static class GraphFile
{
    public const string Format = "minitransformer.graph.v1";
    public static readonly string[] Columns = ["u", "v", "weight"];

    public static string SidecarPath(string binPath) => Path.ChangeExtension(binPath, ".json");

    /// <summary>Writes edge list and sidecar as one unit: both appear, or neither does.</summary>
    public static void Write(string binPath, Graph graph, GraphSpec? spec, bool force)
    {
        if (!binPath.EndsWith(".bin", StringComparison.Ordinal))
            throw new UserInputException($"graph file '{binPath}' must end in .bin (its sidecar is the .json beside it)");
        var rows = new uint[3 * graph.EdgeCount];
        long r = 0;
        for (int u = 0; u < graph.NodeCount; u++)
            for (int i = graph.Offsets[u]; i < graph.Offsets[u + 1]; i++)
            {
                int v = graph.Neighbors[i];
                if (v < u) continue;
                rows[r++] = (uint)u;
                rows[r++] = (uint)v;
                rows[r++] = graph.WeightAt(i);
            }
        if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(rows, rows);
        var sidecar = new GraphSidecar(Format, graph.NodeCount, graph.EdgeCount, graph.IsWeighted, Columns,
            Walks.EntropyRate.Compute(graph), spec?.ToJson());
        AtomicFile.WriteAll(force,
            (binPath, s => s.Write(MemoryMarshal.AsBytes(rows.AsSpan()))),
            (SidecarPath(binPath), s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(Json.Serialize(sidecar)); }));
    }

    public static GraphSidecar ReadSidecar(string binPath)
    {
        if (!File.Exists(binPath)) throw new UserInputException($"graph file '{binPath}' does not exist");
        var sidecar = Json.ReadFile<GraphSidecar>(SidecarPath(binPath));
        if (sidecar.Format != Format)
            throw new UserInputException($"'{SidecarPath(binPath)}' is not a graph sidecar (format '{sidecar.Format}', expected '{Format}')");
        if (sidecar.NodeCount < 1) throw new UserInputException($"'{SidecarPath(binPath)}' gives node_count {sidecar.NodeCount}; it must be positive");
        return sidecar;
    }

    public static Graph Read(string binPath) => Read(binPath, ReadSidecar(binPath));

    public static Graph Read(string binPath, GraphSidecar sidecar)
    {
        long bytes = new FileInfo(binPath).Length;
        if (bytes % 12 != 0) throw new UserInputException($"'{binPath}' is {bytes} bytes, not a whole number of (u, v, weight) uint32 rows");
        if (bytes / 12 != sidecar.EdgeCount)
            throw new UserInputException($"'{binPath}' holds {bytes / 12} edges but its sidecar says {sidecar.EdgeCount}");
        if (bytes / 12 > Array.MaxLength / 2) throw new UserInputException($"'{binPath}' holds more edges than fit in memory");
        var rows = new uint[bytes / 4];
        try
        {
            using var stream = File.OpenRead(binPath);
            stream.ReadExactly(MemoryMarshal.AsBytes(rows.AsSpan()));
        }
        catch (IOException e)
        {
            throw new UserInputException($"cannot read '{binPath}': {e.Message}");
        }
        if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(rows, rows);

        int m = rows.Length / 3;
        var a = new int[m];
        var b = new int[m];
        var w = new uint[m];
        bool weighted = false;
        for (int e = 0; e < m; e++)
        {
            uint u = rows[3 * e], v = rows[3 * e + 1];
            if (u >= (uint)sidecar.NodeCount || v >= (uint)sidecar.NodeCount)
                throw new UserInputException($"'{binPath}' edge {e} ({u}, {v}) names a node outside 0..{sidecar.NodeCount - 1}");
            a[e] = (int)u;
            b[e] = (int)v;
            w[e] = rows[3 * e + 2];
            weighted |= w[e] != 1;
        }
        try
        {
            return CsrBuilder.Build(sidecar.NodeCount, a, b, w, weighted);
        }
        catch (UserInputException e)
        {
            throw new UserInputException($"'{binPath}': {e.Message}");
        }
    }
}

/// <summary>
/// The JSON beside a graph's edge list. <see cref="EntropyRateNats"/> is the entropy rate of the random walk on
/// the graph; <see cref="Generator"/> is the <see cref="GraphSpec"/> that made it (null for graphs made elsewhere).
/// </summary>
public sealed record GraphSidecar(
    string Format,
    int NodeCount,
    long EdgeCount,
    bool Weighted,
    string[] Columns,
    double? EntropyRateNats,
    JsonObject? Generator);
