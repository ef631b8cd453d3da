using System.Text;
using System.Text.Json.Nodes;
using MiniTransformer.Cli;

using MiniTransformer.Tests.Core;

namespace MiniTransformer.Tests.Language;

/// <summary>The `lang` verbs through CliApp.Run: the whole path on a small made-up corpus, and bad input → exit 2, one line, nothing written.</summary>
public sealed class LangCliTests() : CliTestDirectory("mt-lang-cli-")
{
    private void AssertUserError(params string[] args)
    {
        var before = Directory.GetFiles(Dir).Order().ToArray();
        var (code, _, err) = Run(args);
        Assert.True(code == CliApp.UserError, $"{string.Join(' ', args)} exited {code}: {err}");
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.StartsWith("error:", err);
        Assert.Equal(before, Directory.GetFiles(Dir).Order().ToArray()); // nothing written, no temporary left behind
    }

    /// <summary>A small corpus of two documents: repetitive English-like lines with some multilingual words.</summary>
    private string[] MakeCorpus()
    {
        var random = new Random(1);
        string[] words = ["the", "king", "queen", "of", "and", "to", "my", "lord", "thou", "art", "good", "night", "café", "Straße", "日本"];
        string Document(int lines) => string.Join("\n", Enumerable.Range(0, lines).Select(_ =>
            string.Join(" ", Enumerable.Range(0, random.Next(3, 10)).Select(_ => words[random.Next(words.Length)])) + (random.Next(3) == 0 ? "!" : ".")));
        File.WriteAllText(P("a.txt"), Document(400));
        File.WriteAllText(P("b.txt"), Document(300));
        return [P("a.txt"), P("b.txt")];
    }

    private (string Tokenizer, string Train, string Test, string Bigram) Pipeline()
    {
        var corpus = MakeCorpus();
        RunOk(["lang", "tokenizer", "train", "--input", .. corpus, "--vocab-size", "300", "--out", P("tok.json")]);
        RunOk(["lang", "encode", "--tokenizer", P("tok.json"), "--input", .. corpus, "--sequence-length", "21", "--out", P("train.bin"), "--test-out", P("test.bin"), "--test-every", "5"]);
        RunOk("lang", "generators", "train", "--data", P("train.bin"), "--test", P("test.bin"), "--alpha", "0.01", "--out", P("bigram.json"));
        return (P("tok.json"), P("train.bin"), P("test.bin"), P("bigram.json"));
    }

