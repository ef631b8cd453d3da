using System.Runtime.Intrinsics;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.Language;

namespace MiniTransformer.Generation;

/// <summary>
/// Draws one token from a row of logits under <see cref="SamplingOptions"/> on the host. The distribution sampled is
/// p_j = w_j / S with w_j = exp((z_j − max)/T) in float32 for the kept tokens (all, or the k largest logits with ties
/// to the lower index) and 0 otherwise, S = Σ w_j in float64; the token is the first j whose running float64 sum
/// exceeds u·S. −ln p_j = ln S − ln w_j is returned for that same distribution, so the Monte-Carlo entropy estimate
/// measures exactly what was sampled. Everything runs in an order fixed by V, so the draw is a pure function of
/// (logits, options, u).
/// </summary>
public static unsafe class NextTokenDistribution
{
    /// <param name="weights">Scratch of at least V floats (receives the unnormalised weights).</param>
    /// <param name="heap">Scratch of at least <see cref="SamplingOptions.TopK"/> entries (top-k only).</param>
    public static int Draw(ReadOnlySpan<float> logits, SamplingOptions options, double u, Span<float> weights,
        Span<(float Value, int Index)> heap, out double negLogProb)
    {
        int v = logits.Length;
        bool truncate = options.TopK > 0 && options.TopK < v;
        var (kthValue, kthIndex) = truncate ? KthLargest(logits, options.TopK, heap) : (float.NegativeInfinity, v);
        float max = float.NegativeInfinity;
        for (int j = 0; j < v; j++) max = MathF.Max(max, logits[j]);
        float invT = (float)(1.0 / options.Temperature);

        fixed (float* z = logits, w = weights)
        {
            int j = 0;
            var vMax = Vector512.Create(max);
            var vInvT = Vector512.Create(invT);
            for (; j + 16 <= v; j += 16) VectorMath.Exp((Vector512.Load(z + j) - vMax) * vInvT).Store(w + j);
            if (j < v)
            {
                // The tail through the same vector exp (padded), so every weight comes from one function.
                var tail = stackalloc float[16];
                for (int i = 0; i < 16; i++) tail[i] = j + i < v ? z[j + i] : max;
                VectorMath.Exp((Vector512.Load(tail) - vMax) * vInvT).Store(tail);
                for (int i = 0; j + i < v; i++) w[j + i] = tail[i];
            }
        }
        if (truncate)
            for (int j = 0; j < v; j++)
                if (!(logits[j] > kthValue || (logits[j] == kthValue && j <= kthIndex))) weights[j] = 0f;

        double sum = 0;
        for (int j = 0; j < v; j++) sum += weights[j];
        double target = u * sum, running = 0;
        int chosen = -1;
        for (int j = 0; j < v; j++)
        {
            if (weights[j] == 0f) continue;
            chosen = j;                       // the last kept token if rounding leaves the target at the very top
            running += weights[j];
            if (running > target) break;
        }
        negLogProb = Math.Log(sum) - Math.Log(weights[chosen]);
        return chosen;
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
