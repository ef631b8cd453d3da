using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using MiniTransformer.Data;

namespace MiniTransformer.Language;

/// <summary>
/// Encodes a corpus into token files. The documents are encoded in corpus order into one token stream (document
/// boundaries are not marked: there are no special tokens), which is cut into consecutive sequences of
/// <see cref="Spec.SequenceLength"/> tokens; a last incomplete sequence is dropped.
/// <para>
/// Train/test split by contiguous blocks: sequence i goes to the test file when i mod N = N − 1
/// (N = <see cref="Spec.TestEvery"/>; 0 = no test file), so the test set is 1/N of the corpus spread evenly over
/// it rather than its last chapter, and the split is decided while streaming. Each test sequence is a contiguous
/// block of text never seen in training; its neighbours are, but no model's context reaches across a sequence.
/// </para>
/// </summary>
public static class CorpusEncoder
{
    public const string GeneratorKind = "bpe-corpus";

    public sealed record Spec(int SequenceLength, int TestEvery);

    public static (TokenSidecar Train, TokenSidecar? Test) Encode(TextCorpus corpus, BpeTokenizer tokenizer, string tokenizerPath,
        Spec spec, string trainPath, string? testPath, bool force)
    {
        if (spec.SequenceLength < 2) throw new UserInputException($"the sequence length must be at least 2 (got {spec.SequenceLength})");
        if (spec.TestEvery < 0 || spec.TestEvery == 1) throw new UserInputException($"--test-every must be 0 (no test file) or at least 2 (got {spec.TestEvery})");
        if ((spec.TestEvery > 0) != (testPath is not null))
            throw new UserInputException(testPath is null ? "a test split needs a test output file (--test-out)" : "a test output file needs --test-every ≥ 2");
        if (testPath is not null && Path.GetFullPath(testPath) == Path.GetFullPath(trainPath))
            throw new UserInputException("the train and test outputs must be different files");

        using var train = new TokenStreamWriter(trainPath, force);
        using var test = testPath is null ? null : new TokenStreamWriter(testPath, force);
        int length = spec.SequenceLength;
        var pending = new List<int>();
        long sequences = 0, bytes = 0;

        void WriteWholeSequences()
        {
            var tokens = CollectionsMarshal.AsSpan(pending);
            int whole = tokens.Length / length;
            for (int s = 0; s < whole; s++, sequences++)
            {
                bool isTest = spec.TestEvery > 0 && sequences % spec.TestEvery == spec.TestEvery - 1;
                (isTest ? test! : train).Write(tokens.Slice(s * length, length));
            }
            pending.RemoveRange(0, whole * length);
        }

        corpus.ForEachPiece(piece =>
        {
            tokenizer.EncodePiece(piece, pending);
            bytes += piece.Length;
            if (pending.Count >= 1 << 16) WriteWholeSequences();
        });
        WriteWholeSequences();

        if (train.TokenCount == 0)
            throw new UserInputException($"the corpus ({bytes:N0} bytes) encodes to fewer tokens than one training sequence of {length}");
        if (test is not null && test.TokenCount == 0)
            throw new UserInputException($"the corpus encodes to {sequences} sequences of {length}: too few for a test split of 1 in {spec.TestEvery}");

        TokenSidecar Sidecar(TokenStreamWriter writer, string part) => new(TokenSidecar.CurrentFormat, tokenizer.VocabSize, length,
            writer.TokenCount / length, writer.TokenCount, EntropyRateNats: null, new JsonObject
            {
                ["kind"] = GeneratorKind,
                ["tokenizer_file"] = Path.GetFullPath(tokenizerPath),
                ["documents"] = new JsonArray(corpus.Documents.Select(d => (JsonNode)d).ToArray()),
                ["corpus_bytes"] = bytes,
                ["stream_sequences"] = sequences,
                ["dropped_tail_tokens"] = (long)pending.Count,
                ["split"] = "sequence i of the stream is a test sequence iff i mod test_every = test_every - 1",
                ["test_every"] = spec.TestEvery,
                ["part"] = part,
            });
        var trainSidecar = Sidecar(train, "train");
        var testSidecar = test is null ? null : Sidecar(test, "test");
        if (test is null) TokenStreamWriter.CommitAll((train, trainSidecar));
        else TokenStreamWriter.CommitAll((train, trainSidecar), (test, testSidecar!));
        return (trainSidecar, testSidecar);
    }
}
