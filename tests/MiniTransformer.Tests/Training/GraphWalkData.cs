using System.Text.Json.Nodes;
using MiniTransformer.Data;
using MiniTransformer.Randomness;

namespace MiniTransformer.Tests.Training;

/// <summary>
/// Test data with a known floor: uniform random walks on an Erdős–Rényi G(n, M) graph, started from the stationary
/// distribution (∝ degree). The entropy rate is exact, H = Σ_u (deg_u / 2M)·ln deg_u, and the oracle loss of a
/// token file (−mean ln P(next | current) under the true chain) is what no model can beat except by test-set noise.
/// The sampler here is written for the tests from the definition, independent of the trainer.
/// </summary>
public sealed class GraphWalkData
{
    private readonly List<int>[] _adjacency;

    public GraphWalkData(int nodes, int edges, ulong seed)
    {
        _adjacency = Enumerable.Range(0, nodes).Select(_ => new List<int>()).ToArray();
        var seen = new HashSet<(int, int)>();
        ulong draw = 0;
        while (seen.Count < edges)
        {
            var (r0, r1, _, _) = Philox.Draw(seed, 0, draw++);
            int u = (int)(r0 % (uint)nodes), v = (int)(r1 % (uint)nodes);
            if (u == v || !seen.Add((Math.Min(u, v), Math.Max(u, v)))) continue;
            _adjacency[u].Add(v);
            _adjacency[v].Add(u);
        }
        Edges = edges;
    }

    public int Nodes => _adjacency.Length;
    public int Edges { get; }

    public bool IsConnected()
    {
        var visited = new bool[Nodes];
        var stack = new Stack<int>([0]);
        visited[0] = true;
        int count = 1;
        while (stack.Count > 0)
            foreach (int v in _adjacency[stack.Pop()])
                if (!visited[v]) { visited[v] = true; count++; stack.Push(v); }
        return count == Nodes;
    }

    public bool HasEdge(int u, int v) => _adjacency[u].Contains(v);

    public double EntropyRate => _adjacency.Sum(a => a.Count == 0 ? 0 : a.Count / (2.0 * Edges) * Math.Log(a.Count));

    /// <summary>Walk w of the stream (seed): start ∝ degree, then a uniform neighbour each step.</summary>
    public void Walk(ulong seed, long walk, Span<uint> tokens)
    {
        var (r0, _, _, _) = Philox.Draw(seed, (ulong)walk + 1, 0);
        long pick = (long)((ulong)r0 * (ulong)(2 * Edges) >> 32);
        int node = 0;
        while (pick >= _adjacency[node].Count) pick -= _adjacency[node++].Count;
        tokens[0] = (uint)node;
        for (int t = 1; t < tokens.Length; t++)
        {
            var (r, _, _, _) = Philox.Draw(seed, (ulong)walk + 1, (ulong)t);
            var next = _adjacency[node];
            node = next[(int)((ulong)r * (ulong)next.Count >> 32)];
            tokens[t] = (uint)node;
        }
    }

    /// <summary>Writes <paramref name="count"/> walks of <paramref name="length"/> tokens as a token file with its entropy rate.</summary>
    public string WriteTokenFile(string path, int length, int count, ulong seed)
    {
        var tokens = new uint[(long)length * count];
        for (int w = 0; w < count; w++) Walk(seed, w, tokens.AsSpan(w * length, length));
        TokenFile.Write(path, tokens, new TokenSidecar(TokenSidecar.CurrentFormat, Nodes, length, count, tokens.Length,
            EntropyRate, new JsonObject { ["kind"] = "test_er_walk", ["nodes"] = Nodes, ["edges"] = Edges, ["seed"] = seed }), force: true);
        return path;
    }

    /// <summary>Per-prediction oracle losses −ln P(x_{t+1} | x_t) = ln deg(x_t) of the first <paramref name="sequences"/> sequences of a file.</summary>
    public double[] OracleLosses(string path, int sequences)
    {
        var sidecar = TokenFile.ReadSidecar(path);
        var tokens = TokenFile.ReadTokens(path, sidecar);
        int s = sidecar.SequenceLength;
        var losses = new List<double>();
        for (int w = 0; w < sequences; w++)
            for (int t = 0; t + 1 < s; t++)
                losses.Add(Math.Log(_adjacency[tokens[w * s + t]].Count));
        return losses.ToArray();
    }
}
