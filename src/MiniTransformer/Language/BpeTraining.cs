using System.Text;

namespace MiniTransformer.Language;

/// <summary>Trains a <see cref="BpeTokenizer"/> on a corpus: one streamed pass counts distinct pre-tokens, then <see cref="BpeTrainer"/>.</summary>
public static class BpeTraining
{
    public static (BpeTokenizer Tokenizer, BpeTokenizer.TrainingInfo Info) Train(TextCorpus corpus, int vocabSize)
    {
        if (vocabSize < BpeTokenizer.ByteVocabulary)
            throw new UserInputException($"the vocabulary size must be at least {BpeTokenizer.ByteVocabulary} (the byte alphabet); got {vocabSize}");
        // Keys are the pre-token bytes widened one byte per char (Latin-1): exact, and look-ups need no allocation.
        var counts = new Dictionary<string, long>();
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        long bytes = 0, pieces = 0;
        corpus.ForEachPiece(piece =>
        {
            Span<char> key = stackalloc char[piece.Length];
            Encoding.Latin1.GetChars(piece, key);
            lookup[key] = lookup.TryGetValue(key, out long n) ? n + 1 : 1;
            bytes += piece.Length;
            pieces++;
        });
        // The merges are a function of the counts alone (ties are broken by token ids), so the word order does not matter.
        var words = counts.Select(kv => (Encoding.Latin1.GetBytes(kv.Key), kv.Value));
        var tokenizer = new BpeTokenizer(BpeTrainer.Train(words, vocabSize));
        return (tokenizer, new BpeTokenizer.TrainingInfo(vocabSize, BpeTrainer.MinPairCount, corpus.Documents, bytes, pieces, counts.Count));
    }
}
