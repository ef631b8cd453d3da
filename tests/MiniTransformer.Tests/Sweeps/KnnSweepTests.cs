using System.Globalization;
using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using MiniTransformer.Cli;
using MiniTransformer.Knn;
using MiniTransformer.Percolation;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Tests.Sweeps;

/// <summary>A small k-NN sweep run once through the CLI (runs, fits, report) for the tests below to inspect.</summary>
public sealed class SmallKnnSweep : IDisposable
{
    public const string Spec = """
        { "name": "knn-small",
          "data": { "kind": "percolation_knn", "percolation": { "lattice": "bethe", "z": 50, "min_size": 20, "max_size": 5000, "seed": 3 } },
          "knn": { "experiments": ["data_scaling", "model_scaling"], "test_fraction": 0.02,
                   "data_scaling": { "points": 10 }, "model_scaling": { "points": 6 } },
          "seeds": [0, 1] }
        """;
    public const int Runs = 2 * 10 + 2 * 6;

    public string Root { get; } = Directory.CreateTempSubdirectory("mt-knn-sweep-").FullName;
    public string Dir => Path.Combine(Root, "single");
    public string SpecPath => Path.Combine(Root, "spec.json");
    public string Output { get; }

    public SmallKnnSweep()
    {
        File.WriteAllText(SpecPath, Spec);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(["sweep", "--spec", SpecPath, "--out", Dir, "--workers", "2", "--bootstrap", "200"], stdout, stderr);
        Output = stdout.ToString();
        if (code != 0) throw new InvalidOperationException($"the sweep failed ({code}): {stderr}");
    }

    public ClusterSet Clusters() => ClusterFile.Read(Directory.GetFiles(Path.Combine(Dir, "data"), "clusters-*.bin").Single());

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public sealed class KnnSweepTests(SmallKnnSweep sweep) : IClassFixture<SmallKnnSweep>
{
    private static Dictionary<string, Dictionary<string, object?>> Rows(string storePath)
    {
        using var store = new ResultsStore(storePath);
        return store.Rows("knn_runs").ToDictionary(r => (string)r["id"]!);
    }

    private static string Store(string dir) => Path.Combine(dir, ResultsStore.FileName);

    [Fact]
    public void EveryRunIsStoredOnceWithXAndLoss()
    {
        var rows = Rows(Store(sweep.Dir));
        Assert.Equal(SmallKnnSweep.Runs, rows.Count);
        Assert.All(rows.Values, r => Assert.Equal("done", r["status"]));
        Assert.All(rows.Values, r => Assert.True(r["loss"] is double l && l > 0 && r["x"] is double x && x >= 1));
        Assert.Equal(20, rows.Values.Count(r => (string)r["kind"]! == KnnRunConfig.DataScalingKind));
        Assert.Equal(12, rows.Values.Count(r => (string)r["kind"]! == KnnRunConfig.ModelScalingKind));
    }

    [Fact]
    public void ReRunSkipsFinishedRunsAndRedoesAnInterruptedOne()
    {
        var before = Rows(Store(sweep.Dir));
        var stdout = new StringWriter();
        Assert.Equal(0, CliApp.Run(["sweep", "--spec", sweep.SpecPath, "--out", sweep.Dir, "--no-report"], stdout, new StringWriter()));
        Assert.Contains($"{SmallKnnSweep.Runs}/{SmallKnnSweep.Runs} runs already stored", stdout.ToString());
        var after = Rows(Store(sweep.Dir));
        Assert.All(before, b => Assert.Equal(b.Value["updated_at"], after[b.Key]["updated_at"]));

        // A run a killed sweep left 'running' is the only one done again, with the same result.
        var victim = before.Keys.Order(StringComparer.Ordinal).First();
        using (var db = new SqliteConnection($"Data Source={Store(sweep.Dir)};Pooling=false"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "UPDATE runs SET status = 'running', final_test_loss = NULL WHERE id = $id";
            cmd.Parameters.AddWithValue("$id", victim);
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }
        Assert.Equal(0, CliApp.Run(["sweep", "--spec", sweep.SpecPath, "--out", sweep.Dir, "--no-report"], new StringWriter(), new StringWriter()));
        var resumed = Rows(Store(sweep.Dir));
        Assert.Equal(SmallKnnSweep.Runs, resumed.Count);
        Assert.All(before.Where(b => b.Key != victim), b => Assert.Equal(b.Value["updated_at"], resumed[b.Key]["updated_at"]));
        Assert.NotEqual(before[victim]["updated_at"], resumed[victim]["updated_at"]);
        Assert.Equal(before[victim]["loss"], resumed[victim]["loss"]);
    }

    [Fact]
    public void ShardsCoverTheGridOnceAndTheirMergeEqualsTheSingleProcessStore()
    {
        var dir = Path.Combine(sweep.Root, "sharded");
        var shardStores = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, CliApp.Run(["sweep", "--spec", sweep.SpecPath, "--out", dir, "--shard", $"{i}/3", "--workers", "1"], new StringWriter(), new StringWriter()));
            shardStores.Add(Path.Combine(dir, $"results-shard-{i}-of-3.db"));
        }
        var shardIds = shardStores.Select(s => Rows(s).Keys.ToList()).ToList();
        Assert.All(shardIds, ids => Assert.NotEmpty(ids));
        var all = shardIds.SelectMany(ids => ids).ToList();
        Assert.Equal(SmallKnnSweep.Runs, all.Count);
        Assert.Equal(SmallKnnSweep.Runs, all.Distinct().Count());

        var merged = Path.Combine(dir, ResultsStore.FileName);
        Assert.Equal(0, CliApp.Run(["sweep", "merge", "--into", merged, .. shardStores], new StringWriter(), new StringWriter()));
        var single = Rows(Store(sweep.Dir));
        var combined = Rows(merged);
        Assert.Equal(single.Keys.Order(), combined.Keys.Order());
        foreach (var (id, row) in single)
            foreach (var column in new[] { "status", "kind", "x", "seed", "loss", "train_size", "test_size", "config_json" })
                Assert.Equal(row[column], combined[id][column]);
    }

