using MiniTransformer.Knn;
using MiniTransformer.Percolation;

namespace MiniTransformer.Tests.Knn;

public class TreeNearestTrainingTests
{
    /// <summary>Brute force: BFS from every site over an adjacency list, then the lexicographically smallest (distance, index) training site.</summary>
    private static (int Distance, int Site)[] BruteForce(int[] parents, bool[] training)
    {
        int n = parents.Length;
        var adjacency = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        for (int i = 1; i < n; i++) { adjacency[i].Add(parents[i]); adjacency[parents[i]].Add(i); }
        var result = new (int, int)[n];
        var dist = new int[n];
        for (int s = 0; s < n; s++)
        {
            Array.Fill(dist, -1);
            dist[s] = 0;
            var queue = new Queue<int>([s]);
            while (queue.Count > 0)
            {
                int v = queue.Dequeue();
                foreach (int w in adjacency[v]) if (dist[w] < 0) { dist[w] = dist[v] + 1; queue.Enqueue(w); }
            }
            (int, int) best = (int.MaxValue, -1);
            for (int t = 0; t < n; t++) if (training[t] && (dist[t], t).CompareTo(best) < 0) best = (dist[t], t);
            result[s] = best;
        }
        return result;
    }

    public static TheoryData<int, double, int> Cases()
    {
        var data = new TheoryData<int, double, int>();
        foreach (int seed in new[] { 1, 2, 3, 4, 5, 6 })
            foreach (double rate in new[] { 0.01, 0.05, 0.3, 1.0 })
                data.Add(seed, rate, seed % 2 == 0 ? 0 : 1);
        return data;
    }

    /// <summary>Small Bethe clusters (kind 0) and random recursive trees with parent[i] uniform in [0, i) (kind 1, not BFS-ordered).</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void EqualsBruteForceTreeDistanceSearch(int seed, double rate, int kind)
    {
        var rng = new Random(seed);
        var trees = new List<int[]>();
        if (kind == 0)
        {
            var set = BetheClusterGenerator.Generate(new BetheSpec(30, 1.0 / 29, 20, 400, 8, (ulong)seed));
            for (int k = 0; k < set.Count; k++) trees.Add(set.ParentsOf(k).ToArray());
        }
        else
            for (int t = 0; t < 8; t++)
            {
                int n = rng.Next(2, 300);
                var p = new int[n];
                p[0] = -1;
                for (int i = 1; i < n; i++) p[i] = rng.Next(i);
                trees.Add(p);
            }
        foreach (var parents in trees)
        {
            var training = parents.Select(_ => rng.NextDouble() < rate).ToArray();
            var best = new long[parents.Length];
            TreeNearestTraining.Compute(parents, training, best);
            var expected = BruteForce(parents, training);
            for (int i = 0; i < parents.Length; i++)
            {
                if (expected[i].Site < 0) { Assert.Equal(TreeNearestTraining.None, best[i]); continue; }
                Assert.Equal(expected[i].Distance, TreeNearestTraining.Distance(best[i]));
                Assert.Equal(expected[i].Site, TreeNearestTraining.Site(best[i]));
            }
        }
    }

    /// <summary>On the path 0–1–2–3–4 with one training site at 0 (value 2): ŷ(i) = 2/(1 + i/√5), or 2 without shrinkage.</summary>
    [Fact]
    public void ShrinkageFollowsTheFormula()
    {
        var info = new ClusterSetInfo();
        var set = ClusterSet.FromClusters(info, [(0L, new[] { -1, 0, 1, 2, 3 }, new[] { 2f, 0f, 0f, 0f, 0f }, (int[]?)null)], 0);
        var training = new[] { true, false, false, false, false };
        var predictions = new double[4];
        new TreeNearestNeighbourRegressor().Predict(set, 0, training, 1, [1, 2, 3, 4], predictions, new RegressorScratch());
        for (int i = 1; i <= 4; i++) Assert.Equal(2 / (1 + i / Math.Sqrt(5)), predictions[i - 1], 12);
        new TreeNearestNeighbourRegressor(shrinkage: false).Predict(set, 0, training, 1, [1, 2, 3, 4], predictions, new RegressorScratch());
        Assert.All(predictions, p => Assert.Equal(2, p));
    }
}
