using System.Text.Json;
using MiniTransformer.Cli;

namespace MiniTransformer.Tests.Training;

public class TrainCliTests
{
    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string[] Train(WalkDataDirectory d, string outPath, params string[] extra) => TrainTokens(d, outPath, "1024", extra);

    private static string[] TrainTokens(WalkDataDirectory d, string outPath, string tokens, params string[] extra) =>
    [
        "train", "--data", d.TrainPath, "--test", d.TestPath, "--layers", "1", "--width", "32", "--base-width", "32",
        "--tokens", tokens, "--batch", "8", "--lr", "3e-3", "--seed", "4", "--backend", "cpu", "--out", outPath, .. extra,
    ];

    [Fact]
    public void TrainWritesARunRecordAndResumesFromItsCheckpoint()
    {
        using var d = new WalkDataDirectory(trainSequences: 128, testSequences: 16);
        string record = d.File("run.json"), ckpt = d.File("run.ckpt");
        var (code, stdout, err) = Cli([.. Train(d, record, "--checkpoint", ckpt, "--checkpoint-every", "3"), "--json"]);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(record));
        var r = doc.RootElement;
        Assert.Equal("completed", r.GetProperty("status").GetString());
        Assert.Equal(8, r.GetProperty("steps").GetInt32());
        Assert.Equal(1024, r.GetProperty("tokens").GetInt64());
        Assert.True(r.GetProperty("final_test_loss").GetDouble() > 0);
        Assert.Equal(d.Graph.EntropyRate, r.GetProperty("entropy_rate_nats").GetDouble(), 12);
        Assert.True(r.GetProperty("compute").GetProperty("flops_per_step").GetInt64() > 0);
        Assert.StartsWith("cpu", r.GetProperty("backend").GetString());
        Assert.False(string.IsNullOrEmpty(r.GetProperty("code_version").GetString()));
        Assert.Equal(JsonDocument.Parse(stdout).RootElement.GetProperty("final_test_loss").GetDouble(), r.GetProperty("final_test_loss").GetDouble());

        // The final checkpoint resumes into an already finished run: same record contents, no extra steps.
        var (code2, _, err2) = Cli(Train(d, d.File("again.json"), "--resume", ckpt));
        Assert.True(code2 == 0, err2);
        using var again = JsonDocument.Parse(File.ReadAllText(d.File("again.json")));
        Assert.Equal(r.GetProperty("final_test_loss").GetDouble(), again.RootElement.GetProperty("final_test_loss").GetDouble());
    }

    [Fact]
    public void BadInputExitsWithTwoAndLeavesNoRecord()
    {
        using var d = new WalkDataDirectory(trainSequences: 32, testSequences: 16);
        string record = d.File("run.json");
        Assert.Equal(CliApp.UserError, Cli(Train(d, record, "--backend", "tpu")).Code);
        Assert.Equal(CliApp.UserError, Cli(Train(d, record, "--param", "ntk")).Code);
        Assert.Equal(CliApp.UserError, Cli(Train(d, record, "--width", "30")).Code);                  // not divisible by 4 heads
        var (epochCode, _, epochErr) = Cli(TrainTokens(d, record, "999999"));                    // more than one epoch
        Assert.Equal(CliApp.UserError, epochCode);
        Assert.Contains("one epoch", epochErr);
        Assert.Equal(CliApp.UserError, Cli(["train", "--data", d.File("missing.bin"), "--test", d.TestPath, "--tokens", "128", "--lr", "1e-3", "--out", record]).Code);
        Assert.False(File.Exists(record));
        File.WriteAllText(record, "{}");
        var (code, _, err) = Cli(Train(d, record));
        Assert.Equal(CliApp.UserError, code);
        Assert.Contains("--force", err);
        Assert.Single(err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void ProfilePrintsEveryOpOfAStep()
    {
        var (code, stdout, err) = Cli("profile", "--vocab", "64", "--context", "8", "--layers", "1", "--width", "32", "--batch", "2", "--steps", "1", "--json");
        Assert.True(code == 0, err);
        var ops = JsonDocument.Parse(stdout).RootElement.GetProperty("ops").EnumerateArray().Select(o => o.GetProperty("op").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "gemm", "attention_forward", "attention_backward", "layernorm_forward", "layernorm_backward", "cross_entropy", "adamw", "rope" }, ops);

        // The GEMM split by shape adds up to the GEMM row, and a plain shape's FLOPs are 2·M·N·K per launch, M×N×K read
        // back from its label.
        var root = JsonDocument.Parse(stdout).RootElement;
        var gemm = root.GetProperty("ops").EnumerateArray().Single(o => o.GetProperty("op").GetString() == "gemm");
        var shapes = root.GetProperty("gemm_shapes").EnumerateArray().ToList();
        Assert.Equal(gemm.GetProperty("launches").GetInt64(), shapes.Sum(s => s.GetProperty("launches").GetInt64()));
        Assert.Equal(gemm.GetProperty("flops").GetInt64(), shapes.Sum(s => s.GetProperty("flops").GetInt64()));
        var plain = shapes.Where(s => s.GetProperty("op").GetString()!.Split(' ').Length == 2).ToList();
        Assert.NotEmpty(plain);
        foreach (var s in plain)
        {
            var mnk = s.GetProperty("op").GetString()!.Split(' ')[1].Split('×').Select(long.Parse).ToArray();
            Assert.Equal(s.GetProperty("launches").GetInt64() * 2 * mnk[0] * mnk[1] * mnk[2], s.GetProperty("flops").GetInt64());
        }
    }
}
