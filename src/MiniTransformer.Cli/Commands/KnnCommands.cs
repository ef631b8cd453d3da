using System.CommandLine;
using System.Diagnostics;
using MiniTransformer.Compute;
using MiniTransformer.IO;
using MiniTransformer.Knn;
using MiniTransformer.Percolation;
using Spectre.Console;

namespace MiniTransformer.Cli.Commands;

/// <summary>
/// `knn data-scaling` and `knn model-scaling`: SCIENCE.md Program B's two experiments on a cluster file. Each writes
/// a per-seed CSV (x column, <c>loss</c>, <c>seed</c>, …) plus a <c>.summary.csv</c> (median, 16–84% band, theory), and
/// prints the log-log slope of the median loss next to the theory's exponent.
/// </summary>
public static class KnnCommands
{
    public static Command Create()
    {
        var group = new Command("knn", "Nearest-neighbour regression on percolation clusters: data- and model-scaling experiments");
        group.Subcommands.Add(DataScaling());
        group.Subcommands.Add(ModelScaling());
        return group;
    }

    private sealed class Common
    {
        public readonly Option<string> Clusters = new("--clusters") { Description = "Cluster file (.bin with its .json sidecar) from `data percolation`", Required = true };
        public readonly Option<string> Out = new("--out") { Description = "Results CSV to write (one row per seed and grid point); the summary goes to NAME.summary.csv", Required = true };
        public readonly Option<int> Seeds;
        public readonly Option<int> Points;
        public readonly Option<ulong> Seed = CommonOptions.Seed();
        public readonly Option<double> TestFraction = new("--test-fraction") { Description = "Fraction of all sites held out for the test MSE", DefaultValueFactory = _ => 0.001 };
        public readonly Option<bool> NoShrinkage = new("--no-shrinkage") { Description = "Tree 1-NN: predict y_nn instead of y_nn/(1 + dist/√size)" };
        public readonly Option<double?> Tau = new("--tau") { Description = "Theory: cluster-size exponent τ (default from the cluster file: 5/2 at the Bethe p_c)" };
        public readonly Option<double?> FractalDim = new("--fractal-dim") { Description = "Theory: fractal dimension D (default: 4 at or below the Bethe p_c, z/2 above, d for hypercubic)" };
        public readonly Option<double> C = new("--c") { Description = "Theory: approximation order c (2: piecewise-constant, squared error)", DefaultValueFactory = _ => 2 };
        public readonly Option<double?> FitFrom = new("--fit-from") { Description = "Fit the slope over x ≥ this (default: the upper half of the decades)" };
        public readonly Option<int> Threads = new("--threads") { Description = "Worker threads (−1: all cores); results do not depend on it", DefaultValueFactory = _ => -1 };
        public readonly Option<bool> Force = CommonOptions.Force();

        public Common(int seeds, int points)
        {
            Seeds = new Option<int>("--seeds") { Description = "Independent repetitions (test split and training sample), seeds seed … seed+n−1", DefaultValueFactory = _ => seeds };
            Points = new Option<int>("--points") { Description = "Log-spaced grid points", DefaultValueFactory = _ => points };
        }

        public IEnumerable<Option> All => [Clusters, Out, Seeds, Points, Seed, TestFraction, NoShrinkage, Tau, FractalDim, C, FitFrom, Threads, Force];

        /// <summary>The theory for this cluster file, with any parameter the user gave overriding the default.</summary>
        public (ScalingTheory Theory, bool ManifoldOnly) Theory(ParseResult parse, ClusterSet set)
        {
            return ScalingTheory.ForLattice(set.Info.Lattice, set.Info.Z, set.Info.P, set.Dimension,
                parse.GetValue(Tau), parse.GetValue(FractalDim), parse.GetValue(C));
        }
    }

