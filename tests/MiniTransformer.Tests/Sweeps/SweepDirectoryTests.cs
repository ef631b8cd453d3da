using MiniTransformer.Cli;
using MiniTransformer.Sweeps;
using MiniTransformer.Tests.Core;

namespace MiniTransformer.Tests.Sweeps;

/// <summary>
/// A sweep directory holds one sweep: another spec aimed at it (a changed grid, here another preset; a ladder on another
/// corpus) exits 2 with one line before anything in the directory is touched, instead of mixing its runs into the old
/// store and report.
/// </summary>
public sealed class SweepDirectoryTests() : CliTestDirectory("mt-sweepdir-")
{
    [Theory]
    [InlineData("quick", "er-8k")]
    [InlineData("ladder-quick", "ladder-quick")]
    public void ADifferentSpecIsRefusedAndTheDirectoryIsLeftAsItWas(string held, string requested)
    {
        var dir = P("run");
        Directory.CreateDirectory(dir);
        var heldSpec = SweepPresets.Load(held);
        if (heldSpec.IsLadder) heldSpec = heldSpec with { Ladder = heldSpec.Ladder! with { Corpus = P("old-corpus.txt") } };
        File.WriteAllText(Path.Combine(dir, "spec.json"), SweepSpecLoader.Serialize(heldSpec));
        File.WriteAllText(Path.Combine(dir, "command.txt"), "the first sweep's command\n");
        File.WriteAllText(Path.Combine(dir, "results.db"), "stands for the first sweep's runs");
        var before = Directory.GetFiles(dir).ToDictionary(f => f, File.ReadAllText);

        File.WriteAllText(P("new-corpus.txt"), "a corpus of its own\n");
        string[] args = ["sweep", "--preset", requested, "--out", dir, "--no-report", .. heldSpec.IsLadder ? new[] { "--corpus", P("new-corpus.txt") } : []];
        var (code, _, err) = Run(args);

        Assert.Equal(CliApp.UserError, code);
        Assert.Contains("already holds a different sweep", err);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Equal(before, Directory.GetFiles(dir).ToDictionary(f => f, File.ReadAllText));
    }
}
