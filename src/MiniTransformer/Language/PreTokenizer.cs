namespace MiniTransformer.Language;

/// <summary>
/// Splits raw bytes into pre-tokens, the units BPE merges never cross (GPT-2-like, but on bytes so any byte
/// sequence splits, valid UTF-8 or not). Byte classes: letters = ASCII letters and every byte ≥ 0x80 (so a UTF-8
/// multi-byte character stays inside its word), digits, whitespace = space \t \n \v \f \r, punctuation = the rest.
/// A pre-token is, in this order of preference:
/// <list type="bullet">
/// <item>an optional single space followed by a run of letters, of digits, or of punctuation;</item>
/// <item>a run of whitespace; when the run is followed by a non-whitespace byte and ends in a space, that last space
/// is left to start the next pre-token (so " word" keeps its space, as in GPT-2);</item>
/// </list>
/// and pre-tokens longer than <see cref="MaxBytes"/> are cut into consecutive pieces of at most MaxBytes (bounds
/// the cost of encoding pathological runs). Equivalent Python: the regex
/// <c>rb" ?[A-Za-z\x80-\xff]+| ?[0-9]+| ?[^\sA-Za-z0-9\x80-\xff]+|\s+(?= \S)|\s+"</c> then the cut (tools/bpe_reference.py).
/// The rule looks at most MaxBytes + 2 bytes ahead, which is what lets corpora be split while streamed.
/// </summary>
public static class PreTokenizer
{
    public const int MaxBytes = 128;

    /// <summary>Identifies this rule in tokenizer files, so a file made under another rule is refused.</summary>
    public const string Name = "bytes-gpt2-like-v1";

    private enum ByteClass : byte { Letter, Digit, Space, OtherWhitespace, Punctuation }

    private static readonly ByteClass[] Classes = BuildClasses();

    private static ByteClass[] BuildClasses()
    {
        var classes = new ByteClass[256];
        for (int b = 0; b < 256; b++)
            classes[b] = b switch
            {
                >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= 0x80 => ByteClass.Letter,
                >= '0' and <= '9' => ByteClass.Digit,
                ' ' => ByteClass.Space,
                '\t' or '\n' or '\v' or '\f' or '\r' => ByteClass.OtherWhitespace,
                _ => ByteClass.Punctuation,
            };
        return classes;
    }

    private static bool IsWhitespace(ByteClass c) => c is ByteClass.Space or ByteClass.OtherWhitespace;

    /// <summary>
    /// Length of the pre-token at the start of <paramref name="data"/>, or 0 when more bytes are needed to decide
    /// (only possible while <paramref name="isFinal"/> is false: the data is not yet the end of the document).
    /// </summary>
    public static int NextLength(ReadOnlySpan<byte> data, bool isFinal)
    {
        if (data.IsEmpty) return 0;
        var first = Classes[data[0]];
        if (first == ByteClass.Space && data.Length == 1 && !isFinal) return 0; // a space's role depends on the next byte
        if (first == ByteClass.Space && data.Length > 1 && !IsWhitespace(Classes[data[1]]))
            return RunLength(data, 1, Classes[data[1]], isFinal);
        if (!IsWhitespace(first)) return RunLength(data, 0, first, isFinal);

        int end = 1, limit = Math.Min(data.Length, MaxBytes + 2);
        while (end < limit && IsWhitespace(Classes[data[end]])) end++;
        if (end == limit && end < MaxBytes + 2 && !isFinal) return 0; // the run may go on beyond the data seen
        bool followedByWord = end < data.Length && !IsWhitespace(Classes[data[end]]);
        if (followedByWord && end > 1 && data[end - 1] == ' ') end--;
        return Math.Min(end, MaxBytes);
    }

    /// <summary>A run of <paramref name="cls"/> starting at <paramref name="start"/> (after an optional space), capped.</summary>
    private static int RunLength(ReadOnlySpan<byte> data, int start, ByteClass cls, bool isFinal)
    {
        int end = start + 1, limit = Math.Min(data.Length, MaxBytes);
        while (end < limit && Classes[data[end]] == cls) end++;
        if (end == data.Length && end < MaxBytes && !isFinal) return 0;
        return end;
    }

    /// <summary>Calls <paramref name="onPiece"/> for each pre-token of a complete byte string, in order.</summary>
    public static void Split(ReadOnlySpan<byte> text, PieceHandler onPiece)
    {
        while (!text.IsEmpty)
        {
            int length = NextLength(text, isFinal: true);
            onPiece(text[..length]);
            text = text[length..];
        }
    }

    public delegate void PieceHandler(ReadOnlySpan<byte> piece);
}
