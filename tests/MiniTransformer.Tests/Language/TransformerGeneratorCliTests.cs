using System.Text.Json.Nodes;
using MiniTransformer.Cli;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.Model;
using MiniTransformer.Training;

using MiniTransformer.Tests.Core;

namespace MiniTransformer.Tests.Language;

/// <summary>
/// `lang generators train --kind transformer` and `lang sample` on its file, end to end through CliApp.Run on a small
/// corpus the test writes: the recorded floor is recomputed in float64 from the checkpoint's full forward pass, and bad
/// input exits 2 with nothing written.
/// </summary>
public sealed class TransformerGeneratorCliTests() : CliTestDirectory("mt-lang-tf-")
{
    private void AssertUserError(params string[] args)
    {
        var before = Directory.GetFiles(Dir).Order().ToArray();
        var (code, _, err) = Run(args);
        Assert.True(code == CliApp.UserError, $"{string.Join(' ', args)} exited {code}: {err}");
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Equal(before, Directory.GetFiles(Dir).Order().ToArray()); // nothing written, no temporary left behind
    }

    /// <summary>Tokenizer (vocabulary 290) and train/test files of 17-token sequences from a made-up two-word-class text.</summary>
    private (string Train, string Test) Encoded()
    {
        var random = new Random(3);
        string[] words = ["the", "king", "queen", "of", "and", "my", "lord", "thou", "art", "good", "night"];
        File.WriteAllText(P("corpus.txt"), string.Join("\n", Enumerable.Range(0, 1500).Select(_ =>
            string.Join(" ", Enumerable.Range(0, random.Next(3, 9)).Select(_ => words[random.Next(words.Length)])) + ".")));
        RunOk("lang", "tokenizer", "train", "--input", P("corpus.txt"), "--vocab-size", "290", "--out", P("tok.json"));
        RunOk("lang", "encode", "--tokenizer", P("tok.json"), "--input", P("corpus.txt"), "--sequence-length", "17",
            "--out", P("train.bin"), "--test-out", P("test.bin"), "--test-every", "5");
        return (P("train.bin"), P("test.bin"));
    }

    private static string[] TrainArgs(string train, string test, string output, string lr = "0.02") =>
        ["lang", "generators", "train", "--kind", "transformer", "--data", train, "--test", test, "--layers", "1", "--width", "32",
         "--tokens", "3200", "--batch", "8", "--lr", lr, "--seed", "2", "--threads", "2", "--out", output];

    [Fact]
    public void TrainedTransformerSamplesWithItsRecordedFloor()
    {
        var (train, test) = Encoded();
        RunOk(TrainArgs(train, test, P("gen.json")));
        var generator = JsonNode.Parse(File.ReadAllText(P("gen.json")))!;
        Assert.Equal("minitransformer.transformer-generator.v1", generator["format"]!.GetValue<string>());
        Assert.True(File.Exists(P("gen.ckpt")));
        double testLoss = generator["test_loss_nats"]!.GetValue<double>();
        Assert.True(testLoss < Math.Log(290), $"trained test loss {testLoss} must beat the uniform distribution's ln V");
        // First-token counts are the training file's token counts, counted here independently.
        var trainTokens = ReadTokens(train);
        var counts = new long[290];
        foreach (uint t in trainTokens) counts[t]++;
        Assert.Equal(counts, generator["unigram_counts"]!.AsArray().Select(c => c!.GetValue<long>()).ToArray());

        const int count = 12, length = 10;
        RunOk("lang", "sample", "--generator", P("gen.json"), "--count", $"{count}", "--length", $"{length}", "--seed", "5",
            "--threads", "2", "--batch", "5", "--out", P("s.bin"));
        var sidecar = JsonNode.Parse(File.ReadAllText(P("s.json")))!;
        double floor = sidecar["entropy_rate_nats"]!.GetValue<double>();
        Assert.Equal(floor, sidecar["generator"]!["mc_entropy_nats"]!.GetValue<double>());
        Assert.Equal("transformer", sidecar["generator"]!["generator"]!["kind"]!.GetValue<string>());
        Assert.Equal(testLoss, sidecar["generator"]!["generator"]!["test_loss_nats"]!.GetValue<double>());

        // Recompute the floor: float64 log-softmax of the checkpoint's full forward pass at each sampled position.
        var sampled = ReadTokens(P("s.bin")).Select(t => (int)t).ToArray();
        Assert.Equal(count * length, sampled.Length);
        var (header, parameters, _, _) = Checkpoint.Read(P("gen.ckpt"));
        var config = header.Options.Model;
        using var backend = new CpuBackend(2);
        using var gpt = new Gpt(backend, config, count);
        backend.Upload<float>(parameters, gpt.Parameters);
        int context = config.SequenceLength, v = config.VocabSize;
        var inputs = new int[count * context];
        for (int i = 0; i < count; i++) Array.Copy(sampled, i * length, inputs, i * context, length);
        gpt.SetBatch(inputs, new int[count * context]);
        gpt.Forward(training: false);
        var logits = backend.DownloadArray<float>(gpt.Activations.Logits);
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            double sequence = 0;
            for (int t = 0; t + 1 < length; t++)
            {
                var row = logits.AsSpan((i * context + t) * v, v);
                double max = double.NegativeInfinity;
                foreach (float z in row) max = Math.Max(max, z);
                double z0 = 0;
                foreach (float z in row) z0 += Math.Exp(z - max);
                sequence += Math.Log(z0) + max - row[sampled[i * length + t + 1]];
            }
            sum += sequence / (length - 1);
        }
        Assert.Equal(sum / count, floor, 1e-5);

        // The same sequences for another batch size and thread count.
        RunOk("lang", "sample", "--generator", P("gen.json"), "--count", $"{count}", "--length", $"{length}", "--seed", "5",
            "--threads", "1", "--batch", "3", "--out", P("s2.bin"));
        Assert.Equal(File.ReadAllBytes(P("s.bin")), File.ReadAllBytes(P("s2.bin")));
    }

    [Fact]
    public void BadTransformerInputsExitTwo()
    {
        var (train, test) = Encoded();
        string[] noTokens = [.. TrainArgs(train, test, P("g.json")).Where((_, i) => i != 13 && i != 14)]; // without --tokens 3200
        Assert.DoesNotContain("--tokens", noTokens);
        AssertUserError(noTokens);
        AssertUserError([.. TrainArgs(train, test, P("g.json")), "--alpha", "0.1"]);
        AssertUserError(TrainArgs(train, P("missing.bin"), P("g.json")));
        AssertUserError(TrainArgs(train, test, P("g.json"), lr: "1e9")); // diverges: no checkpoint, no file
        AssertUserError(TrainArgs(train, test, P("no-such-dir/g.json")));

        RunOk(TrainArgs(train, test, P("g.json")));
        AssertUserError(TrainArgs(train, test, P("g.json"))); // exists without --force
        File.Move(P("g.ckpt"), P("moved.ckpt"));
        AssertUserError("lang", "sample", "--generator", P("g.json"), "--count", "2", "--length", "5", "--out", P("s.bin"));
        File.Move(P("moved.ckpt"), P("g.ckpt"));
        AssertUserError("lang", "sample", "--generator", P("g.json"), "--count", "2", "--length", "5", "--batch", "0", "--out", P("s.bin"));
        AssertUserError("lang", "sample", "--generator", P("g.json"), "--count", "2", "--length", "5", "--top-k", "291", "--out", P("s.bin"));
    }

    private static uint[] ReadTokens(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToUInt32(bytes, 4 * i)).ToArray();
    }
}
