using MiniTransformer.Cli;

namespace MiniTransformer.Tests.Reports;

/// <summary>The `report` verb on a store with only unfinished runs (nothing to fit: the report says so and still lists them).</summary>
public sealed class ReportCommandTests : IDisposable
{
    private readonly string _dir = SyntheticSweep.Create(done: false);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WritesHtmlAndMarkdownAndRefusesToOverwriteWithoutForce()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(0, CliApp.Run(["report", "--dir", _dir], stdout, stderr));
        var html = File.ReadAllText(Path.Combine(_dir, "report.html"));
        var md = File.ReadAllText(Path.Combine(_dir, "report.md"));
        Assert.Contains("runs (1 diverged, 1 failed)", html);
        Assert.Contains(SyntheticSweep.DivergenceReason, md);
        Assert.Contains("The command was not recorded", html);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));

        Assert.Equal(CliApp.UserError, CliApp.Run(["report", "--dir", _dir], stdout, stderr));
        Assert.Contains("--force", stderr.ToString());
        Assert.Equal(0, CliApp.Run(["report", "--dir", _dir, "--force", "--out", Path.Combine(_dir, "other.html")], stdout, stderr));
        Assert.True(File.Exists(Path.Combine(_dir, "other.md")));
    }

    [Fact]
    public void MissingSweepDirectoryIsAUserError()
    {
        var stderr = new StringWriter();
        Assert.Equal(CliApp.UserError, CliApp.Run(["report", "--dir", Path.Combine(_dir, "nope")], new StringWriter(), stderr));
        Assert.Contains("does not exist", stderr.ToString());
    }
}
