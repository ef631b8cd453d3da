using MiniTransformer.Data.Graphs;

namespace MiniTransformer.Data.Walks;

/// <summary>
/// What `data inspect` reports about a token file. When the file is a graph walk whose graph file is still on
/// disk, the transitions are checked against the graph and the mean of −ln P(next | current) over the file — a
/// Monte-Carlo estimate of the entropy rate, with its standard error over sequences — is set beside the exact value.
/// <see cref="GraphCheck"/> says whether that happened: "checked", "graph_file_missing", "graph_file_changed"
/// (its node count no longer matches), or null for token files that are not graph walks.
/// </summary>
public sealed record WalkFileStats(
    int VocabSize,
    int SequenceLength,
    long SequenceCount,
    long TokenCount,
    int DistinctTokens,
    double? EntropyRateNats,
    string? GraphFile,
    string? GraphCheck,
    long? Transitions,
    long? NonEdgeTransitions,
    double? EmpiricalNllNats,
    double? EmpiricalNllStdErr)
{
    public static WalkFileStats Of(string binPath)
    {
        var sidecar = TokenFile.ReadSidecar(binPath);
        if (sidecar.Format != TokenSidecar.CurrentFormat)
            throw new UserInputException($"'{TokenFile.SidecarPath(binPath)}' has format '{sidecar.Format}', expected '{TokenSidecar.CurrentFormat}'");
        if (sidecar.SequenceLength < 1 || sidecar.VocabSize < 1)
            throw new UserInputException($"'{TokenFile.SidecarPath(binPath)}' gives sequence_length {sidecar.SequenceLength} and vocab_size {sidecar.VocabSize}; both must be positive");
        var tokens = TokenFile.ReadTokens(binPath, sidecar);
        var seen = new bool[sidecar.VocabSize];
        int distinct = 0;
        foreach (var t in tokens) if (!seen[t]) { seen[t] = true; distinct++; }

        string? graphPath = sidecar.Generator?["kind"]?.GetValue<string>() == WalkFile.GeneratorKind
            ? sidecar.Generator["graph_file"]?.GetValue<string>() : null;
        WalkFileStats Unchecked(string? check) => new(sidecar.VocabSize, sidecar.SequenceLength, sidecar.SequenceCount,
            sidecar.TokenCount, distinct, sidecar.EntropyRateNats, graphPath, check, null, null, null, null);
        if (graphPath is null) return Unchecked(null);
        if (!File.Exists(graphPath)) return Unchecked("graph_file_missing");
        // The graph file may have been regenerated since; a different node count means it is not this walk's graph.
        if (Graphs.GraphFile.ReadSidecar(graphPath).NodeCount != sidecar.VocabSize) return Unchecked("graph_file_changed");

        var graph = Graphs.GraphFile.Read(graphPath);
        var (transitions, nonEdges, mean, stdErr) = TransitionNll(graph, tokens, sidecar.SequenceLength);
        return new(sidecar.VocabSize, sidecar.SequenceLength, sidecar.SequenceCount, sidecar.TokenCount, distinct,
            sidecar.EntropyRateNats, graphPath, "checked", transitions, nonEdges, mean, stdErr);
    }

    /// <summary>
    /// Mean of −ln P(next | current) over all transitions inside sequences, and the standard error from the spread of
    /// per-sequence means (sequences are independent; steps within one are not).
    /// </summary>
    public static (long Transitions, long NonEdges, double? Mean, double? StdErr) TransitionNll(Graph graph, ReadOnlySpan<uint> tokens, int length)
    {
        var weightedDegree = new double[graph.NodeCount];
        for (int u = 0; u < graph.NodeCount; u++) weightedDegree[u] = graph.WeightedDegree(u);
        long transitions = 0, nonEdges = 0, sequences = tokens.Length / length;
        double sum = 0, sumSq = 0;
        if (length < 2 || sequences == 0) return (0, 0, null, null);
        for (long s = 0; s < sequences; s++)
        {
            double seq = 0;
            var walk = tokens.Slice((int)(s * length), length);
            for (int t = 1; t < length; t++)
            {
                int u = (int)walk[t - 1], v = (int)walk[t];
                int at = graph.NeighborsOf(u).BinarySearch(v);
                if (at < 0) { nonEdges++; continue; }
                seq -= Math.Log(graph.WeightAt(graph.Offsets[u] + at) / weightedDegree[u]);
            }
            transitions += length - 1;
            seq /= length - 1;
            sum += seq;
            sumSq += seq * seq;
        }
        double mean = sum / sequences;
        double? stdErr = sequences > 1 ? Math.Sqrt(Math.Max(0, (sumSq - sequences * mean * mean) / (sequences - 1)) / sequences) : null;
        return (transitions, nonEdges, mean, stdErr);
    }
}
