using System.CommandLine;
using System.Globalization;
using MiniTransformer.Compute;
using MiniTransformer.Fitting;
using MiniTransformer.IO;
using Spectre.Console;

namespace MiniTransformer.Cli.Commands;

/// <summary>
/// `fit curve|surface|isoflop`: scaling-law fits with bootstrap intervals on any results CSV (header row; columns
/// named by the options) or a sweep's results store (--store, the best_runs view by default). Prints a table (or
/// JSON with --json) and writes the full result as JSON with --out.
/// </summary>
public static class FitCommand
{
    public static Command Create()
    {
        var fit = new Command("fit", "Fit scaling laws with bootstrap confidence intervals to a results CSV or a sweep's results store");
        fit.Subcommands.Add(Curve());
        fit.Subcommands.Add(Surface());
        fit.Subcommands.Add(IsoFlop());
        return fit;
    }

    /// <summary>Where the results table comes from: a CSV file, or a sweep's results store (one of the two).</summary>
    private sealed record Input(Option<string?> Csv, Option<string?> Store, Option<string> Table)
    {
        public static Input Create()
        {
            var table = new Option<string>("--table") { Description = "With --store: best_runs (lowest loss per model size and token budget) or runs", DefaultValueFactory = _ => "best_runs" };
            table.AcceptOnlyFromAmong("best_runs", "runs");
            return new(new("--csv") { Description = "Results CSV: a header row of column names, then one row per run" },
                       new("--store") { Description = "A sweep's results store (results.db) instead of a CSV; its columns are those of `sweep export`" },
                       table);
        }

        public IEnumerable<Option> All => [Csv, Store, Table];

        public ScalingTable Read(ParseResult parse) => (parse.GetValue(Csv), parse.GetValue(Store)) switch
        {
            ({ } csv, null) => ScalingTable.ReadCsv(csv),
            (null, { } store) => ScalingTable.ReadStore(store, parse.GetValue(Table)!),
            _ => throw new UserInputException("give exactly one of --csv and --store"),
        };
    }

    private static Option<string?> Out() => new("--out") { Description = "Write the full result as JSON to this file (atomically)" };
    private static Option<int> BootstrapCount(int dflt) => new("--bootstrap") { Description = $"Bootstrap resamples for BCa intervals (0 = no intervals; default {dflt})", DefaultValueFactory = _ => dflt };
    private static Option<BootstrapKind> BootstrapKindOption() => new("--bootstrap-kind") { Description = "wild: Rademacher signs on residuals, x fixed; pairs: resample runs with replacement", DefaultValueFactory = _ => BootstrapKind.Wild };
    private static Option<double> Level() => new("--level") { Description = "Two-sided confidence level of every interval", DefaultValueFactory = _ => 0.95 };

