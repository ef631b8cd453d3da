using System.CommandLine;
using MiniTransformer.Data;
using MiniTransformer.IO;
using MiniTransformer.Reports;
using MiniTransformer.Sweeps;
using Spectre.Console;

namespace MiniTransformer.Cli.Commands;

/// <summary>
/// `sweep`: plan, run, resume and shard a grid of training runs into a results store — the project's main job.
/// With no arguments it runs the <c>quick</c> preset into runs/quick/.
/// </summary>
public static class SweepCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = $"A shipped sweep spec ({string.Join(", ", SweepPresets.Names)})", DefaultValueFactory = _ => SweepPresets.Default };
        var spec = new Option<string?>("--spec") { Description = "A sweep spec JSON file (overrides --preset; see `sweep presets quick` for the format)" };
        var output = new Option<string?>("--out") { Description = "Directory for the results store, data and report (default runs/NAME)" };
        var workers = new Option<int>("--workers") { Description = "Runs at once; the cores are shared among them", DefaultValueFactory = _ => Environment.ProcessorCount };
        var shard = new Option<string?>("--shard") { Description = "Run only slice i of n (\"i/n\") of the grid, into its own store, e.g. one Slurm array task" };
        var backend = new Option<string?>("--backend") { Description = "Run every run on this backend (cpu, opencl, cuda) instead of the spec's" };
        var noReport = new Option<bool>("--no-report") { Description = "Skip the fits and the HTML/Markdown report after the runs" };
        var corpus = new Option<string?>("--corpus") { Description = "language_ladder sweeps: the corpus (a UTF-8 text file or a directory of them), replacing the spec's ladder.corpus" };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples of the fitted exponents' confidence intervals", DefaultValueFactory = _ => 4000 };

        var command = new Command("sweep", "Run a grid of training runs (resumable, shardable) into a SQLite results store; no arguments: the quick preset")
        {
            preset, spec, output, workers, shard, backend, noReport, bootstrap, corpus,
        };
        command.Subcommands.Add(PresetsCommand());
        command.Subcommands.Add(MergeCommand());
        command.Subcommands.Add(ExportCommand());
        command.SetAction(parse =>
        {
            var sweepSpec = parse.GetValue(spec) is { } path ? SweepSpecLoader.Load(path) : SweepPresets.Load(parse.GetValue(preset)!);
            if (parse.GetValue(backend) is { } b)
            {
                sweepSpec = sweepSpec with { Backend = b };
                SweepSpecLoader.Validate(sweepSpec);
            }
            int resamples = parse.GetValue(bootstrap);
            if (resamples < 100) throw new UserInputException($"--bootstrap must be at least 100 resamples (got {resamples})");
            if (parse.GetValue(corpus) is not null && !sweepSpec.IsLadder)
                throw new UserInputException($"--corpus applies to {DataSpec.LanguageLadder} sweeps (e.g. --preset ladder), not data.kind '{sweepSpec.Data.Kind}'");
            // A ladder's corpus is checked (and hashed into its run ids) before anything is written.
            var ladderPlan = sweepSpec.IsLadder ? LadderSweepPlan.Expand(sweepSpec, parse.GetValue(corpus)) : null;
            var dir = parse.GetValue(output) ?? Path.Combine("runs", sweepSpec.Name);
            var shardText = parse.GetValue(shard);
            var (shardIndex, shardCount) = shardText is null ? (0, 1) : SweepPlan.ParseShard(shardText);
            int workerCount = parse.GetValue(workers);
            if (workerCount < 1) throw new UserInputException($"--workers must be at least 1 (got {workerCount})");
            bool json = parse.GetValue(CommonOptions.Json);
            var stdout = parse.InvocationConfiguration.Output;
            var recorded = ladderPlan is not null ? LadderSweepCommand.Recorded(sweepSpec, parse.GetValue(corpus)) : sweepSpec;
            RefuseAnotherSweep(dir, recorded);
            Directory.CreateDirectory(dir);
            SweepReport.RecordCommand(dir, parse.Tokens.Select(t => t.Value));
            int code = ladderPlan is not null
                ? LadderSweepCommand.Run(recorded, ladderPlan, dir, shardIndex, shardCount, workerCount, json, stdout)
                : Run(sweepSpec, dir, shardIndex, shardCount, workerCount, json, stdout);
            // A shard holds part of the grid; the report is made after `sweep merge` (or by `report`).
            if (code == 0 && shardCount == 1 && !parse.GetValue(noReport)) Report(dir, resamples, json, stdout);
            return code;
        });
        return command;
    }

    /// <summary>
    /// A directory holds one sweep: resuming it, sharding it or merging its shards needs the same spec. A different spec
    /// (another grid, data or backend) would mix its runs into the store and the report with the old ones, so it is
    /// refused before anything is written.
    /// </summary>
    private static void RefuseAnotherSweep(string dir, SweepSpec spec)
    {
        var specPath = Path.Combine(dir, "spec.json");
        if (File.Exists(specPath) && File.ReadAllText(specPath) != SweepSpecLoader.Serialize(spec))
            throw new UserInputException($"{dir} already holds a different sweep (its spec.json is not this spec); give another --out, or remove {dir} to start over");
    }

    private static int Run(SweepSpec spec, string dir, int shardIndex, int shardCount, int workers, bool json, TextWriter stdout)
    {
        AtomicFile.WriteAllText(Path.Combine(dir, "spec.json"), SweepSpecLoader.Serialize(spec), force: true);
        if (spec.IsKnn) return RunKnn(spec, dir, shardIndex, shardCount, workers, json, stdout);

        var vocab = spec.Data.Graph.Nodes;
        var plan = SweepPlan.Expand(spec, (layers, width) => GraphWalkRunExecutor.NonEmbeddingParameters(spec, vocab, layers, width));
        var runs = shardCount == 1 ? plan.Runs : plan.Shard(shardIndex, shardCount);
        var storePath = Path.Combine(dir, shardCount == 1 ? ResultsStore.FileName : $"results-shard-{shardIndex}-of-{shardCount}.db");
        if (!json) stdout.WriteLine($"sweep '{spec.Name}': {runs.Count} runs{(shardCount > 1 ? $" (shard {shardIndex}/{shardCount} of {plan.Runs.Count})" : "")} → {storePath}");

        var data = SweepData.Prepare(spec.Data, dir);
        var executor = new GraphWalkRunExecutor(data);
        using var store = new ResultsStore(storePath);
        if (Execute(spec.Name, runs, store, executor, workers, json, stdout) is not { } final) return 130;

        if (!json && final.Finished > final.Skipped)
            stdout.WriteLine($"{final.Finished - final.Skipped} runs in {final.Elapsed:hh\\:mm\\:ss} with {workers} workers; cores busy {final.CoreUtilisation:P0} (process CPU time / (wall × {Environment.ProcessorCount} cores))");
        var best = store.Rows("best_runs");
        if (json)
        {
            stdout.WriteLine(Json.Serialize(new { Sweep = spec.Name, Store = Path.GetFullPath(storePath), Runs = runs.Count, final.Finished, final.CoreUtilisation, EntropyRate = data.EntropyRate, Best = best }));
            return 0;
        }
        PrintBest(best, data.EntropyRate, stdout);
        return 0;
    }

    /// <summary>
    /// A k-NN sweep: the clusters (made once under DIR/data/), one run per (experiment, grid value, seed), each the
    /// held-out MSE of the regressor at that training-set size or capacity; resumable and shardable like training runs.
    /// </summary>
    private static int RunKnn(SweepSpec spec, string dir, int shardIndex, int shardCount, int workers, bool json, TextWriter stdout)
    {
        var data = KnnSweepPlan.ResolveData(spec);
        var (clusterPath, set) = KnnSweepData.Prepare(data, dir);
        var plan = KnnSweepPlan.Expand(spec, set);
        var runs = shardCount == 1 ? plan.Runs : plan.Shard(shardIndex, shardCount);
        var storePath = Path.Combine(dir, shardCount == 1 ? ResultsStore.FileName : $"results-shard-{shardIndex}-of-{shardCount}.db");
        if (!json)
            stdout.WriteLine($"sweep '{spec.Name}': {runs.Count} k-NN runs{(shardCount > 1 ? $" (shard {shardIndex}/{shardCount} of {plan.Runs.Count})" : "")} " +
                             $"on {set.Count:N0} clusters, {set.TotalSites:N0} sites ({Path.GetFileName(clusterPath)}) → {storePath}");
        using var store = new ResultsStore(storePath);
        var executor = new KnnRunExecutor(set, data, cachedSeeds: Math.Max(2, workers));
        if (Execute(spec.Name, runs, store, executor, workers, json, stdout) is not { } final) return 130;
        var rows = store.Rows("knn_runs").Where(r => (string)r["sweep"]! == spec.Name).ToList();
        if (json)
        {
            stdout.WriteLine(Json.Serialize(new { Sweep = spec.Name, Store = Path.GetFullPath(storePath), Clusters = clusterPath, Runs = runs.Count, final.Finished, Rows = rows }));
            return 0;
        }
        foreach (var kind in rows.GroupBy(r => (string)r["kind"]!))
        {
            stdout.WriteLine($"{kind.Key}: median held-out MSE over seeds");
            stdout.WriteLine($"{"x",14} {"loss median",12} {"seeds",6}");
            foreach (var point in kind.Where(r => r["loss"] is double).GroupBy(r => Convert.ToDouble(r["x"])).OrderBy(g => g.Key))
                stdout.WriteLine($"{point.Key,14:G6} {MathNet.Numerics.Statistics.Statistics.Median(point.Select(r => (double)r["loss"]!)),12:G5} {point.Count(),6}");
        }
        return 0;
    }

    /// <summary>Runs the not yet finished runs with progress output; null when interrupted (Ctrl-C), the finished ones stored.</summary>
    internal static SweepProgress? Execute<TRun>(string name, IReadOnlyList<TRun> runs, ResultsStore store, IRunExecutor<TRun> executor, int workers, bool json, TextWriter stdout)
        where TRun : ISweepRun
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            return json || Console.IsOutputRedirected
                ? SweepExecutor.Run(name, runs, store, executor, workers, p => { if (!json) stdout.WriteLine(Describe(p)); }, cancel.Token)
                : RunWithProgressBar(name, runs, store, executor, workers, cancel.Token);
        }
        catch (OperationCanceledException)
        {
            stdout.WriteLine("interrupted: finished runs are stored; run the same command again to resume");
            return null;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>The last step of the main job: fit the scaling laws, write the report, print the exponents with their CIs.</summary>
    private static void Report(string dir, int resamples, bool json, TextWriter stdout)
    {
        if (LadderSweepReport.IsLadderSweep(dir))
        {
            LadderSweepCommand.Report(dir, resamples, json, stdout);
            return;
        }
        if (KnnSweepReport.IsKnnSweep(dir))
        {
            KnnReport(dir, resamples, json, stdout);
            return;
        }
        var options = new ReportOptions { Force = true, Fits = new ReportFitOptions { IntervalResamples = resamples } };
        var model = SweepReport.Build(dir, options);
        var paths = SweepReport.Write(model, dir, options);
        if (json) return;
        stdout.WriteLine();
        stdout.WriteLine("fitted scaling laws L = E + A·(x/median x)^(−α), 95% BCa wild-bootstrap intervals:");
        foreach (var family in new[] { model.Analysis.DSlices, model.Analysis.NSlices })
        {
            foreach (var slice in family)
            {
                if (slice.Analysis is not { } a) continue;
                var alpha = a.Intervals?["alpha"];
                stdout.WriteLine($"  {slice.Family}, {slice.Label}: α = {a.PowerLaw.Parameters["alpha"]:F3}" +
                    (alpha is null ? "" : $" [{alpha.Lower:F3}, {alpha.Upper:F3}]") +
                    $", E = {a.PowerLaw.Parameters["E"]:F3}" +
                    (a.MseRatioPowerOverExponential is { } r ? $", MSE(power)/MSE(exp) = {r:G3}" : ""));
            }
            if (ScalingAnalysis.ExponentSummary(family) is { } summary)
                stdout.WriteLine($"  {family[0].Family}: α = {summary.Mean:F3} ± {summary.StdDev:F3} (mean ± s.d. over {summary.Count} slices)");
            else if (family.Count > 0)
                stdout.WriteLine($"  {family[0].Family}: not fitted — {family[0].NotFittedReason}");
        }
        if (model.Analysis.Frontier is { } f)
        {
            stdout.WriteLine($"  Chinchilla surface: E = {f.Surface.E:F3}, α = {f.Surface.Alpha:F3}{Interval(f.AlphaInterval)}, β = {f.Surface.Beta:F3}{Interval(f.BetaInterval)}");
            stdout.WriteLine($"  compute-optimal: N_opt ∝ C^{f.Surface.ComputeExponentN:F3}, D_opt ∝ C^{f.Surface.ComputeExponentD:F3}");
        }
        else stdout.WriteLine($"  Chinchilla surface: not fitted — {model.Analysis.FrontierNotFittedReason}");
        stdout.WriteLine($"report: {paths.Html} (and {Path.GetFileName(paths.Markdown)})");
    }

    /// <summary>A k-NN sweep's last step: fit each experiment's law, write the report with the theory curves, print fitted exponents next to theory.</summary>
    private static void KnnReport(string dir, int resamples, bool json, TextWriter stdout)
    {
        var options = new ReportOptions { Force = true, Profile = false, Fits = new ReportFitOptions { IntervalResamples = resamples } };
        var model = KnnSweepReport.Build(dir, options);
        var paths = KnnSweepReport.Write(model, dir, options);
        if (json) return;
        stdout.WriteLine();
        stdout.WriteLine("fitted scaling laws L = E + A·(x/median x)^(−α) (95% BCa wild-bootstrap intervals) next to theory:");
        foreach (var e in model.Experiments) stdout.WriteLine("  " + KnnSweepReport.ExponentLine(e));
        stdout.WriteLine($"report: {paths.Html} (and {Path.GetFileName(paths.Markdown)})");
    }

    private static string Interval((double Lower, double Upper)? interval) =>
        interval is { } i ? $" [{i.Lower:F3}, {i.Upper:F3}]" : "";

    private static SweepProgress RunWithProgressBar<TRun>(string name, IReadOnlyList<TRun> runs, ResultsStore store, IRunExecutor<TRun> executor, int workers, CancellationToken cancel)
        where TRun : ISweepRun
    {
        SweepProgress final = null!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"sweep {name}", maxValue: Math.Max(1, runs.Count));
                final = SweepExecutor.Run(name, runs, store, executor, workers, p =>
                {
                    task.Value = p.Finished;
                    if (p.LastOutcome is { } o) task.Description = $"{p.Finished}/{p.Total} · last: {Short(p.LastRun!, o)}";
                }, cancel);
            });
        return final;
    }

    private static string Describe(SweepProgress p) => p.LastRun is null
        ? $"{p.Finished}/{p.Total} runs already stored"
        : $"[{p.Finished}/{p.Total}] {Short(p.LastRun, p.LastOutcome!)}{(p.Eta is { } eta ? $"  (eta {eta:hh\\:mm\\:ss})" : "")}";

    private static string Short(ISweepRun r, RunOutcome o) => $"{r.Describe()}: " + (o.Status, o.Knn) switch
    {
        (RunStatus.Done, { } knn) => $"held-out MSE {knn.Loss:G5}",
        (RunStatus.Done, _) => $"test loss {o.Metrics!.FinalTestLoss:F4}",
        _ => $"{o.Status.ToString().ToLowerInvariant()} ({o.Reason})",
    };

    private static void PrintBest(List<Dictionary<string, object?>> best, double? entropy, TextWriter stdout)
    {
        stdout.WriteLine($"best test loss over learning rates and seeds{(entropy is { } h ? $" (entropy-rate floor {h:F4} nats/token)" : "")}:");
        stdout.WriteLine($"{"layers",6} {"width",6} {"params(non-emb)",16} {"tokens D",12} {"lr",8} {"test loss",10} {"excess",9}");
        foreach (var r in best)
        {
            double loss = Convert.ToDouble(r["final_test_loss"]);
            stdout.WriteLine($"{r["layers"],6} {r["width"],6} {r["non_embedding_parameters"],16} {Convert.ToInt64(r["tokens"]),12:N0} {Convert.ToDouble(r["learning_rate"]),8:G3} {loss,10:F4} {(entropy is { } floor ? loss - floor : double.NaN),9:F4}");
        }
    }

    private static Command PresetsCommand()
    {
        var name = new Argument<string?>("name") { Description = "Print this preset's spec JSON (omit to list the presets)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("presets", "List the shipped sweep presets, or print one as JSON to copy and edit") { name };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(name) is { } n) stdout.Write(SweepPresets.Json(n));
            else foreach (var p in SweepPresets.Names) stdout.WriteLine(p);
            return 0;
        });
        return command;
    }

    private static Command MergeCommand()
    {
        var into = new Option<string>("--into") { Description = "Store to merge into (created if missing)", Required = true };
        var stores = new Argument<string[]>("stores") { Description = "Shard stores to merge (results-shard-*.db)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("merge", "Combine shard stores into one; a finished run wins over an unfinished copy") { into, stores };
        command.SetAction(parse =>
        {
            using var target = new ResultsStore(parse.GetValue(into)!);
            int rows = 0;
            foreach (var s in parse.GetValue(stores)!) rows += target.MergeFrom(s);
            parse.InvocationConfiguration.Output.WriteLine($"merged {rows} run rows into {target.Path}");
            return 0;
        });
        return command;
    }

    private static Command ExportCommand()
    {
        var store = new Option<string>("--store") { Description = "Results store", DefaultValueFactory = _ => Path.Combine("runs", SweepPresets.Default, ResultsStore.FileName) };
        var table = new Option<string>("--table") { Description = "runs, best_runs or curve_points (transformer sweeps), knn_runs (k-NN sweeps: x, loss = held-out MSE, seed, …), ladder_best_runs (language-ladder sweeps: best per rung, model and D)", DefaultValueFactory = _ => "runs" };
        table.AcceptOnlyFromAmong("runs", "best_runs", "curve_points", "knn_runs");
        var format = new Option<string>("--format") { Description = "csv or json", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "json");
        var output = new Option<string>("--out") { Description = "File to write", Required = true };
        var force = CommonOptions.Force();
        var command = new Command("export", "Write a table of a results store as CSV or JSON (for pandas)") { store, table, format, output, force };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(store)!;
            if (!File.Exists(path)) throw new UserInputException($"results store '{path}' does not exist");
            using var s = new ResultsStore(path);
            if (parse.GetValue(format) == "csv") s.ExportCsv(parse.GetValue(output)!, parse.GetValue(table)!, parse.GetValue(force));
            else s.ExportJson(parse.GetValue(output)!, parse.GetValue(table)!, parse.GetValue(force));
            return 0;
        });
        return command;
    }
}
