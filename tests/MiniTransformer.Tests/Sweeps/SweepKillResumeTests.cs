using System.Diagnostics;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Tests.Sweeps;

/// <summary>
/// The sweep CLI as a child process: SIGKILL it mid-sweep, start it again, and the store ends with every run exactly
/// once, all finished, and an intact database.
/// </summary>
public sealed class SweepKillResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mt-sweep-kill-").FullName;

    private const string Spec = """
        { "name": "kill", "data": { "graph": { "kind": "er-gnm", "nodes": 64, "edges": 256, "seed": 3 }, "sequence_length": 16, "test_tokens": 480 },
          "model": { "layers": [1], "widths": [16], "base_width": 16 },
          "tokens": [960, 1920, 2880, 3840], "learning_rates": [0.01, 0.03, 100.0], "seeds": [0, 1], "batch": 4, "eval_points": 2 }
        """;

    [Fact]
    public void KilledSweepResumesAndCompletesEveryRunExactlyOnce()
    {
        var specPath = Path.Combine(_dir, "spec.json");
        File.WriteAllText(specPath, Spec);
        var storePath = Path.Combine(_dir, "out", ResultsStore.FileName);
        int total = 4 * 3 * 2;

        using (var first = StartSweep(specPath))
        {
            var deadline = Stopwatch.StartNew();
            while (FinishedRuns(storePath) < 3 && deadline.Elapsed < TimeSpan.FromMinutes(3) && !first.HasExited) Thread.Sleep(50);
            Assert.False(first.HasExited, "the sweep finished before it could be killed; make the spec larger");
            first.Kill(entireProcessTree: true); // SIGKILL: no chance to clean up
            first.WaitForExit();
        }
        int before = FinishedRuns(storePath);
        Assert.InRange(before, 3, total - 1);

        using (var second = StartSweep(specPath))
        {
            Assert.True(second.WaitForExit(TimeSpan.FromMinutes(5)), "the resumed sweep did not finish");
            Assert.Equal(0, second.ExitCode);
        }

        using var store = new ResultsStore(storePath);
        var rows = store.Rows();
        Assert.Equal(total, rows.Count);
        Assert.Equal(total, rows.Select(r => r["id"]).Distinct().Count());
        Assert.All(rows, r => Assert.Contains((string)r["status"]!, new[] { "done", "diverged" }));
        // lr = 100 blows up: recorded as diverged, never as a number, and the sweep went on.
        Assert.All(rows.Where(r => (double)r["learning_rate"]! == 100.0), r => Assert.Equal("diverged", r["status"]));
        Assert.All(rows.Where(r => (double)r["learning_rate"]! < 1), r => Assert.Equal("done", r["status"]));
        Assert.All(rows.Where(r => (string)r["status"]! == "done"), r => Assert.True(r["final_test_loss"] is double));
        Assert.Equal("ok", IntegrityCheck(storePath));
    }

    private Process StartSweep(string specPath)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "MiniTransformer.Cli.dll");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { cli, "sweep", "--spec", specPath, "--out", Path.Combine(_dir, "out"), "--workers", "1", "--no-report" }) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static int FinishedRuns(string storePath)
    {
        if (!File.Exists(storePath)) return 0;
        try
        {
            using var store = new ResultsStore(storePath);
            return store.FinishedIds().Count;
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return 0; // the writer holds the schema lock while it creates the store
        }
    }

    private static string IntegrityCheck(string path)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check";
        return (string)cmd.ExecuteScalar()!;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