    // ---------------------------------------------------------------- fit curve
    private static Command Curve()
    {
        var input = Input.Create(); var output = Out(); var force = CommonOptions.Force(); var seed = CommonOptions.Seed();
        var x = new Option<string>("--x-column") { Description = "Column of the scaling variable x (N, D or C; positive)", Required = true };
        var y = new Option<string>("--y-column") { Description = "Column of the loss y", Required = true };
        var group = new Option<string?>("--group-column") { Description = "Fit one law per distinct value of this column (e.g. L(N) for every D) and report the exponents' mean ± s.d." };
        var compare = new Option<string[]>("--compare")
        {
            Description = "Rival laws fitted beside E + A·(x/x0)^(−α): exponential (a + b·e^(−c·x), with the MSE ratio), no-offset (A·(x/x0)^(−α)), none",
            DefaultValueFactory = _ => ["exponential", "no-offset"], AllowMultipleArgumentsPerToken = true,
        };
        var boot = BootstrapCount(4000); var kind = BootstrapKindOption(); var level = Level();
        var starts = new Option<int>("--starts") { Description = "Local minimisations per fit (data-driven starts, then seeded random ones)", DefaultValueFactory = _ => 40 };
        var command = new Command("curve", "1-D fits L(x) = E + A·(x/x0)^(−α), x0 = median(x), robust Huber loss, ~40 starts, wild-bootstrap BCa intervals; optionally one fit per group")
        { x, y, group, compare, boot, kind, level, starts, seed, output, force };
        foreach (var option in input.All) command.Options.Add(option);
        command.SetAction(parse =>
        {
            string? outPath = parse.GetValue(output);
            if (outPath is not null) AtomicFile.EnsureWritable(outPath, parse.GetValue(force));
            var table = input.Read(parse);
            var xs = table.Numeric(parse.GetValue(x)!);
            var ys = table.Numeric(parse.GetValue(y)!);
            var rivals = ParseCompare(parse.GetValue(compare)!);
            var options = new CurveAnalysisOptions
            {
                Fit = new CurveFitOptions { Starts = parse.GetValue(starts), Seed = parse.GetValue(seed) },
                Bootstrap = BootstrapOptions(parse.GetValue(boot), parse.GetValue(kind), parse.GetValue(level), parse.GetValue(seed)),
                IncludeExponential = rivals.Contains("exponential"),
                IncludeNoOffset = rivals.Contains("no-offset"),
            };
            string? groupColumn = parse.GetValue(group);
            object result;
            IReadOnlyList<CurveAnalysis> analyses;
            if (groupColumn is null)
            {
                var a = CurveAnalysis.Run(xs, ys, options, $"{parse.GetValue(y)} vs {parse.GetValue(x)}");
                analyses = [a];
                result = a;
            }
            else
            {
                var keys = table.Text(groupColumn);
                var slices = Enumerable.Range(0, table.RowCount).GroupBy(i => keys[i].Trim())
                    .OrderBy(g => double.TryParse(g.Key, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => ($"{groupColumn}={g.Key}", (IReadOnlyList<double>)g.Select(i => xs[i]).ToArray(), (IReadOnlyList<double>)g.Select(i => ys[i]).ToArray()));
                var s = SliceAnalysis.Run(slices, options);
                analyses = s.Slices;
                result = s;
            }
            var report = new { Command = "fit curve", Input = table.Source, XColumn = parse.GetValue(x), YColumn = parse.GetValue(y), GroupColumn = groupColumn, Seed = parse.GetValue(seed), Result = result };
            Emit(parse, report, outPath, parse.GetValue(force), console =>
            {
                var t = new Table().AddColumns("series", "n", "E", "A (at x0)", "α", "x0", "MSE(pow)/MSE(exp)", "α no-offset");
                foreach (var a in analyses)
                    Row(t, (a.Label ?? ""), a.PowerLaw.Points.ToString(), Cell(a, "E"), Cell(a, "A"), Cell(a, "alpha"), Num(a.PowerLaw.X0),
                             a.MseRatioPowerOverExponential is { } r ? Num(r) : "–", a.PowerLawNoOffset is { } no ? Num(no["alpha"]) : "–");
                console.Write(t);
                if (result is SliceAnalysis sa) console.WriteLine($"α across {sa.Slices.Count} slices: {Num(sa.ExponentMean)} ± {Num(sa.ExponentStdDev)} (mean ± s.d.)");
                if (options.Bootstrap is { } b) console.WriteLine($"intervals: {b.Level:P0} BCa, {b.Kind.ToString().ToLowerInvariant()} bootstrap, {b.Resamples} resamples, seed {b.Seed}");
            });
            return 0;
        });
        return command;
    }

    // ---------------------------------------------------------------- fit surface
    private static Command Surface()
    {
        var input = Input.Create(); var output = Out(); var force = CommonOptions.Force(); var seed = CommonOptions.Seed();
        var (n, nAlt, d, c, loss) = SurfaceColumns();
        var drop = new Option<int>("--drop-highest-loss") { Description = "Drop this many highest-loss points first (the Chinchilla extraction drops 5)", DefaultValueFactory = _ => 0 };
        var forms = new Option<string[]>("--forms")
        {
            Description = "Surface forms: chinchilla (E + A/N^α + B/D^β), kaplan ([(N_c/N)^(α_N/α_D) + D_c/D]^α_D), kernel-ridge (ANOVA-RBF on ln N, ln D), mlp (a GELU perceptron on ln N, ln D trained with this engine)",
            DefaultValueFactory = _ => ["chinchilla", "kaplan", "kernel-ridge", "mlp"], AllowMultipleArgumentsPerToken = true,
        };
        var backend = CommonOptions.Backend();
        var mlpLayers = new Option<int>("--mlp-layers") { Description = "Hidden layers of the mlp form", DefaultValueFactory = _ => new MlpSurfaceOptions().HiddenLayers };
        var mlpWidth = new Option<int>("--mlp-width") { Description = "Units per hidden layer of the mlp form", DefaultValueFactory = _ => new MlpSurfaceOptions().Width };
        var mlpSteps = new Option<int>("--mlp-max-steps") { Description = "Most full-batch AdamW steps of the mlp form's early-stopping search", DefaultValueFactory = _ => new MlpSurfaceOptions().MaxSteps };
        var splits = new Option<int>("--splits") { Description = "Random 80/20 validation splits scoring each form (0 = skip)", DefaultValueFactory = _ => 20 };
        var boot = BootstrapCount(1000); var kind = BootstrapKindOption(); var level = Level();
        var command = new Command("surface", "2-D surface fits L(N, D) scored by 80/20 validation, and the compute-optimal frontier along C = 6ND with N_opt ∝ C^a, D_opt ∝ C^b, L_opt = E + K·C^(−γ)")
        { n, nAlt, d, c, loss, drop, forms, splits, boot, kind, level, backend, mlpLayers, mlpWidth, mlpSteps, seed, output, force };
        foreach (var option in input.All) command.Options.Add(option);
        command.SetAction(parse =>
        {
            string? outPath = parse.GetValue(output);
            if (outPath is not null) AtomicFile.EnsureWritable(outPath, parse.GetValue(force));
            var table = input.Read(parse);
            var basePoints = table.Points(parse.GetValue(n)!, parse.GetValue(loss)!, parse.GetValue(d), parse.GetValue(c));
            var keep = ScalingPoint.KeptAfterDroppingHighestLoss(basePoints, parse.GetValue(drop));
            var selected = ParseForms(parse.GetValue(forms)!);
            var bootstrap = BootstrapOptions(parse.GetValue(boot), parse.GetValue(kind), parse.GetValue(level), parse.GetValue(seed));
            int nSplits = parse.GetValue(splits);
            if (nSplits is 1 or < 0) throw new UserInputException($"--splits must be 0 or at least 2 (got {nSplits})");
            var mlp = new MlpSurfaceOptions
            {
                HiddenLayers = parse.GetValue(mlpLayers), Width = parse.GetValue(mlpWidth), MaxSteps = parse.GetValue(mlpSteps), Seed = parse.GetValue(seed),
            };
            mlp.Validate();
            // the backend is made once (a device backend compiles its kernels on creation) and only when the mlp form needs it
            using var device = selected.Contains("mlp") ? Backends.Create(parse.GetValue(backend)) : null;

            // N counted two ways (e.g. with and without embeddings): the same runs, the same D, a second analysis
            var counts = new List<(string Column, ScalingPoint[] Points)> { (parse.GetValue(n)!, keep.Select(i => basePoints[i]).ToArray()) };
            if (parse.GetValue(nAlt) is { } alt)
            {
                var nOther = table.Numeric(alt);
                counts.Add((alt, keep.Select(i => basePoints[i] with { N = nOther[i] }).ToArray()));
            }
            var analyses = counts.Select(cnt => SurfaceReport(cnt.Column, cnt.Points, selected, nSplits, bootstrap, parse.GetValue(seed), p => MlpSurface.Fit(p, mlp, device))).ToList();
            var report = new { Command = "fit surface", Input = table.Source, LossColumn = parse.GetValue(loss), DroppedHighestLoss = parse.GetValue(drop), Seed = parse.GetValue(seed), Analyses = analyses };
            Emit(parse, report, outPath, parse.GetValue(force), console =>
            {
                foreach (var a in analyses)
                {
                    console.WriteLine($"N from column '{a.NColumn}', {a.Points} points");
                    var t = new Table().AddColumns("form", "parameters", "val. MSE(L)", "val. MSE(ln L)", "a (N_opt ∝ C^a)", "b (D_opt ∝ C^b)", "γ (L_opt − E ∝ C^−γ)");
                    foreach (var f in a.Forms)
                    {
                        var co = f.ComputeOptimal;
                        Row(t, f.Form, (string.Join(", ", ((ISurfaceFit)f.Fit).Parameters.Select(p => $"{p.Key}={Num(p.Value)}"))),
                                 f.Validation is { } v ? $"{Num(v.MeanMse)} ± {Num(v.StdMse)}" : (f.ValidationError ?? "–"),
                                 f.Validation is { } vl ? $"{Num(vl.MeanMseLog)} ± {Num(vl.StdMseLog)}" : "–",
                                 co is null ? (f.ComputeOptimalError ?? "–") : WithCi(co.ExponentN, co.Intervals, "a"),
                                 co is null ? "–" : WithCi(co.ExponentD, co.Intervals, "b"),
                                 co is null ? "–" : WithCi(co.LossExponent, co.Intervals, "gamma"));
                    }
                    console.Write(t);
                    foreach (var f in a.Forms.Where(f => f.ComputeOptimal?.ClosedForm is not null))
                    {
                        var cf = f.ComputeOptimal!.ClosedForm!;
                        console.WriteLine($"chinchilla closed form: a = β/(α+β) = {Num(cf.ExponentN)}, b = α/(α+β) = {Num(cf.ExponentD)}, γ = αβ/(α+β) = {Num(cf.LossExponent)}");
                    }
                }
            });
            return 0;
        });
        return command;
    }

    /// <summary>One form's fit, validation score and compute-optimal analysis (or why there is none).</summary>
    public sealed record SurfaceFormReport(string Form, object Fit, SurfaceScore? Validation, string? ValidationError, ComputeOptimalResult? ComputeOptimal, string? ComputeOptimalError);

    public sealed record SurfaceAnalysisReport(string NColumn, int Points, IReadOnlyList<SurfaceFormReport> Forms);

    private static SurfaceAnalysisReport SurfaceReport(string nColumn, ScalingPoint[] points, IReadOnlyList<string> forms, int splits, BootstrapOptions? bootstrap, ulong seed,
                                                       Func<IReadOnlyList<ScalingPoint>, MlpSurface> fitMlp)
    {
        var reports = new List<SurfaceFormReport>();
        foreach (var form in forms)
        {
            ISurfaceFit fit;
            Func<IReadOnlyList<ScalingPoint>, ISurfaceFit> refit;
            switch (form)
            {
                case "chinchilla":
                    var ch = ChinchillaFit.Fit(points);
                    (fit, refit) = (ch, p => ch.Refit(p));
                    break;
                case "kaplan":
                    var ka = KaplanFit.Fit(points);
                    (fit, refit) = (ka, p => ka.Refit(p));
                    break;
                case "kernel-ridge":
                    fit = KernelRidge.Fit(points);
                    refit = KernelRidge.Fit;
                    break;
                default:
                    fit = fitMlp(points);
                    refit = fitMlp;
                    break;
            }
            // a form that fits all the points but no 80% split of them (e.g. the MLP on 10–12 points) is reported, not fatal
            SurfaceScore? score = null;
            string? validationError = null;
            if (splits > 0)
            {
                try { score = SurfaceValidation.Score(form, points, refit, splits, seed: seed); }
                catch (UserInputException e) { validationError = e.Message; }
            }
            ComputeOptimalResult? co = null;
            string? error = null;
            try
            {
                // kernel ridge and the MLP interpolate: their frontiers are read only inside the data's N range and get
                // no intervals (a read-out, not a law); the parametric forms may extrapolate N by 10³ each way
                var options = form is "kernel-ridge" or "mlp"
                    ? new ComputeOptimalOptions { Bootstrap = null, NRangeFactor = 1 }
                    : new ComputeOptimalOptions { Bootstrap = bootstrap };
                co = ComputeOptimal.Analyse(fit, points, options, p =>
                {
                    try { return refit(p); } catch (UserInputException) { return null; }
                });
            }
            catch (UserInputException e) { error = e.Message; }
            reports.Add(new SurfaceFormReport(form, fit, score, validationError, co, error));
        }
        return new SurfaceAnalysisReport(nColumn, points.Length, reports);
    }

    // ---------------------------------------------------------------- fit isoflop
    private static Command IsoFlop()
    {
        var input = Input.Create(); var output = Out(); var force = CommonOptions.Force(); var seed = CommonOptions.Seed();
        var (n, _, d, c, loss) = SurfaceColumns();
        var group = new Option<string?>("--group-column") { Description = "Column naming each fixed-compute slice (default: points with equal 6·N·D within 1e-6)" };
        var boot = BootstrapCount(4000); var level = Level();
        var command = new Command("isoflop", "Chinchilla approach 2: a parabola in ln N per fixed-compute slice, its vertex N_opt(C), and N_opt ∝ C^a, D_opt ∝ C^b with BCa intervals")
        { n, d, c, loss, group, boot, level, seed, output, force };
        foreach (var option in input.All) command.Options.Add(option);
        command.SetAction(parse =>
        {
            string? outPath = parse.GetValue(output);
            if (outPath is not null) AtomicFile.EnsureWritable(outPath, parse.GetValue(force));
            var table = input.Read(parse);
            var points = table.Points(parse.GetValue(n)!, parse.GetValue(loss)!, parse.GetValue(d), parse.GetValue(c));
            var keys = parse.GetValue(group) is { } g ? table.Text(g).Select(k => k.Trim()).ToArray() : null;
            var bootstrap = BootstrapOptions(parse.GetValue(boot), BootstrapKind.Wild, parse.GetValue(level), parse.GetValue(seed));
            var iso = IsoFlopAnalysis.Run(points, keys, bootstrap);
            var report = new { Command = "fit isoflop", Input = table.Source, Seed = parse.GetValue(seed), Result = iso };
            Emit(parse, report, outPath, parse.GetValue(force), console =>
            {
                var t = new Table().AddColumns("C", "points", "N_opt", "D_opt", "L at vertex", "note");
                foreach (var s in iso.Slices)
                    Row(t, Num(s.Compute), s.Points.ToString(), s.OptimalN is { } on ? Num(on) : "–", s.OptimalD is { } od ? Num(od) : "–",
                             s.OptimalLoss is { } ol ? Num(ol) : "–", (s.Skipped ?? ""));
                console.Write(t);
                console.WriteLine($"N_opt ∝ C^a: a = {WithCi(iso.ExponentN, iso.Intervals, "a")}; D_opt ∝ C^b: b = {WithCi(iso.ExponentD, iso.Intervals, "b")}");
            });
            return 0;
        });
        return command;
    }

    // ---------------------------------------------------------------- shared helpers
    private static (Option<string> N, Option<string?> NAlt, Option<string?> D, Option<string?> C, Option<string> Loss) SurfaceColumns() =>
        (new Option<string>("--n-column") { Description = "Column of the parameter count N", Required = true },
         new Option<string?>("--n-alt-column") { Description = "A second N column (e.g. without embeddings): the whole analysis is repeated with it, D unchanged" },
         new Option<string?>("--d-column") { Description = "Column of training tokens D (or give --c-column)" },
         new Option<string?>("--c-column") { Description = "Column of training compute C; D = C/(6N)" },
         new Option<string>("--loss-column") { Description = "Column of the loss (positive)", Required = true });

    private static BootstrapOptions? BootstrapOptions(int resamples, BootstrapKind kind, double level, ulong seed)
    {
        if (resamples == 0) return null;
        var options = new BootstrapOptions { Resamples = resamples, Kind = kind, Level = level, Seed = seed };
        options.Validate();
        return options;
    }

    private static HashSet<string> ParseCompare(string[] values)
    {
        var set = values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(v => v.ToLowerInvariant()).ToHashSet();
        foreach (var v in set)
            if (v is not ("exponential" or "no-offset" or "none")) throw new UserInputException($"--compare: unknown law '{v}' (exponential, no-offset, none)");
        if (set.Contains("none")) set.Clear();
        return set;
    }

    private static List<string> ParseForms(string[] values)
    {
        var forms = values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(v => v.ToLowerInvariant()).Distinct().ToList();
        foreach (var f in forms)
            if (f is not ("chinchilla" or "kaplan" or "kernel-ridge" or "mlp")) throw new UserInputException($"--forms: unknown surface form '{f}' (chinchilla, kaplan, kernel-ridge, mlp)");
        if (forms.Count == 0) throw new UserInputException("--forms: name at least one surface form");
        return forms;
    }

    private static void Emit(ParseResult parse, object report, string? outPath, bool force, Action<IAnsiConsole> table)
    {
        var writer = parse.InvocationConfiguration.Output;
        string json = Json.Serialize(report);
        if (outPath is not null) AtomicFile.WriteAllText(outPath, json + "\n", force);
        if (parse.GetValue(CommonOptions.Json)) { writer.WriteLine(json); return; }
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        table(console);
        if (outPath is not null) console.WriteLine($"wrote {outPath}");
    }

    /// <summary>Cells are plain text: intervals print as [lo, hi], which Spectre would read as markup.</summary>
    private static void Row(Table t, params string[] cells) => t.AddRow(cells.Select(Markup.Escape).ToArray());

    private static string Cell(CurveAnalysis a, string name) => WithCi(a.PowerLaw[name], a.Intervals, name);

    private static string WithCi(double estimate, BootstrapResult? intervals, string name)
    {
        var ci = intervals?.Intervals.FirstOrDefault(i => i.Name == name);
        return ci is null ? Num(estimate) : $"{Num(estimate)} [{Num(ci.Lower)}, {Num(ci.Upper)}]";
    }

    private static string Num(double v) => v.ToString(Math.Abs(v) is >= 1e-3 and < 1e5 or 0 ? "0.####" : "0.###e+0", CultureInfo.InvariantCulture);
}