    [Fact]
    public void TokenizeEncodeTrainSampleDecode()
    {
        var (tokenizer, train, test, bigram) = Pipeline();

        // Interleaving train and test sequences back (test = every 5th) and decoding gives the corpus' bytes, minus the dropped tail.
        RunOk("lang", "decode", "--tokenizer", tokenizer, "--tokens", train, "--out", P("train.txt"));
        RunOk("lang", "decode", "--tokenizer", tokenizer, "--tokens", test, "--out", P("test.txt"));
        var trainSidecar = JsonNode.Parse(File.ReadAllText(P("train.json")))!;
        Assert.Equal(300, trainSidecar["vocab_size"]!.GetValue<int>());
        Assert.Equal(21, trainSidecar["sequence_length"]!.GetValue<int>());
        Assert.Null(trainSidecar["entropy_rate_nats"]);
        Assert.Equal("bpe-corpus", trainSidecar["generator"]!["kind"]!.GetValue<string>());
        var trainTokens = ReadTokens(train);
        var testTokens = ReadTokens(test);
        var tokenizerFile = JsonNode.Parse(File.ReadAllText(tokenizer))!["merges"]!.AsArray();
        var vocabulary = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToList();
        foreach (var merge in tokenizerFile) vocabulary.Add([.. vocabulary[merge![0]!.GetValue<int>()], .. vocabulary[merge[1]!.GetValue<int>()]]);
        var stream = new List<byte>();
        int trainAt = 0, testAt = 0;
        for (int s = 0; trainAt < trainTokens.Length || testAt < testTokens.Length; s++)
        {
            var source = s % 5 == 4 ? testTokens.AsSpan(testAt, 21) : trainTokens.AsSpan(trainAt, 21);
            if (s % 5 == 4) testAt += 21; else trainAt += 21;
            foreach (uint t in source) stream.AddRange(vocabulary[(int)t]);
        }
        var corpus = File.ReadAllBytes(P("a.txt")).Concat(File.ReadAllBytes(P("b.txt"))).ToArray();
        Assert.Equal(corpus.AsSpan(0, stream.Count).ToArray(), stream.ToArray());
        Assert.True(corpus.Length - stream.Count < 21 * 8, "only the tail shorter than a sequence is dropped");
        byte[] decodedTrain = File.ReadAllBytes(P("train.txt"));
        Assert.Equal(trainTokens.SelectMany(t => vocabulary[(int)t]).ToArray(), decodedTrain);

        // Sampling: sidecar carries the generator and the MC floor; same seed, same bytes, any thread count.
        RunOk("lang", "sample", "--generator", bigram, "--count", "500", "--length", "30", "--seed", "4", "--out", P("s1.bin"));
        RunOk("lang", "sample", "--generator", bigram, "--count", "500", "--length", "30", "--seed", "4", "--threads", "1", "--out", P("s2.bin"));
        RunOk("lang", "sample", "--generator", bigram, "--count", "500", "--length", "30", "--seed", "5", "--out", P("s3.bin"));
        Assert.Equal(File.ReadAllBytes(P("s1.bin")), File.ReadAllBytes(P("s2.bin")));
        Assert.NotEqual(File.ReadAllBytes(P("s1.bin")), File.ReadAllBytes(P("s3.bin")));
        var sample = JsonNode.Parse(File.ReadAllText(P("s1.json")))!;
        Assert.Equal(15_000, sample["token_count"]!.GetValue<long>());
        Assert.Equal("language-samples", sample["generator"]!["kind"]!.GetValue<string>());
        Assert.Equal("bigram", sample["generator"]!["generator"]!["kind"]!.GetValue<string>());
        double floor = sample["entropy_rate_nats"]!.GetValue<double>();
        double exact = JsonNode.Parse(File.ReadAllText(bigram))!["entropy_rate_nats"]!.GetValue<double>();
        double se = sample["generator"]!["mc_entropy_standard_error_nats"]!.GetValue<double>();
        Assert.True(floor > 0 && se > 0 && Math.Abs(floor - exact) < 0.5 * exact, $"floor {floor} vs rate {exact}");
        RunOk("lang", "decode", "--tokenizer", tokenizer, "--tokens", P("s1.bin"), "--sequences", "3", "--separator", "\n---\n", "--out", P("s1.txt"));
        Assert.Equal(2, Encoding.UTF8.GetString(File.ReadAllBytes(P("s1.txt"))).Split("\n---\n").Length - 1);

        var trained = JsonNode.Parse(File.ReadAllText(bigram))!;
        Assert.True(trained["test_loss_nats"]!.GetValue<double>() > trained["train_loss_nats"]!.GetValue<double>() - 0.05);
    }