    private static Command DataScaling()
    {
        var c = new Common(seeds: 10, points: 50);
        var minTrain = new Option<double>("--min-train") { Description = "Smallest expected training-set size", DefaultValueFactory = _ => 1 };
        var maxTrain = new Option<double?>("--max-train") { Description = "Largest expected training-set size (default: all non-test sites)" };
        var model = new Option<string>("--model") { Description = "tree: 1-NN by tree distance with shrinkage; euclidean: k-NN on lattice coordinates (hypercubic clusters)", DefaultValueFactory = _ => "tree" };
        model.AcceptOnlyFromAmong("tree", "euclidean");
        var k = new Option<int>("--k") { Description = "euclidean: neighbours averaged", DefaultValueFactory = _ => 1 };
        var weights = new Option<string>("--weights") { Description = "euclidean: uniform or distance (1/d) weights", DefaultValueFactory = _ => "uniform" };
        weights.AcceptOnlyFromAmong("uniform", "distance");
        var backend = new Option<string?>("--backend") { Description = "euclidean: compute backend cpu|opencl|cuda (default: $MT_BACKEND or cpu)" };
        var command = new Command("data-scaling", "Held-out MSE against training-set size: uniform sampling at rate ρ over all clusters, log-spaced sizes, several seeds");
        foreach (var o in c.All) command.Options.Add(o);
        foreach (var o in new Option[] { minTrain, maxTrain, model, k, weights, backend }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            bool euclidean = parse.GetValue(model) == "euclidean";
            foreach (var o in new Option[] { k, weights, backend })
                PercolationDataCommand.RejectUnless(parse, o, euclidean, $"{o.Name} applies only to --model euclidean");
            PercolationDataCommand.RejectUnless(parse, c.NoShrinkage, !euclidean, "--no-shrinkage applies only to --model tree");
            string outPath = parse.GetValue(c.Out)!;
            bool force = parse.GetValue(c.Force);
            CheckWritable(outPath, force);
            var set = ClusterFile.Read(parse.GetValue(c.Clusters)!);
            var (theory, manifoldOnly) = c.Theory(parse, set);
            var options = new DataScalingOptions(parse.GetValue(c.Points), parse.GetValue(c.Seeds), parse.GetValue(c.Seed),
                parse.GetValue(c.TestFraction), parse.GetValue(minTrain), parse.GetValue(maxTrain), parse.GetValue(c.Threads));
            var clock = Stopwatch.StartNew();
            List<DataScalingRow> rows;
            string modelName;
            if (euclidean)
            {
                if (set.Coordinates is null) throw new UserInputException("--model euclidean needs coordinates: use clusters from --lattice hypercubic");
                var kind = parse.GetValue(backend) is { } name ? Backends.Parse(name) : Backends.KindFromEnvironment();
                ComputeBackend device;
                try { device = Backends.Create(kind); }
                catch (BackendUnavailableException e) { throw new UserInputException(e.Message); }
                using (device)
                using (var knn = new EuclideanKnn(device))
                {
                    var regressor = new EuclideanKnnRegressor(knn, parse.GetValue(k), parse.GetValue(weights) == "distance" ? KnnWeights.Distance : KnnWeights.Uniform);
                    rows = WithProgress(parse, "data scaling", progress => DataScalingExperiment.Run(set, regressor, options, progress));
                    modelName = $"euclidean {regressor.K}-NN ({parse.GetValue(weights)} weights, {kind.ToString().ToLowerInvariant()})";
                }
            }
            else
            {
                var regressor = new TreeNearestNeighbourRegressor(!parse.GetValue(c.NoShrinkage));
                rows = WithProgress(parse, "data scaling", progress => DataScalingExperiment.Run(set, regressor, options, progress));
                modelName = regressor.Shrinkage ? "tree 1-NN with shrinkage" : "tree 1-NN";
            }
            Func<double, double> curve = manifoldOnly ? theory.ManifoldLoss : theory.DataLoss;
            double exponent = manifoldOnly ? theory.ManifoldExponent : theory.DataExponent;
            var summary = ScalingTable.Summarise(rows.Select(r => r.TrainSize).ToList(), rows.Select(r => r.Loss).ToList(), curve);
            ScalingTable.Write(outPath, force, "train_size,loss,seed,rate,train_size_realized,test_size",
                rows.Select(r => new object[] { r.TrainSize, r.Loss, r.Seed, r.Rate, r.TrainSizeRealized, r.TestSize }), "train_size", summary);
            Report(parse, outPath, set, "data scaling", modelName, "train_size", summary, parse.GetValue(c.FitFrom), curve, exponent,
                manifoldOnly ? $"manifold c/D = {theory.ManifoldExponent:G4}"
                    : theory.DataIsLogarithmic ? $"α/(1+α) = c/D = {theory.DataExponent:G4}: logarithmic case" : $"min(α/(1+α), c/D) with α = {theory.Alpha:G4}, c/D = {theory.ManifoldExponent:G4}",
                clock.Elapsed.TotalSeconds, options.Seeds, options.Points);
            return 0;
        });
        return command;
    }

    private static Command ModelScaling()
    {
        var c = new Common(seeds: 5, points: 30);
        var examples = new Option<double?>("--examples-per-dof") { Description = "Training sites per degree of freedom s_k for every cluster (default: estimated per cluster by a robust fit)" };
        var maxDof = new Option<double?>("--max-dof") { Description = "Largest N (default: the N whose break rank k_br equals the number of clusters)" };
        var command = new Command("model-scaling", "Held-out MSE against model size N: N degrees of freedom allocated n_k ∝ k^(b−1) over the k_br largest clusters, n_k·s_k training sites each");
        foreach (var o in c.All) command.Options.Add(o);
        command.Options.Add(examples);
        command.Options.Add(maxDof);
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(c.Out)!;
            bool force = parse.GetValue(c.Force);
            CheckWritable(outPath, force);
            var set = ClusterFile.Read(parse.GetValue(c.Clusters)!);
            var (theory, manifoldOnly) = c.Theory(parse, set);
            var options = new ModelScalingOptions(theory, parse.GetValue(c.Points), parse.GetValue(c.Seeds), parse.GetValue(c.Seed),
                parse.GetValue(c.TestFraction), parse.GetValue(examples), parse.GetValue(maxDof), parse.GetValue(c.Threads));
            var regressor = new TreeNearestNeighbourRegressor(!parse.GetValue(c.NoShrinkage));
            var clock = Stopwatch.StartNew();
            var rows = WithProgress(parse, "model scaling", progress => ModelScalingExperiment.Run(set, regressor, options, progress));
            Func<double, double> curve = manifoldOnly ? theory.ManifoldLoss : theory.ModelLoss;
            double exponent = manifoldOnly ? theory.ManifoldExponent : theory.ModelExponent;
            var summary = ScalingTable.Summarise(rows.Select(r => r.Dof).ToList(), rows.Select(r => r.Loss).ToList(), curve);
            ScalingTable.Write(outPath, force, "dof,loss,seed,k_break,clusters_trained,train_size,test_size,examples_per_dof_median",
                rows.Select(r => new object[] { r.Dof, r.Loss, r.Seed, r.KBreak, r.ClustersTrained, r.TrainSize, r.TestSize, r.ExamplesPerDofMedian }), "dof", summary);
            Report(parse, outPath, set, "model scaling", regressor.Shrinkage ? "tree 1-NN with shrinkage" : "tree 1-NN", "dof", summary,
                parse.GetValue(c.FitFrom), curve, exponent,
                manifoldOnly ? $"manifold c/D = {theory.ManifoldExponent:G4}" : $"min(α, c/D) with α = {theory.Alpha:G4}, c/D = {theory.ManifoldExponent:G4}, b = {theory.AllocationExponent:G4}",
                clock.Elapsed.TotalSeconds, options.Seeds, options.Points);
            return 0;
        });
        return command;
    }

    private static void CheckWritable(string path, bool force)
    {
        AtomicFile.EnsureWritable(path, force);
        AtomicFile.EnsureWritable(ScalingTable.SummaryPath(path), force);
    }

    /// <summary>
    /// Runs <paramref name="work"/> under a Spectre.Console progress bar on stderr when a person is watching (stderr is
    /// the process's own, unredirected terminal and --json is off); otherwise silently.
    /// </summary>
    internal static T WithProgress<T>(ParseResult parse, string label, Func<IProgress<double>?, T> work)
    {
        bool interactive = !parse.GetValue(CommonOptions.Json) && ReferenceEquals(parse.InvocationConfiguration.Error, Console.Error) && !Console.IsErrorRedirected;
        if (!interactive) return work(null);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask(label, autoStart: true, maxValue: 1.0);
            return work(new TaskProgress(task));
        });
    }

    /// <summary>Reports a fraction done straight into the bar (no synchronisation context to post through).</summary>
    private sealed class TaskProgress(ProgressTask task) : IProgress<double>
    {
        public void Report(double value) => task.Value = value;
    }

    private static void Report(ParseResult parse, string outPath, ClusterSet set, string experiment, string model, string xName,
        List<ScalingTable.Summary> summary, double? fitFrom, Func<double, double> curve, double exponent, string theoryNote,
        double seconds, int seeds, int points)
    {
        var xs = summary.Select(s => s.X).ToList();
        var fit = LogLogSlope.Fit(xs, summary.Select(s => s.Median).ToList(), fitFrom);
        var local = LogLogSlope.Fit(xs, xs.Select(curve).ToList(), fit.FromX);
        var writer = parse.InvocationConfiguration.Output;
        if (parse.GetValue(CommonOptions.Json))
        {
            writer.WriteLine(Json.Serialize(new
            {
                Experiment = experiment, Model = model, File = Path.GetFullPath(outPath), Summary = Path.GetFullPath(ScalingTable.SummaryPath(outPath)),
                Clusters = set.Count, Sites = set.TotalSites, Seeds = seeds, Points = points,
                FittedSlope = fit.Slope, FitFrom = fit.FromX, FitTo = fit.ToX, FitPoints = fit.Points,
                TheoryExponent = -exponent, TheoryLocalSlope = local.Slope, Theory = theoryNote, Seconds = seconds,
            }));
            return;
        }
        writer.WriteLine($"{experiment}: {model}; {set.Count:N0} clusters, {set.TotalSites:N0} sites; {seeds} seeds × {points} points; {seconds:F1} s");
        writer.WriteLine($"fitted slope   {fit.Slope,8:F3}   (least squares of ln median loss on ln {xName}, {xName} {fit.FromX:G4} … {fit.ToX:G4}, {fit.Points} points)");
        writer.WriteLine($"theory         {-exponent,8:F3}   asymptotic ({theoryNote}); local slope of the theory curve over the same range {local.Slope:F3}");
        writer.WriteLine($"wrote {outPath} and {ScalingTable.SummaryPath(outPath)}");
    }
}
