using System.Runtime.Intrinsics;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.Language;

namespace MiniTransformer.Generation;

/// <summary>
/// Draws one token from a row of logits under <see cref="SamplingOptions"/> on the host. The distribution sampled:
/// <list type="bullet">
/// <item>weights w_j = exp((z_j − max)/T) in float32 (<see cref="VectorMath.Exp"/>) for the kept tokens (all, or the k
/// largest logits with ties to the lower index), 0 for the others;</item>
/// <item>the row cut into blocks of 16 tokens (the last one padded with zero weights); a block's sum s_b is the float64
/// sum of its 16 weights in a fixed tree (w_i + w_{i+8} for i &lt; 8, then those 4 apart, 2 apart, 1 apart); the
/// cumulative sums P_b = P_{b−1} + s_b in float64, block after block, and S = P of the last block;</item>
/// <item>target = u·S; the token is in the first block with P_b &gt; target, and is the first j there whose running
/// float64 sum P_{b−1} + w_{16b} + … + w_j exceeds the target — or, where rounding leaves the target above every running
/// sum, the last kept token of that block (of the row when no P_b exceeds it).</item>
/// </list>
/// So token j is drawn with probability w_j / S up to float64 rounding, and −ln p_j = ln S − ln w_j is returned for that
/// same distribution: the Monte-Carlo entropy estimate measures exactly what was sampled. Every sum runs in an order
/// fixed by V alone, and the Vector512 arithmetic rounds the same whether or not the processor has AVX-512 (without it
/// the runtime computes the same IEEE operations lane by lane), so the draw is a pure function of (logits, options, u).
/// The block sums make the work vector-wide (one pass for max, one for exp + mask + block sums) and the search a binary
/// search over blocks plus at most 16 steps, instead of scalar float64 chains over all V tokens.
/// </summary>
public static unsafe class NextTokenDistribution
{
    private const int Block = 16;

    /// <summary>Per-row working space (one per concurrently drawn row: draws never share it).</summary>
    public sealed class Scratch
    {
        internal readonly float[] Weights;
        internal readonly double[] Cumulative;
        internal readonly (float Value, int Index)[] Heap;

        /// <param name="topK">The largest k the draws will use (0: no top-k).</param>
        public Scratch(int vocabSize, int topK)
        {
            int blocks = (vocabSize + Block - 1) / Block;
            Vocab = vocabSize;
            Weights = new float[blocks * Block];
            Cumulative = new double[blocks];
            Heap = new (float, int)[Math.Max(1, topK)];
        }

        public int Vocab { get; }
    }

    public static int Draw(ReadOnlySpan<float> logits, SamplingOptions options, double u, Scratch scratch, out double negLogProb)
    {
        int v = logits.Length, blocks = (v + Block - 1) / Block;
        if (v > scratch.Vocab) throw new ArgumentException($"the scratch holds {scratch.Vocab} tokens, the row has {v}");
        bool truncate = options.TopK > 0 && options.TopK < v;
        var (kthValue, kthIndex) = truncate ? KthLargest(logits, options.TopK, scratch.Heap) : (float.NegativeInfinity, v);
        float invT = (float)(1.0 / options.Temperature);

        fixed (float* z = logits, w = scratch.Weights)
        fixed (double* cumulative = scratch.Cumulative)
        {
            float max = VectorMath.Max(z, v);
            var vMax = Vector512.Create(max);
            var vInvT = Vector512.Create(invT);
            var vKthValue = Vector512.Create(kthValue);
            var vKthIndex = Vector512.Create(kthIndex);
            var vLength = Vector512.Create(v);
            var lanes = Vector512<int>.Indices;
            var tail = stackalloc float[Block];
            double running = 0;
            for (int b = 0; b < blocks; b++)
            {
                int j0 = b * Block;
                Vector512<float> x;
                if (j0 + Block <= v) x = Vector512.Load(z + j0);
                else
                {
                    // The tail through the same vector exp, padded with the max (finite weights, then masked to 0).
                    for (int i = 0; i < Block; i++) tail[i] = j0 + i < v ? z[j0 + i] : max;
                    x = Vector512.Load(tail);
                }
                var index = lanes + Vector512.Create(j0);
                var kept = Vector512.LessThan(index, vLength);
                if (truncate)
                    kept &= (Vector512.GreaterThan(x, vKthValue) |
                             (Vector512.Equals(x, vKthValue) & Vector512.LessThanOrEqual(index, vKthIndex).AsSingle())).AsInt32();
                var weight = VectorMath.Exp((x - vMax) * vInvT) & kept.AsSingle();
                weight.Store(w + j0);
                running += BlockSum(weight);
                cumulative[b] = running;
            }

            double sum = running, target = u * sum;
            int first = 0, past = blocks;   // binary search: the first block whose cumulative sum exceeds the target
            while (first < past)
            {
                int mid = (first + past) >>> 1;
                if (cumulative[mid] > target) past = mid;
                else first = mid + 1;
            }
            int chosen = -1;
            if (first == blocks)
            {
                for (int j = v - 1; chosen < 0; j--)
                    if (w[j] != 0f) chosen = j;
            }
            else
            {
                double partial = first == 0 ? 0 : cumulative[first - 1];
                for (int j = first * Block, end = Math.Min(v, j + Block); j < end; j++)
                {
                    if (w[j] == 0f) continue;
                    chosen = j;
                    partial += w[j];
                    if (partial > target) break;
                }
            }
            negLogProb = Math.Log(sum) - Math.Log(w[chosen]);
            return chosen;
        }
    }

    /// <summary>The float64 sum of 16 weights in the fixed tree of the class comment.</summary>
    private static double BlockSum(Vector512<float> weights)
    {
        var eight = Vector512.WidenLower(weights) + Vector512.WidenUpper(weights);
        var four = eight.GetLower() + eight.GetUpper();
        var two = four.GetLower() + four.GetUpper();
        return two.ToScalar() + two.GetElement(1);
    }

    /// <summary>The k-th element of the logits ordered by value descending, index ascending (a k-entry min-heap, O(V log k)).</summary>
    private static (float Value, int Index) KthLargest(ReadOnlySpan<float> logits, int k, Span<(float Value, int Index)> heap)
    {
        // Heap order: the root is the "smallest" kept entry — lowest value, and among equal values the highest index.
        static bool Less((float Value, int Index) a, (float Value, int Index) b) => a.Value < b.Value || (a.Value == b.Value && a.Index > b.Index);
        if (heap.Length < k) throw new ArgumentException($"top-k scratch holds {heap.Length} entries, needs {k}");
        for (int j = 0; j < k; j++)
        {
            int c = j;
            heap[c] = (logits[j], j);
            while (c > 0 && Less(heap[c], heap[(c - 1) / 2])) { (heap[c], heap[(c - 1) / 2]) = (heap[(c - 1) / 2], heap[c]); c = (c - 1) / 2; }
        }
        for (int j = k; j < logits.Length; j++)
        {
            var entry = (logits[j], j);
            if (!Less(heap[0], entry)) continue;
            heap[0] = entry;
            int c = 0;
            while (true)
            {
                int l = 2 * c + 1, r = l + 1, s = c;
                if (l < k && Less(heap[l], heap[s])) s = l;
                if (r < k && Less(heap[r], heap[s])) s = r;
                if (s == c) break;
                (heap[c], heap[s]) = (heap[s], heap[c]);
                c = s;
            }
        }
        return heap[0];
    }
}
