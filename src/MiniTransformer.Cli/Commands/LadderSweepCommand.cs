using MiniTransformer.IO;
using MiniTransformer.Reports;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Cli.Commands;

/// <summary>
/// `sweep` on a <c>language_ladder</c> spec: prepare the ladder's data once under DIR/data/ (tokenizer, encoded corpus,
/// generators, sampled corpora with their floors), then train the student grid on every rung into the results store
/// (resumable, shardable), and print each rung's best test loss next to its floor.
/// </summary>
internal static class LadderSweepCommand
{
    /// <summary>The spec as DIR/spec.json records it: the corpus given on the command line is part of what the directory
    /// holds, so a re-run or `report` reads it back from there.</summary>
    public static SweepSpec Recorded(SweepSpec spec, string? corpus) =>
        corpus is null ? spec : spec with { Ladder = spec.Ladder! with { Corpus = Path.GetFullPath(corpus) } };

    public static int Run(SweepSpec spec, LadderSweepPlan plan, string dir, int shardIndex, int shardCount, int workers, bool json, TextWriter stdout)
    {
        AtomicFile.WriteAllText(Path.Combine(dir, "spec.json"), SweepSpecLoader.Serialize(spec), force: true);
        var runs = shardCount == 1 ? plan.Runs : plan.Shard(shardIndex, shardCount);
        var storePath = Path.Combine(dir, shardCount == 1 ? ResultsStore.FileName : $"results-shard-{shardIndex}-of-{shardCount}.db");
        if (!json)
            stdout.WriteLine($"sweep '{spec.Name}': {runs.Count} student runs on {spec.Ladder!.Rungs.Length} rungs" +
                             $"{(shardCount > 1 ? $" (shard {shardIndex}/{shardCount} of {plan.Runs.Count})" : "")} → {storePath}");
        var data = LadderSweepData.Prepare(spec, plan.Data, plan.Corpus, dir, json ? null : line => stdout.WriteLine($"data: {line}"));
        using var store = new ResultsStore(storePath);
        if (SweepCommand.Execute(spec.Name, runs, store, new LadderRunExecutor(data), workers, json, stdout) is not { } final) return 130;

        var best = store.Rows("ladder_best_runs").Where(r => (string)r["sweep"]! == spec.Name).ToList();
        if (json)
        {
            stdout.WriteLine(Json.Serialize(new { Sweep = spec.Name, Store = Path.GetFullPath(storePath), Runs = runs.Count, final.Finished, Rungs = data.Rungs, Best = best }));
            return 0;
        }
        stdout.WriteLine($"{"rung",-10} {"floor",8} {"generator test loss",20} {"best student test loss",24}");
        foreach (var rung in data.Rungs)
        {
            var losses = best.Where(r => (string)r["rung"]! == rung.Name).Select(r => Convert.ToDouble(r["final_test_loss"])).ToList();
            stdout.WriteLine($"{rung.Name,-10} {Format(rung.Floor),8} {Format(rung.GeneratorTestLoss),20} {(losses.Count > 0 ? Format(losses.Min()) : "—"),24}");
        }
        return 0;
    }

    /// <summary>The last step: per rung the L(D)|N and L(N)|D fits, the exponent-vs-rung table, the report files.</summary>
    public static void Report(string dir, int resamples, bool json, TextWriter stdout)
    {
        var options = new ReportOptions { Force = true, Profile = false, Fits = new ReportFitOptions { IntervalResamples = resamples } };
        var model = LadderSweepReport.Build(dir, options);
        var paths = LadderSweepReport.Write(model, dir, options);
        if (json) return;
        stdout.WriteLine();
        stdout.WriteLine("exponents along the ladder (mean ± s.d. over slices of the offset power law L = E + A·(x/median x)^(−α)):");
        foreach (var line in LadderSweepReport.ExponentLines(model)) stdout.WriteLine("  " + line);
        stdout.WriteLine($"report: {paths.Html} (and {Path.GetFileName(paths.Markdown)})");
    }

    private static string Format(double? v) => v is { } x ? x.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : "—";
}
