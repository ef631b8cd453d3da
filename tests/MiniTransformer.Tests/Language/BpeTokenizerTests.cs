using System.Text;
using System.Text.Json;
using MiniTransformer.Language;

namespace MiniTransformer.Tests.Language;

/// <summary>
/// Byte-level BPE: merges against hand counts and against an independent naive Python implementation
/// (tools/bpe_reference.py), exact round trips of arbitrary bytes, determinism, streaming, and the file.
/// </summary>
public sealed class BpeTokenizerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mt-bpe-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private (BpeTokenizer Tokenizer, BpeTokenizer.TrainingInfo Info) TrainOn(byte[] text, int vocab) =>
        BpeTraining.Train(new TextCorpus([WriteFile($"corpus-{Guid.NewGuid():N}.txt", text)]), vocab);

    private static List<(int, int)> Merges(BpeTokenizer t) => t.Merges.Select(m => (m.Left, m.Right)).ToList();

    [Fact]
    public void MergesMatchHandCount()
    {
        // Pieces "ab", " ab" ×2, " abc" ×2. Pairs: (a,b) 5, (' ',a) 4, (b,c) 2 → merge a+b = 256;
        // then (' ',256) 4, (256,c) 2 → 257 = ' '+256; then (257,c) 2 → 258; nothing left.
        var (t, _) = TrainOn("ab ab ab abc abc"u8.ToArray(), 300);
        Assert.Equal([(97, 98), (32, 256), (257, 99)], Merges(t)); // a=97 b=98 c=99 ' '=32
        Assert.Equal(259, t.VocabSize);

        // Pieces "aaaa" ×1, " bb" ×2. Overlapping positions count: (a,a) 3 beats (' ',b) 2 and (b,b) 2 → 256 = aa,
        // "aaaa" → [256, 256]. Then (' ',b) and (b,b) tie at 2: the smaller left id (32) wins → 257; then (257,b) 2 → 258.
        // (256,256) occurs once: below the minimum count of 2, so training stops at 259 although 300 was asked for.
        var (u, _) = TrainOn("aaaa bb bb"u8.ToArray(), 300);
        Assert.Equal([(97, 97), (32, 98), (257, 98)], Merges(u));
        Assert.Equal([256, 256], u.Encode("aaaa"u8));
        Assert.Equal([256, 97], u.Encode("aaa"u8)); // left to right without overlap: "aa" + "a"
        Assert.Equal([258, 98, 257], u.Encode(" bbb b"u8)); // " bbb": ' '+b = 257, 257+b = 258, then b; " b" → 257
    }

    [Fact]
    public void StopsAtRequestedVocabulary()
    {
        var (t, _) = TrainOn("ab ab ab abc abc"u8.ToArray(), 257);
        Assert.Equal([('a', 'b')], Merges(t));
        var (bytesOnly, _) = TrainOn("ab ab ab abc abc"u8.ToArray(), 256);
        Assert.Empty(bytesOnly.Merges);
        Assert.Throws<UserInputException>(() => TrainOn("ab"u8.ToArray(), 255));
    }

    private sealed record Fixture(int VocabSize, string TextBase64, int PieceCount, int[][] Merges, int[] Encoded);

    [Fact]
    public void MatchesNaivePythonReferenceMergeForMerge()
    {
        var fixture = JsonSerializer.Deserialize<Fixture>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "bpe_reference.json")),
            new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!;
        var text = Convert.FromBase64String(fixture.TextBase64);
        var (t, info) = TrainOn(text, fixture.VocabSize);
        Assert.Equal(fixture.PieceCount, info.Pieces);
        Assert.Equal(fixture.Merges.Length, t.Merges.Count);
        for (int i = 0; i < fixture.Merges.Length; i++)
            Assert.True(fixture.Merges[i][0] == t.Merges[i].Left && fixture.Merges[i][1] == t.Merges[i].Right,
                $"merge {i}: reference ({fixture.Merges[i][0]}, {fixture.Merges[i][1]}), ours {t.Merges[i]}");
        Assert.Equal(fixture.Encoded, t.Encode(text));
        Assert.Equal(text, t.Decode(fixture.Encoded));
    }

    private static byte[] MultilingualText() => Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Repeat(
        "The quick brown fox — naïve café, Straße, 日本語のテキスト, 中文文本, Привет мир, Ωμέγα, العربية, हिन्दी, 한국어, 🙂🚀 12345 ... ", 40)));

    [Fact]
    public void RoundTripsMultilingualUtf8()
    {
        var (t, _) = TrainOn(MultilingualText(), 600);
        Assert.True(t.Merges.Count > 100, "the text should give many merges");
        foreach (var s in new[] { "", "a", " ", "日本", "Straße and Страсе", "🙂🙂🙂 🚀", "mixed\tTABS\r\nand  spaces   ", "\u0000\u0001control", new string('x', 1000) })
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            var tokens = t.Encode(bytes);
            Assert.All(tokens, id => Assert.InRange(id, 0, t.VocabSize - 1));
            Assert.Equal(bytes, t.Decode(tokens));
            Assert.Equal(s, Encoding.UTF8.GetString(t.Decode(tokens)));
        }
        var whole = MultilingualText();
        var encoded = t.Encode(whole);
        Assert.True(encoded.Length < whole.Length / 3, $"{whole.Length} bytes → {encoded.Length} tokens: the merges should compress their own corpus");
        Assert.Equal(whole, t.Decode(encoded));
    }

    [Fact]
    public void RoundTripsRandomByteStringsIncludingInvalidUtf8()
    {
        var (t, _) = TrainOn(MultilingualText(), 600);
        var random = new Random(7);
        for (int trial = 0; trial < 300; trial++)
        {
            var bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            if (trial % 3 == 0) // mostly text-like bytes, so that merges fire between the random ones
                for (int i = 0; i < bytes.Length; i++) bytes[i] = random.Next(4) == 0 ? bytes[i] : (byte)" aeinrst\n"[bytes[i] % 9];
            Assert.Equal(bytes, t.Decode(t.Encode(bytes)));
        }
        var allBytes = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        Assert.Equal(allBytes, t.Decode(t.Encode(allBytes)));
        Assert.Equal(new byte[] { 0xC3, 0x28, 0xFF, 0xFE, 0xE2, 0x82 }, t.Decode(t.Encode(new byte[] { 0xC3, 0x28, 0xFF, 0xFE, 0xE2, 0x82 })));
    }

    [Fact]
    public void TrainingIsDeterministicAndTheFileRoundTrips()
    {
        var text = MultilingualText();
        var (a, infoA) = TrainOn(text, 500);
        var (b, infoB) = TrainOn(text, 500);
        Assert.Equal(Merges(a), Merges(b));
        var pathA = Path.Combine(_dir, "a.json");
        var pathB = Path.Combine(_dir, "b.json");
        a.Save(pathA, infoA with { Documents = ["x"] }, force: false);
        b.Save(pathB, infoB with { Documents = ["x"] }, force: false);
        Assert.Equal(File.ReadAllBytes(pathA), File.ReadAllBytes(pathB));
        var loaded = BpeTokenizer.Load(pathA);
        Assert.Equal(Merges(a), Merges(loaded));
        Assert.Equal(a.Encode(text), loaded.Encode(text));
    }

    [Fact]
    public void StreamedPreTokensEqualTheWholeFileSplit()
    {
        // > 2 MiB with long runs of every byte class, so pre-tokens straddle the reader's 1 MiB block boundaries.
        var random = new Random(3);
        var alphabet = new byte[] { (byte)'a', (byte)'Z', 0xC3, 0xA9, (byte)' ', (byte)'\n', (byte)'\t', (byte)'7', (byte)'.', (byte)'-' };
        var text = new List<byte>();
        while (text.Count < (5 << 19))
        {
            byte b = alphabet[random.Next(alphabet.Length)];
            text.AddRange(Enumerable.Repeat(b, random.Next(8) == 0 ? random.Next(1, 300) : random.Next(1, 4)));
        }
        var bytes = text.ToArray();
        var whole = new List<byte[]>();
        PreTokenizer.Split(bytes, piece => whole.Add(piece.ToArray()));
        var streamed = new List<byte[]>();
        new TextCorpus([WriteFile("big.txt", bytes)]).ForEachPiece(piece => streamed.Add(piece.ToArray()));
        Assert.Equal(whole.Count, streamed.Count);
        for (int i = 0; i < whole.Count; i++) Assert.True(whole[i].AsSpan().SequenceEqual(streamed[i]), $"piece {i} differs");
        Assert.Equal(bytes, whole.SelectMany(p => p).ToArray());
        Assert.All(whole, p => Assert.InRange(p.Length, 1, PreTokenizer.MaxBytes));
    }

    [Fact]
    public void PreTokensFollowTheDocumentedRule()
    {
        var pieces = new List<string>();
        PreTokenizer.Split(Encoding.UTF8.GetBytes("Hello, world!  It's 2024.\n\n café\tx  \n y"), p => pieces.Add(Encoding.UTF8.GetString(p)));
        Assert.Equal(["Hello", ",", " world", "!", " ", " It", "'", "s", " 2024", ".", "\n\n", " café", "\t", "x", "  \n", " y"], pieces);
    }

    [Fact]
    public void DocumentsAreSplitSeparately()
    {
        var first = WriteFile("1.txt", "ab"u8.ToArray());
        var second = WriteFile("2.txt", "cd"u8.ToArray());
        var pieces = new List<string>();
        new TextCorpus([first, second]).ForEachPiece(p => pieces.Add(Encoding.ASCII.GetString(p)));
        Assert.Equal(["ab", "cd"], pieces); // "abcd" would be one piece if the files were concatenated
    }

    [Theory]
    [InlineData("""{"format":"minitransformer.bpe.v1","pre_tokenizer":"bytes-gpt2-like-v1","max_piece_bytes":128,"vocab_size":257,"merges":[[97,256]]}""")]
    [InlineData("""{"format":"minitransformer.bpe.v1","pre_tokenizer":"bytes-gpt2-like-v1","max_piece_bytes":128,"vocab_size":258,"merges":[[97,98]]}""")]
    [InlineData("""{"format":"minitransformer.bpe.v1","pre_tokenizer":"bytes-gpt2-like-v1","max_piece_bytes":128,"vocab_size":258,"merges":[[97,98],[97,98]]}""")]
    [InlineData("""{"format":"minitransformer.bpe.v1","pre_tokenizer":"bytes-gpt2-like-v1","max_piece_bytes":128,"vocab_size":257,"merges":[[97]]}""")]
    [InlineData("""{"format":"minitransformer.bpe.v1","pre_tokenizer":"other","max_piece_bytes":128,"vocab_size":256,"merges":[]}""")]
    [InlineData("""{"format":"something.else","pre_tokenizer":"bytes-gpt2-like-v1","max_piece_bytes":128,"vocab_size":256,"merges":[]}""")]
    [InlineData("not json")]
    public void LoadRejectsMalformedFiles(string json)
    {
        var path = WriteFile("bad.json", Encoding.UTF8.GetBytes(json));
        var e = Assert.Throws<UserInputException>(() => BpeTokenizer.Load(path));
        Assert.DoesNotContain('\n', e.Message);
    }
}
