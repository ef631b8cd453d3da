namespace MiniTransformer.Language;

/// <summary>
/// A text corpus on disk: an ordered list of documents, one document per file. Paths given by the user are taken
/// in the order given; a directory stands for every file below it, in ordinal path order (so the order, and with
/// it every tokenizer and token file made from the corpus, is the same on every machine). Files are read as raw
/// bytes in 1 MiB blocks — never whole — so a corpus of any size streams; the bytes are expected to be UTF-8 text
/// but nothing depends on it (byte-level BPE encodes any byte sequence).
/// </summary>
public sealed class TextCorpus
{
    private const int BlockBytes = 1 << 20;

    public IReadOnlyList<string> Documents { get; }

    public TextCorpus(IEnumerable<string> paths)
    {
        var documents = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path)) documents.Add(Path.GetFullPath(path));
            else if (Directory.Exists(path))
                documents.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Select(Path.GetFullPath).Order(StringComparer.Ordinal));
            else throw new UserInputException($"corpus input '{path}' is neither a file nor a directory");
        }
        if (documents.Count == 0) throw new UserInputException("the corpus has no documents (give text files or directories holding them)");
        Documents = documents;
    }

    /// <summary>Total size of the documents in bytes.</summary>
    public long ByteCount => Documents.Sum(d => new FileInfo(d).Length);

    /// <summary>
    /// Streams every document's pre-tokens (<see cref="PreTokenizer"/>) in corpus order. Pre-tokens never span two
    /// documents; <paramref name="onDocumentEnd"/> (optional) runs after each document's last pre-token.
    /// </summary>
    public void ForEachPiece(PreTokenizer.PieceHandler onPiece, Action<string>? onDocumentEnd = null)
    {
        var buffer = new byte[BlockBytes];
        foreach (var document in Documents)
        {
            using var stream = new FileStream(document, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            int filled = 0;
            bool atEnd = false;
            while (!atEnd || filled > 0)
            {
                if (!atEnd)
                {
                    int read = stream.Read(buffer, filled, buffer.Length - filled);
                    if (read == 0) atEnd = true;
                    filled += read;
                }
                int consumed = 0;
                while (consumed < filled)
                {
                    int length = PreTokenizer.NextLength(buffer.AsSpan(consumed, filled - consumed), atEnd);
                    if (length == 0) break;
                    onPiece(buffer.AsSpan(consumed, length));
                    consumed += length;
                }
                Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed); // the undecided tail (< MaxBytes + 2 bytes)
                filled -= consumed;
            }
            onDocumentEnd?.Invoke(document);
        }
    }
}
