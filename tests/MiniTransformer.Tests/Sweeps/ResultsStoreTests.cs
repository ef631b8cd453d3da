using MiniTransformer.Sweeps;

namespace MiniTransformer.Tests.Sweeps;

/// <summary>
/// The sweep machinery (store, shards, merge, resume) with a stand-in executor whose "loss" is a fixed function of
/// the config, so what is checked is bookkeeping: every run exactly once, merged shards equal one process.
/// </summary>
public sealed class ResultsStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mt-store-").FullName;

    private static readonly SweepPlan Plan = SweepPlan.Expand(SweepSpecLoader.Parse("""
        { "name": "t", "tokens": [8000, 16000, 32000], "learning_rates": [0.01, 0.03], "seeds": [0, 1, 2],
          "model": { "layers": [1, 2], "widths": [32, 64] }, "batch": 4 }
        """), (l, w) => 12L * l * w * w);

    private sealed class FormulaExecutor(Func<RunConfig, bool>? diverges = null) : IRunExecutor
    {
        public int Calls;

        public RunOutcome Execute(RunConfig c, int threads, CancellationToken cancellation)
        {
            Interlocked.Increment(ref Calls);
            if (diverges?.Invoke(c) == true) return new RunOutcome(RunStatus.Diverged, "loss became NaN", null, [], null);
            double loss = 1 + 10 / Math.Sqrt(c.Width) + 100 / Math.Sqrt(c.Tokens) + c.LearningRate + c.Seed * 1e-3;
            var metrics = new RunMetrics(12L * c.Width * c.Width, 10L * c.Width * c.Width, c.Tokens, loss, loss + 0.1,
                6.0 * c.Tokens * c.Width, 6.0 * c.Tokens * c.Width, 5.0 * c.Tokens * c.Width, 1.0, 0.01, 1e6);
            return new RunOutcome(RunStatus.Done, null, metrics, [new CurvePoint(1, c.Tokens / 2, loss + 1, null), new CurvePoint(2, c.Tokens, loss + 0.1, loss)], "{}");
        }
    }

    [Fact]
    public void MergedShardsEqualOneProcess()
    {
        using (var single = new ResultsStore(Path.Combine(_dir, "single.db")))
            SweepExecutor.Run("t", Plan.Runs, single, new FormulaExecutor(), workers: 2);

        var shardPaths = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var path = Path.Combine(_dir, $"shard{i}.db");
            shardPaths.Add(path);
            using var shard = new ResultsStore(path);
            SweepExecutor.Run("t", Plan.Shard(i, 3), shard, new FormulaExecutor(), workers: 1);
        }
        using (var merged = new ResultsStore(Path.Combine(_dir, "merged.db")))
            foreach (var path in shardPaths) merged.MergeFrom(path);

        using var a = new ResultsStore(Path.Combine(_dir, "single.db"));
        using var b = new ResultsStore(Path.Combine(_dir, "merged.db"));
        Assert.Equal(Plan.Runs.Count, a.Rows().Count);
        Assert.Equal(Strip(a.Rows()), Strip(b.Rows()));
        Assert.Equal(Strip(a.Rows("curve_points")), Strip(b.Rows("curve_points")));
    }

    [Fact]
    public void RerunSkipsFinishedRunsAndRetriesInterruptedOnes()
    {
        var path = Path.Combine(_dir, "resume.db");
        using (var store = new ResultsStore(path))
        {
            SweepExecutor.Run("t", Plan.Runs.Take(10).ToList(), store, new FormulaExecutor(), workers: 2);
            store.MarkRunning("t", Plan.Runs[10]); // a run the killed process had started
        }
        var executor = new FormulaExecutor();
        using (var store = new ResultsStore(path))
            SweepExecutor.Run("t", Plan.Runs, store, executor, workers: 2);
        Assert.Equal(Plan.Runs.Count - 10, executor.Calls);
        using var check = new ResultsStore(path);
        Assert.All(check.Rows(), r => Assert.Equal("done", r["status"]));
        Assert.Equal(Plan.Runs.Count, check.Rows().Count);
    }

    [Fact]
    public void DivergedRunsAreRecordedAndTheSweepGoesOn()
    {
        using var store = new ResultsStore(Path.Combine(_dir, "div.db"));
        SweepExecutor.Run("t", Plan.Runs, store, new FormulaExecutor(c => c.LearningRate > 0.02), workers: 2);
        var rows = store.Rows();
        Assert.Equal(Plan.Runs.Count / 2, rows.Count(r => (string)r["status"]! == "diverged"));
        Assert.All(rows.Where(r => (string)r["status"]! == "diverged"), r => Assert.Null(r["final_test_loss"]));
        // best_runs picks, per (layers, width, tokens), the lowest test loss over learning rates and seeds.
        var best = store.Rows("best_runs");
        Assert.Equal(2 * 2 * 3, best.Count);
        Assert.All(best, r => Assert.Equal(0L, r["seed"]));
    }

    [Fact]
    public void CsvExportHasOneLinePerRun()
    {
        var path = Path.Combine(_dir, "csv.db");
        using var store = new ResultsStore(path);
        SweepExecutor.Run("t", Plan.Runs, store, new FormulaExecutor(), workers: 2);
        var csv = Path.Combine(_dir, "runs.csv");
        store.ExportCsv(csv, "runs", force: false);
        var lines = File.ReadAllLines(csv);
        Assert.Equal(Plan.Runs.Count + 1, lines.Length);
        Assert.StartsWith("id,sweep,status", lines[0]);
        Assert.Throws<UserInputException>(() => store.ExportCsv(csv, "runs", force: false));
    }

    private static List<string> Strip(List<Dictionary<string, object?>> rows) =>
        rows.Select(r => string.Join("|", r.Where(kv => kv.Key is not ("updated_at")).Select(kv => $"{kv.Key}={kv.Value}"))).ToList();

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