    private static uint[] ReadTokens(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToUInt32(bytes, 4 * i)).ToArray();
    }

    [Fact]
    public void TokenizerTrainingIsReproducibleFromTheCli()
    {
        var corpus = MakeCorpus();
        RunOk(["lang", "tokenizer", "train", "--input", .. corpus, "--vocab-size", "280", "--out", P("t1.json")]);
        RunOk(["lang", "tokenizer", "train", "--input", .. corpus, "--vocab-size", "280", "--out", P("t2.json")]);
        Assert.Equal(File.ReadAllBytes(P("t1.json")), File.ReadAllBytes(P("t2.json")));
        // A directory stands for its files in ordinal order: the same two documents.
        Directory.CreateDirectory(P("docs"));
        File.Copy(corpus[0], P("docs/1.txt"));
        File.Copy(corpus[1], P("docs/2.txt"));
        RunOk("lang", "tokenizer", "train", "--input", P("docs"), "--vocab-size", "280", "--out", P("t3.json"));
        Assert.Equal(JsonNode.Parse(File.ReadAllText(P("t1.json")))!["merges"]!.ToJsonString(), JsonNode.Parse(File.ReadAllText(P("t3.json")))!["merges"]!.ToJsonString());
    }

    [Fact]
    public void BadTokenizerAndEncodeInputsExitTwo()
    {
        var corpus = MakeCorpus();
        AssertUserError("lang", "tokenizer", "train", "--input", corpus[0], "--vocab-size", "255", "--out", P("t.json"));
        AssertUserError("lang", "tokenizer", "train", "--input", P("missing.txt"), "--out", P("t.json"));
        AssertUserError("lang", "tokenizer", "train", "--input", corpus[0], "--out", P("no-such-dir/t.json"));
        AssertUserError("lang", "tokenizer", "train", "--out", P("t.json"));
        RunOk("lang", "tokenizer", "train", "--input", corpus[0], "--vocab-size", "300", "--out", P("t.json"));
        AssertUserError("lang", "tokenizer", "train", "--input", corpus[0], "--out", P("t.json")); // exists, no --force

        string[] encode = ["lang", "encode", "--tokenizer", P("t.json"), "--input", corpus[0]];
        AssertUserError([.. encode, "--sequence-length", "1", "--out", P("e.bin")]);
        AssertUserError([.. encode, "--out", P("e.txt")]);
        AssertUserError([.. encode, "--out", P("e.bin"), "--test-out", P("e.bin")]);
        AssertUserError([.. encode, "--out", P("e.bin"), "--test-out", P("f.bin"), "--test-every", "1"]);
        AssertUserError([.. encode, "--out", P("e.bin"), "--test-every", "4"]);
        AssertUserError([.. encode, "--out", P("e.bin"), "--sequence-length", "10000000"]); // not one whole sequence
        AssertUserError([.. encode, "--out", P("e.bin"), "--test-out", P("f.bin"), "--test-every", "100000"]); // no test sequence
        File.WriteAllText(P("bad.json"), "{\"format\": \"minitransformer.bpe.v1\"");
        AssertUserError("lang", "encode", "--tokenizer", P("bad.json"), "--input", corpus[0], "--out", P("e.bin"));
        AssertUserError("lang", "encode", "--tokenizer", P("none.json"), "--input", corpus[0], "--out", P("e.bin"));
    }

    [Fact]
    public void BadGeneratorSampleAndDecodeInputsExitTwo()
    {
        var (tokenizer, train, test, bigram) = Pipeline();
        string[] generators = ["lang", "generators", "train", "--data", train, "--out", P("g.json")];
        AssertUserError([.. generators, "--kind", "transformer"]);
        AssertUserError([.. generators, "--kind", "trigram"]);
        AssertUserError([.. generators, "--layers", "3"]);
        AssertUserError([.. generators, "--lr", "0.01"]);
        AssertUserError([.. generators, "--kind", "transformer", "--alpha", "0.1"]);
        AssertUserError([.. generators, "--alpha", "0"]);
        AssertUserError([.. generators, "--alpha", "-1"]);
        AssertUserError("lang", "generators", "train", "--data", P("none.bin"), "--out", P("g.json"));
        AssertUserError([.. generators, "--test", P("other.bin")]);
        RunOk("data", "graph", "--nodes", "50", "--edges", "100", "--out", P("graph.bin"));
        RunOk("data", "walks", "--graph", P("graph.bin"), "--count", "10", "--out", P("walks.bin"));
        AssertUserError([.. generators, "--test", P("walks.bin")]); // vocabulary 50 ≠ 300

        string[] sample = ["lang", "sample", "--generator", bigram, "--out", P("s.bin")];
        AssertUserError([.. sample, "--length", "1"]);
        AssertUserError([.. sample, "--count", "0"]);
        AssertUserError([.. sample, "--count", "5", "--tokens", "100"]);
        AssertUserError([.. sample, "--tokens", "-1"]);
        AssertUserError([.. sample, "--temperature", "0"]);
        AssertUserError([.. sample, "--temperature", "-1"]);
        AssertUserError([.. sample, "--top-k", "-2"]);
        AssertUserError([.. sample, "--first-sequence", "-1"]);
        AssertUserError([.. sample, "--threads", "-1"]);
        AssertUserError("lang", "sample", "--generator", tokenizer, "--out", P("s.bin")); // a tokenizer is not a generator
        AssertUserError("lang", "sample", "--generator", P("none.json"), "--out", P("s.bin"));
        AssertUserError("lang", "sample", "--generator", bigram, "--out", P("s.txt"));

        AssertUserError("lang", "decode", "--tokenizer", tokenizer, "--tokens", P("walks.bin"), "--out", P("d.txt")); // vocabulary mismatch
        AssertUserError("lang", "decode", "--tokenizer", tokenizer, "--tokens", train, "--sequences", "-1", "--out", P("d.txt"));
        AssertUserError("lang", "decode", "--tokenizer", tokenizer, "--tokens", P("none.bin"), "--out", P("d.txt"));
        AssertUserError("lang", "decode", "--tokenizer", tokenizer, "--tokens", train, "--out", tokenizer); // exists
    }
}