    /// <summary>`sweep export --table knn_runs` gives pandas and the `fit` verb x and loss columns.</summary>
    [Fact]
    public void ExportedKnnRunsFeedTheFitVerb()
    {
        var csv = Path.Combine(sweep.Root, "knn.csv");
        Assert.Equal(0, CliApp.Run(["sweep", "export", "--store", Store(sweep.Dir), "--table", "knn_runs", "--out", csv, "--force"], new StringWriter(), new StringWriter()));
        var lines = File.ReadAllLines(csv);
        var header = lines[0].Split(',');
        Assert.Contains("x", header);
        Assert.Contains("loss", header);
        Assert.Equal(1 + SmallKnnSweep.Runs, lines.Length);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.True(CliApp.Run(["fit", "curve", "--csv", csv, "--x-column", "x", "--y-column", "loss", "--group-column", "kind", "--bootstrap", "0"], stdout, stderr) == 0, stderr.ToString());
        Assert.Contains(KnnRunConfig.DataScalingKind, stdout.ToString());
    }

    /// <summary>A sweep's (x, seed) measurement is the standalone experiment's number for the same grid value and seed, bit for bit.</summary>
    [Fact]
    public void SweepNumbersAreTheStandaloneExperimentsNumbers()
    {
        var set = sweep.Clusters();
        var rows = Rows(Store(sweep.Dir)).Values.ToList();
        var data = DataScalingExperiment.Run(set, new TreeNearestNeighbourRegressor(), new DataScalingOptions(Points: 10, Seeds: 2, TestFraction: 0.02));
        foreach (var expected in data)
        {
            var row = Assert.Single(rows, r => (string)r["kind"]! == KnnRunConfig.DataScalingKind && (double)r["x"]! == expected.TrainSize && (long)r["seed"]! == (long)expected.Seed);
            Assert.Equal(expected.Loss, (double)row["loss"]!);
            Assert.Equal(expected.TrainSizeRealized, (long)row["train_size"]!);
        }
        var model = ModelScalingExperiment.Run(set, new TreeNearestNeighbourRegressor(), new ModelScalingOptions(ScalingTheory.BetheCritical, Points: 6, Seeds: 2, TestFraction: 0.02));
        foreach (var expected in model)
        {
            var row = Assert.Single(rows, r => (string)r["kind"]! == KnnRunConfig.ModelScalingKind && (double)r["x"]! == expected.Dof && (long)r["seed"]! == (long)expected.Seed);
            Assert.Equal(expected.Loss, (double)row["loss"]!);
        }
    }

    [Fact]
    public void ReportDrawsTheTheoryAndPrintsFittedExponentsNextToIt()
    {
        var html = File.ReadAllText(Path.Combine(sweep.Dir, "report.html"));
        var doc = XDocument.Parse(html);
        Assert.Single(doc.Descendants("polyline"), p => (string?)p.Attribute("data-role") == "theory-data");
        Assert.Single(doc.Descendants("polyline"), p => (string?)p.Attribute("data-role") == "theory-model");
        Assert.Contains("theory α (asymptotic)", html);
        var markdown = File.ReadAllText(Path.Combine(sweep.Dir, "report.md"));
        Assert.Contains("| L(𝒟): data scaling |", markdown);
        Assert.Contains("logarithmic case", markdown);
        Assert.Contains("L(𝒟): data scaling: α = ", sweep.Output);
        Assert.Contains("theory -0.500 asymptotic", sweep.Output);
        // Six model sizes leave three in the upper half: too few for a three-parameter law, and the report says so.
        Assert.Contains("L(N): model scaling: not fitted", sweep.Output);
        Assert.Contains("L(N): model scaling: not fitted", html);
        Assert.Contains("report: ", sweep.Output);
    }

    [Fact]
    public void ReportRendersInHeadlessChromiumWithoutConsoleErrors() =>
        MiniTransformer.Tests.Reports.SweepReportTests.AssertRendersInChromium(Path.Combine(sweep.Dir, "report.html"));

