namespace MiniTransformer.Data.Graphs;

/// <summary>
/// Barabási–Albert preferential attachment. Convention: the seed graph is the complete graph on nodes 0 … m−1
/// (m(m−1)/2 edges); node m joins all m seed nodes (the only m distinct targets there are); every later node s
/// draws m distinct targets among nodes 0 … s−1, each draw ∝ current degree, a repeat of an already chosen target
/// being redrawn. Edge count m(m−1)/2 + (n−m)·m, e.g. 15 + 8,186·6 = 49,131 for n = 8,192, m = 6. The degree
/// distribution tends to 2m(m+1)/(k(k+1)(k+2)) for k ≥ m.
///
/// Degree-proportional draws take a uniform entry of the list of edge endpoints (each node appears deg times),
/// O(1) per draw; one Philox stream serves the whole (inherently sequential) process.
/// </summary>
public static class BarabasiAlbert
{
    /// <returns>Edges (a, b) with a &lt; b, sorted by (b, a).</returns>
    public static (int[] A, int[] B) Sample(int nodeCount, int m, ulong seed)
    {
        if (m < 1) throw new UserInputException($"Barabási–Albert needs m ≥ 1 attachments per node (got {m})");
        if (m >= nodeCount) throw new UserInputException($"Barabási–Albert needs m < n (got m = {m}, n = {nodeCount})");
        long edgeCount = EdgeCount(nodeCount, m);
        if (edgeCount > Array.MaxLength / 2)
            throw new UserInputException($"the graph would have {edgeCount} edges, above the in-memory limit of {Array.MaxLength / 2}");

        var a = new int[edgeCount];
        var b = new int[edgeCount];
        var endpoints = new int[2 * edgeCount];
        int e = 0;
        long ends = 0;
        void AddEdge(int lo, int hi)
        {
            a[e] = lo; b[e] = hi; e++;
            endpoints[ends++] = lo;
            endpoints[ends++] = hi;
        }

        for (int v = 1; v < m; v++)
            for (int u = 0; u < v; u++) AddEdge(u, v);
        for (int u = 0; u < m; u++) AddEdge(u, m);

        var rng = new RandomStream(seed, RandomStream.StreamId(GraphStreamDomain.Attachment, 0));
        Span<int> targets = m <= 256 ? stackalloc int[m] : new int[m];
        for (int s = m + 1; s < nodeCount; s++)
        {
            long available = ends; // degrees before node s arrives
            for (int k = 0; k < m; k++)
            {
                int t;
                do t = endpoints[rng.NextBelow(available)];
                while (targets[..k].Contains(t));
                targets[k] = t;
            }
            targets.Sort(); // rows stay sorted in CSR when each node's edges arrive in order
            foreach (int t in targets) AddEdge(t, s);
        }
        return (a, b);
    }

    public static long EdgeCount(int nodeCount, int m) => (long)m * (m - 1) / 2 + (long)(nodeCount - m) * m;
}
