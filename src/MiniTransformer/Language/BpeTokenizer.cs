using System.Text;
using MiniTransformer.IO;

namespace MiniTransformer.Language;

/// <summary>
/// A byte-level BPE tokenizer: tokens 0–255 are the bytes, token 256 + i is merge i (the concatenation of its two
/// parts). Every byte sequence encodes (the bytes are the base vocabulary) and decoding is exact.
/// Encoding a text: split it into pre-tokens (<see cref="PreTokenizer"/>), and in each apply the merges in training
/// order — repeatedly merge the present pair of lowest merge index, left to right — which reproduces exactly how
/// training segmented its words. Pre-token encodings are cached, so a corpus costs about one dictionary look-up
/// per pre-token. Not thread-safe (the cache); use one instance per thread.
/// </summary>
public sealed class BpeTokenizer
{
    public const int ByteVocabulary = 256;
    private const int CacheLimit = 1 << 20;

    private readonly Dictionary<long, int> _rank = new();
    private readonly byte[][] _tokenBytes;
    private readonly Dictionary<string, int[]> _cache = new();
    private readonly Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private int[] _scratch = new int[PreTokenizer.MaxBytes];

    public IReadOnlyList<(int Left, int Right)> Merges { get; }
    public int VocabSize => ByteVocabulary + Merges.Count;

    public BpeTokenizer(IReadOnlyList<(int Left, int Right)> merges)
    {
        Merges = merges;
        _tokenBytes = new byte[ByteVocabulary + merges.Count][];
        for (int b = 0; b < ByteVocabulary; b++) _tokenBytes[b] = [(byte)b];
        for (int i = 0; i < merges.Count; i++)
        {
            var (left, right) = merges[i];
            int id = ByteVocabulary + i;
            if (left < 0 || right < 0 || left >= id || right >= id)
                throw new UserInputException($"merge {i} = ({left}, {right}) refers to a token that does not exist yet (ids below {id})");
            if (!_rank.TryAdd(((long)left << 32) | (uint)right, i))
                throw new UserInputException($"merge {i} = ({left}, {right}) repeats an earlier merge");
            _tokenBytes[id] = [.. _tokenBytes[left], .. _tokenBytes[right]];
        }
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The bytes token <paramref name="token"/> stands for.</summary>
    public ReadOnlySpan<byte> TokenBytes(int token) => _tokenBytes[token];

    /// <summary>Appends the tokens of one pre-token to <paramref name="output"/>.</summary>
    public void EncodePiece(ReadOnlySpan<byte> piece, List<int> output)
    {
        Span<char> key = piece.Length <= 2 * PreTokenizer.MaxBytes ? stackalloc char[piece.Length] : new char[piece.Length];
        Encoding.Latin1.GetChars(piece, key); // one char per byte: a cheap exact string key
        if (!_cacheLookup.TryGetValue(key, out var tokens))
        {
            tokens = EncodeUncached(piece);
            if (_cache.Count < CacheLimit) _cacheLookup[key] = tokens;
        }
        output.AddRange(tokens);
    }

    private int[] EncodeUncached(ReadOnlySpan<byte> piece)
    {
        if (_scratch.Length < piece.Length) _scratch = new int[piece.Length];
        var symbols = _scratch.AsSpan(0, piece.Length);
        for (int i = 0; i < piece.Length; i++) symbols[i] = piece[i];
        int length = piece.Length;
        while (length > 1)
        {
            int bestRank = int.MaxValue;
            for (int i = 0; i + 1 < length; i++)
                if (_rank.TryGetValue(((long)symbols[i] << 32) | (uint)symbols[i + 1], out int rank) && rank < bestRank) bestRank = rank;
            if (bestRank == int.MaxValue) break;
            var (left, right) = Merges[bestRank];
            length = BpeTrainer.ApplyMerge(symbols, length, left, right, ByteVocabulary + bestRank);
        }
        return symbols[..length].ToArray();
    }

    /// <summary>Tokens of a whole byte string (split into pre-tokens first).</summary>
    public int[] Encode(ReadOnlySpan<byte> text)
    {
        var output = new List<int>();
        PreTokenizer.Split(text, piece => EncodePiece(piece, output));
        return output.ToArray();
    }

    /// <summary>The exact bytes a token sequence stands for.</summary>
    public byte[] Decode(ReadOnlySpan<int> tokens)
    {
        using var stream = new MemoryStream();
        foreach (int t in tokens) stream.Write(CheckedBytes(t));
        return stream.ToArray();
    }

    /// <summary>Writes the bytes of <paramref name="tokens"/> to <paramref name="output"/>.</summary>
    public void DecodeTo(ReadOnlySpan<uint> tokens, Stream output)
    {
        foreach (uint t in tokens) output.Write(CheckedBytes(t > int.MaxValue ? -1 : (int)t));
    }

    private byte[] CheckedBytes(int token) =>
        token >= 0 && token < _tokenBytes.Length ? _tokenBytes[token]
            : throw new UserInputException($"token {token} is outside the tokenizer's vocabulary of {VocabSize}");

    // ---- the tokenizer file ----

    /// <summary>What training saw, recorded in the file for provenance.</summary>
    public sealed record TrainingInfo(int RequestedVocabSize, int MinPairCount, IReadOnlyList<string> Documents, long Bytes, long Pieces, long DistinctPieces);

    /// <summary>
    /// The tokenizer file (JSON, <see cref="CurrentFormat"/>): the pre-tokenizer rule, the vocabulary size and the
    /// merges in order as [left, right] id pairs (merge i makes token 256 + i); <c>training</c> says what it was
    /// learnt from. Python: <c>merges = json.load(f)["merges"]</c>, then token bytes by concatenation.
    /// </summary>
    public sealed record FileContents(string Format, string PreTokenizer, int MaxPieceBytes, int VocabSize, int[][] Merges, TrainingInfo? Training);

    public const string CurrentFormat = "minitransformer.bpe.v1";

    public void Save(string path, TrainingInfo? training, bool force) =>
        AtomicFile.WriteAllText(path, Json.Serialize(new FileContents(CurrentFormat, Language.PreTokenizer.Name, Language.PreTokenizer.MaxBytes, VocabSize,
            Merges.Select(m => new[] { m.Left, m.Right }).ToArray(), training)), force);

    public static BpeTokenizer Load(string path)
    {
        var file = Json.ReadFile<FileContents>(path);
        if (file.Format != CurrentFormat) throw new UserInputException($"'{path}' is not a tokenizer file (format '{file.Format}', expected '{CurrentFormat}')");
        if (file.PreTokenizer != Language.PreTokenizer.Name || file.MaxPieceBytes != Language.PreTokenizer.MaxBytes)
            throw new UserInputException($"'{path}' was made with pre-tokenizer '{file.PreTokenizer}' (max {file.MaxPieceBytes} bytes); this build uses '{Language.PreTokenizer.Name}' (max {Language.PreTokenizer.MaxBytes})");
        if (file.Merges is null || file.Merges.Any(m => m is not { Length: 2 }))
            throw new UserInputException($"'{path}': merges must be a list of [left, right] pairs");
        if (file.VocabSize != ByteVocabulary + file.Merges.Length)
            throw new UserInputException($"'{path}' says vocab_size {file.VocabSize} but holds {file.Merges.Length} merges (expected {file.VocabSize - ByteVocabulary})");
        try { return new BpeTokenizer(file.Merges.Select(m => (m[0], m[1])).ToArray()); }
        catch (UserInputException e) { throw new UserInputException($"'{path}': {e.Message}"); }
    }
}