    /// <summary>A run that failed is listed with its reason in both reports, and the rest are still fitted and drawn.</summary>
    [Fact]
    public void ReportListsFailedRunsWithTheirReasons()
    {
        var dir = Path.Combine(sweep.Root, "with-failure");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(sweep.Dir, "spec.json"), Path.Combine(dir, "spec.json"));
        using (var store = new ResultsStore(Store(dir)))
        {
            store.MergeFrom(Store(sweep.Dir));
            var spec = SweepSpecLoader.Load(Path.Combine(dir, "spec.json"));
            var failed = new KnnRunConfig(KnnSweepPlan.ResolveData(spec), KnnSpec.DataScalingName, 3.5, 7, 0.02,
                new KnnRegressorConfig("tree", true, null, null, null), null);
            store.Write(spec.Name, failed, new RunOutcome(RunStatus.Failed, "OutOfMemoryException: <split> & more", null, [], null));
        }
        var paths = MiniTransformer.Reports.SweepReport.Write(dir, new MiniTransformer.Reports.ReportOptions
        {
            Force = true, Fits = new MiniTransformer.Reports.ReportFitOptions { IntervalResamples = 100, BandResamples = 10 },
        });
        var doc = XDocument.Parse(File.ReadAllText(paths.Html));
        var row = doc.Descendants("tr").Single(r => r.Elements("td").Any(td => td.Value == "OutOfMemoryException: <split> & more"));
        Assert.Equal("text status-failed", (string?)row.Elements("td").First().Attribute("class"));
        Assert.Single(doc.Descendants("polyline"), p => (string?)p.Attribute("data-role") == "theory-data");
        Assert.Contains("OutOfMemoryException: &lt;split&gt; & more", File.ReadAllText(paths.Markdown));
    }

    /// <summary>
    /// The theory polylines sit where ScalingTheory puts them under the axis transform: every vertex, mapped back to
    /// data x through the plot area's log scale, has the pixel y of k·L(x), with k anchoring the curve to the median
    /// loss (over seeds, computed here from the store) at the first grid value of the upper half of the decades.
    /// </summary>
    [Theory]
    [InlineData("knn-data-scaling", "theory-data", KnnRunConfig.DataScalingKind)]
    [InlineData("knn-model-scaling", "theory-model", KnnRunConfig.ModelScalingKind)]
    public void TheoryCurveCoordinatesFollowScalingTheory(string plotId, string role, string kind)
    {
        static double A(XElement e, string name) => double.Parse(e.Attribute(name)!.Value, CultureInfo.InvariantCulture);
        var theory = ScalingTheory.BetheCritical;
        Func<double, double> law = kind == KnnRunConfig.DataScalingKind ? theory.DataLoss : theory.ModelLoss;
        var medians = Rows(Store(sweep.Dir)).Values.Where(r => (string)r["kind"]! == kind)
            .GroupBy(r => (double)r["x"]!).OrderBy(g => g.Key)
            .Select(g => { var l = g.Select(r => (double)r["loss"]!).Order().ToArray(); return (X: g.Key, Median: (l[(l.Length - 1) / 2] + l[l.Length / 2]) / 2); })
            .ToList();
        double upperStart = Math.Sqrt(medians[0].X * medians[^1].X);
        var anchor = medians.First(m => m.X >= upperStart);
        double scale = anchor.Median / law(anchor.X);

        var svg = XDocument.Parse(File.ReadAllText(Path.Combine(sweep.Dir, "report.html"))).Descendants("svg").Single(s => (string?)s.Attribute("id") == plotId);
        var area = svg.Descendants("g").Single(g => (string?)g.Attribute("class") == "plot-area");
        Assert.Equal("log", (string?)area.Attribute("data-x-scale"));
        Assert.Equal("log", (string?)area.Attribute("data-y-scale"));
        double left = A(area, "data-left"), top = A(area, "data-top"), width = A(area, "data-width"), height = A(area, "data-height");
        double lx0 = Math.Log10(A(area, "data-x-min")), lx1 = Math.Log10(A(area, "data-x-max"));
        double ly0 = Math.Log10(A(area, "data-y-min")), ly1 = Math.Log10(A(area, "data-y-max"));
        var line = svg.Descendants("polyline").Single(p => (string?)p.Attribute("data-role") == role);
        var vertices = line.Attribute("points")!.Value.Split(' ').Select(p => p.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.True(vertices.Count > 20, $"only {vertices.Count} vertices");
        foreach (var v in vertices)
        {
            double x = Math.Pow(10, lx0 + (v[0] - left) / width * (lx1 - lx0));
            double expectedY = top + height - (Math.Log10(scale * law(x)) - ly0) / (ly1 - ly0) * height;
            Assert.Equal(expectedY, v[1], 0.01);
        }
        // The curve spans the measured range.
        Assert.Equal(medians[0].X, Math.Pow(10, lx0 + (vertices[0][0] - left) / width * (lx1 - lx0)), medians[0].X * 1e-4);
        Assert.Equal(medians[^1].X, Math.Pow(10, lx0 + (vertices[^1][0] - left) / width * (lx1 - lx0)), medians[^1].X * 1e-4);
    }
}
