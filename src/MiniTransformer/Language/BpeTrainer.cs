using System.Runtime.InteropServices;

namespace MiniTransformer.Language;

/// <summary>
/// Learns byte-level BPE merges from pre-token counts. Definition (what tools/bpe_reference.py recomputes naively):
/// every distinct pre-token is a word of byte symbols weighted by its count; the count of a pair (a, b) is the
/// weighted number of adjacent positions holding a then b (overlaps count: "aaa" holds (a, a) twice); each step
/// merges the pair of highest count — ties to the smaller left id, then the smaller right id — into the new symbol
/// 256 + step, replacing occurrences left to right without overlap ("aaa" → "A a"). Training stops at the requested
/// vocabulary or when no pair occurs at least twice (a pair seen once would only memorise the corpus).
/// <para>
/// Cost: pair counts are kept incrementally. A max-heap holds (count, pair) entries, stale ones skipped when popped;
/// each pair lists the words that contain it, and a merge rescans only those words: their old pairs are subtracted,
/// the merge applied, the new pairs added — O(total length of affected words) per merge rather than a full recount.
/// </para>
/// </summary>
public static class BpeTrainer
{
    public const int MinPairCount = 2;

    private sealed class Word(int[] symbols, long count)
    {
        public int[] Symbols = symbols;
        public int Length = symbols.Length;
        public readonly long Count = count;
    }

    /// <summary>Max count first, then the smaller (left, right) — the key is left·2³² + right, so the smaller key.</summary>
    private sealed class PairOrder : IComparer<(long Count, long Key)>
    {
        public int Compare((long Count, long Key) x, (long Count, long Key) y) =>
            x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.Key.CompareTo(y.Key);
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>The merges, in order, for a vocabulary of at most <paramref name="vocabSize"/> tokens (≥ 256).</summary>
    public static List<(int Left, int Right)> Train(IEnumerable<(byte[] Piece, long Count)> pieces, int vocabSize)
    {
        if (vocabSize < BpeTokenizer.ByteVocabulary)
            throw new UserInputException($"the vocabulary size must be at least {BpeTokenizer.ByteVocabulary} (the byte alphabet); got {vocabSize}");
        var words = pieces.Where(p => p.Piece.Length > 1 && p.Count > 0)
            .Select(p => new Word(Array.ConvertAll(p.Piece, b => (int)b), p.Count)).ToArray();

        var pairCounts = new Dictionary<long, long>();
        var pairWords = new Dictionary<long, List<int>>();
        for (int w = 0; w < words.Length; w++)
        {
            var word = words[w];
            for (int i = 0; i + 1 < word.Length; i++)
            {
                long key = Key(word.Symbols[i], word.Symbols[i + 1]);
                CollectionsMarshal.GetValueRefOrAddDefault(pairCounts, key, out _) += word.Count;
                AddWord(pairWords, key, w);
            }
        }
        var heap = new PriorityQueue<long, (long Count, long Key)>(new PairOrder());
        foreach (var (key, count) in pairCounts) heap.Enqueue(key, (count, key));

        var merges = new List<(int, int)>();
        var lastVisit = new int[words.Length];
        Array.Fill(lastVisit, -1);
        var deltas = new Dictionary<long, long>();
        while (merges.Count < vocabSize - BpeTokenizer.ByteVocabulary && heap.TryDequeue(out long best, out var entry))
        {
            if (pairCounts.GetValueOrDefault(best) != entry.Count) continue; // stale: the count changed after this entry
            if (entry.Count < MinPairCount) break;
            int left = (int)(best >> 32), right = (int)(uint)best, merged = BpeTokenizer.ByteVocabulary + merges.Count;
            merges.Add((left, right));

            deltas.Clear();
            foreach (int w in pairWords[best])
            {
                if (lastVisit[w] == merges.Count) continue; // listed twice
                lastVisit[w] = merges.Count;
                var word = words[w];
                if (!Contains(word, left, right)) continue; // listed when it held the pair, merged away since
                for (int i = 0; i + 1 < word.Length; i++)
                    CollectionsMarshal.GetValueRefOrAddDefault(deltas, Key(word.Symbols[i], word.Symbols[i + 1]), out _) -= word.Count;
                ApplyMerge(word, left, right, merged);
                for (int i = 0; i + 1 < word.Length; i++)
                {
                    long key = Key(word.Symbols[i], word.Symbols[i + 1]);
                    CollectionsMarshal.GetValueRefOrAddDefault(deltas, key, out _) += word.Count;
                    AddWord(pairWords, key, w);
                }
            }
            pairWords.Remove(best);
            foreach (var (key, delta) in deltas)
            {
                if (delta == 0) continue;
                long count = pairCounts.GetValueOrDefault(key) + delta;
                if (count == 0) pairCounts.Remove(key);
                else
                {
                    pairCounts[key] = count;
                    heap.Enqueue(key, (count, key));
                }
            }
        }
        return merges;
    }

    private static void AddWord(Dictionary<long, List<int>> pairWords, long key, int word)
    {
        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(pairWords, key, out _);
        list ??= [];
        if (list.Count == 0 || list[^1] != word) list.Add(word); // cheap de-duplication of the common case
    }

    private static bool Contains(Word word, int left, int right)
    {
        for (int i = 0; i + 1 < word.Length; i++)
            if (word.Symbols[i] == left && word.Symbols[i + 1] == right) return true;
        return false;
    }

    /// <summary>Left-to-right, non-overlapping replacement of (left, right) by <paramref name="merged"/>, in place.</summary>
    internal static int ApplyMerge(Span<int> symbols, int length, int left, int right, int merged)
    {
        int read = 0, write = 0;
        while (read < length)
        {
            if (read + 1 < length && symbols[read] == left && symbols[read + 1] == right)
            {
                symbols[write++] = merged;
                read += 2;
            }
            else symbols[write++] = symbols[read++];
        }
        return write;
    }

    private static void ApplyMerge(Word word, int left, int right, int merged) =>
        word.Length = ApplyMerge(word.Symbols, word.Length, left, right, merged);
}
