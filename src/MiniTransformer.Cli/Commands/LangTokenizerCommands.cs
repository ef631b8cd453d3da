using System.CommandLine;
using System.Diagnostics;
using MiniTransformer.Data;
using MiniTransformer.IO;
using MiniTransformer.Language;

namespace MiniTransformer.Cli.Commands;

/// <summary>`lang tokenizer train`, `lang encode`, `lang decode`: corpus ↔ BPE tokenizer ↔ token files.</summary>
public static class LangTokenizerCommands
{
    public static Command Train()
    {
        var input = LangCommands.Inputs();
        var vocab = new Option<int>("--vocab-size") { Description = "Vocabulary size: 256 bytes + merges (training stops early when no pair occurs twice)", DefaultValueFactory = _ => 4096 };
        var output = new Option<string>("--out") { Description = "Tokenizer file to write (JSON: pre-tokenizer, merges in order)", DefaultValueFactory = _ => "tokenizer.json" };
        var force = CommonOptions.Force();
        var command = new Command("train", "Learn byte-level BPE merges on a corpus (GPT-2-like pre-tokenisation; deterministic)") { input, vocab, output, force };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            bool overwrite = parse.GetValue(force);
            AtomicFile.EnsureWritable(path, overwrite);
            int size = parse.GetValue(vocab);
            if (size < BpeTokenizer.ByteVocabulary) throw new UserInputException($"--vocab-size must be at least {BpeTokenizer.ByteVocabulary} (got {size})");
            var corpus = new TextCorpus(parse.GetValue(input)!);
            var clock = Stopwatch.StartNew();
            var (tokenizer, info) = BpeTraining.Train(corpus, size);
            double seconds = clock.Elapsed.TotalSeconds;
            tokenizer.Save(path, info, overwrite);
            var writer = parse.InvocationConfiguration.Output;
            if (parse.GetValue(CommonOptions.Json))
                writer.WriteLine(Json.Serialize(new { File = Path.GetFullPath(path), tokenizer.VocabSize, Merges = tokenizer.Merges.Count, Training = info, Seconds = seconds }));
            else
                writer.WriteLine($"wrote {path}: vocabulary {tokenizer.VocabSize:N0} ({tokenizer.Merges.Count:N0} merges) from {info.Documents.Count} document(s), " +
                                 $"{info.Bytes:N0} bytes, {info.DistinctPieces:N0} distinct pre-tokens, in {seconds:F2} s");
            return 0;
        });
        return command;
    }

    public static Command Encode()
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = "Tokenizer file from `lang tokenizer train`", Required = true };
        var input = LangCommands.Inputs();
        var length = new Option<int>("--sequence-length") { Description = "Tokens per sequence T (context = T − 1 when training on it)", DefaultValueFactory = _ => 101 };
        var output = new Option<string>("--out") { Description = "Training token file (.bin uint32 tokens + .json sidecar)", Required = true };
        var testOut = new Option<string?>("--test-out") { Description = "Test token file: every --test-every-th sequence goes here instead" };
        var testEvery = new Option<int?>("--test-every") { Description = "With --test-out: sequence i is a test sequence iff i mod N = N − 1 (default 10)" };
        var force = CommonOptions.Force();
        var command = new Command("encode", "Encode a corpus into token files of fixed-length sequences, optionally split into train and test by blocks")
        {
            tokenizer, input, length, output, testOut, testEvery, force,
        };
        command.SetAction(parse =>
        {
            string? test = parse.GetValue(testOut);
            int every = parse.GetValue(testEvery) ?? (test is null ? 0 : 10);
            string tokenizerPath = parse.GetValue(tokenizer)!, trainPath = parse.GetValue(output)!;
            var bpe = BpeTokenizer.Load(tokenizerPath);
            var corpus = new TextCorpus(parse.GetValue(input)!);
            var clock = Stopwatch.StartNew();
            var (train, testSidecar) = CorpusEncoder.Encode(corpus, bpe, tokenizerPath, new CorpusEncoder.Spec(parse.GetValue(length), every), trainPath, test, parse.GetValue(force));
            double seconds = clock.Elapsed.TotalSeconds;
            var writer = parse.InvocationConfiguration.Output;
            if (parse.GetValue(CommonOptions.Json))
                writer.WriteLine(Json.Serialize(new { Train = train, Test = testSidecar, Seconds = seconds }));
            else
            {
                long bytes = train.Generator["corpus_bytes"]!.GetValue<long>();
                long tokens = train.TokenCount + (testSidecar?.TokenCount ?? 0) + train.Generator["dropped_tail_tokens"]!.GetValue<long>();
                writer.WriteLine($"encoded {bytes:N0} bytes into {tokens:N0} tokens ({(double)bytes / tokens:F2} bytes/token) in {seconds:F2} s");
                writer.WriteLine($"wrote {trainPath}: {train.SequenceCount:N0} sequences × {train.SequenceLength}" +
                                 (testSidecar is null ? "" : $"; {test}: {testSidecar.SequenceCount:N0} sequences (1 in {every})"));
            }
            return 0;
        });
        return command;
    }

    public static Command Decode()
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = "Tokenizer file the tokens were made with", Required = true };
        var tokens = new Option<string>("--tokens") { Description = "Token file (.bin with its .json sidecar)", Required = true };
        var output = new Option<string?>("--out") { Description = "Text file to write (default: standard output)" };
        var separator = new Option<string>("--separator") { Description = "Text written between sequences (default none: the exact bytes of the token stream)", DefaultValueFactory = _ => "" };
        var sequences = new Option<long>("--sequences") { Description = "Decode only the first N sequences (0 = all)", DefaultValueFactory = _ => 0 };
        var force = CommonOptions.Force();
        var command = new Command("decode", "Turn a token file back into text (exact bytes)") { tokenizer, tokens, output, separator, sequences, force };
        command.SetAction(parse =>
        {
            string? outPath = parse.GetValue(output);
            bool overwrite = parse.GetValue(force);
            if (outPath is not null) AtomicFile.EnsureWritable(outPath, overwrite);
            long limit = parse.GetValue(sequences);
            if (limit < 0) throw new UserInputException($"--sequences must be 0 (all) or positive (got {limit})");
            var bpe = BpeTokenizer.Load(parse.GetValue(tokenizer)!);
            string binPath = parse.GetValue(tokens)!;
            var sidecar = TokenFile.ReadSidecar(binPath);
            if (sidecar.VocabSize != bpe.VocabSize)
                throw new UserInputException($"'{binPath}' has vocabulary {sidecar.VocabSize}, the tokenizer {bpe.VocabSize}: not made with this tokenizer");
            var data = TokenFile.ReadTokens(binPath, sidecar);
            long count = limit == 0 ? sidecar.SequenceCount : Math.Min(limit, sidecar.SequenceCount);
            var separatorBytes = System.Text.Encoding.UTF8.GetBytes(parse.GetValue(separator)!);

            void WriteText(Stream stream)
            {
                for (long s = 0; s < count; s++)
                {
                    if (s > 0) stream.Write(separatorBytes);
                    bpe.DecodeTo(data.AsSpan((int)(s * sidecar.SequenceLength), sidecar.SequenceLength), stream);
                }
            }

            var stdout = parse.InvocationConfiguration.Output;
            if (outPath is null && ReferenceEquals(stdout, Console.Out))
            {
                using var raw = Console.OpenStandardOutput(); // the exact bytes, even where they are not valid UTF-8
                WriteText(raw);
            }
            else if (outPath is null)
            {
                using var buffer = new MemoryStream();
                WriteText(buffer);
                stdout.Write(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            }
            else AtomicFile.Write(outPath, overwrite, WriteText);
            return 0;
        });
        return command;
    }
}
