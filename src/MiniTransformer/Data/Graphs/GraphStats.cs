using MiniTransformer.Data.Walks;

namespace MiniTransformer.Data.Graphs;

/// <summary>What `data inspect` reports about a graph: size, degree statistics, connected components, the walk's
/// entropy rate and the counting baseline.</summary>
public sealed record GraphStats(
    int Nodes,
    long Edges,
    bool Weighted,
    int MinDegree,
    int MaxDegree,
    double MeanDegree,
    double DegreeStdDev,
    int IsolatedNodes,
    int Components,
    int LargestComponent,
    double? EntropyRateNats,
    double? StationaryEntropyNats,
    double CountingBaselineCoefficient)
{
    public static GraphStats Of(Graph graph)
    {
        int n = graph.NodeCount, min = int.MaxValue, max = 0, isolated = 0;
        double sum = 0, sumSq = 0;
        for (int u = 0; u < n; u++)
        {
            int d = graph.Degree(u);
            min = Math.Min(min, d);
            max = Math.Max(max, d);
            if (d == 0) isolated++;
            sum += d;
            sumSq += (double)d * d;
        }
        double mean = sum / n;
        var (components, largest) = CountComponents(graph);
        return new GraphStats(n, graph.EdgeCount, graph.IsWeighted, min, max, mean, Math.Sqrt(Math.Max(0, sumSq / n - mean * mean)),
            isolated, components, largest, EntropyRate.Compute(graph), EntropyRate.StationaryEntropy(graph), CountingBaseline.Of(graph).Coefficient);
    }

    /// <summary>Connected components (isolated nodes count as one each) by iterative breadth-first search.</summary>
    public static (int Count, int Largest) CountComponents(Graph graph)
    {
        var seen = new bool[graph.NodeCount];
        var queue = new int[graph.NodeCount];
        int count = 0, largest = 0;
        for (int root = 0; root < graph.NodeCount; root++)
        {
            if (seen[root]) continue;
            count++;
            int head = 0, tail = 0;
            queue[tail++] = root;
            seen[root] = true;
            while (head < tail)
                foreach (int v in graph.NeighborsOf(queue[head++]))
                    if (!seen[v]) { seen[v] = true; queue[tail++] = v; }
            largest = Math.Max(largest, tail);
        }
        return (count, largest);
    }
}
