using System.Globalization;
using System.Text.Json;
using MiniTransformer.Cli;

namespace MiniTransformer.Tests.Fitting;

public sealed class FitCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fitcli").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteCsv(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter(); var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string PowerLawCsv(int points = 12)
    {
        var x = Synthetic.LogSpaced(1e6, 1e9, points);
        var y = Synthetic.PowerLaw(x, 1.7, 400, 0.34, 0.002, seed: 3);
        return WriteCsv("curve.csv", "N,loss,note\n" + string.Concat(x.Select((v, i) => string.Create(CultureInfo.InvariantCulture, $"{v},{y[i]},\"run, {i}\"\n"))));
    }

    [Fact]
    public void CurveWritesJsonWithTheExponentAndItsInterval()
    {
        var csv = PowerLawCsv();
        var outPath = Path.Combine(_dir, "fit.json");
        var (code, stdout, stderr) = Run("fit", "curve", "--csv", csv, "--x-column", "N", "--y-column", "loss", "--bootstrap", "300", "--out", outPath);
        Assert.True(code == 0, stderr);
        Assert.Contains("α", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(outPath));
        var result = doc.RootElement.GetProperty("result");
        Assert.Equal(0.34, result.GetProperty("power_law").GetProperty("parameters").GetProperty("alpha").GetDouble(), 2);
        var ci = result.GetProperty("intervals").GetProperty("intervals").EnumerateArray().First(e => e.GetProperty("name").GetString() == "alpha");
        Assert.True(ci.GetProperty("lower").GetDouble() < ci.GetProperty("upper").GetDouble());
        Assert.True(result.GetProperty("mse_ratio_power_over_exponential").GetDouble() < 1);

        // the same output again without --force is refused, and the file is untouched
        var (again, _, err) = Run("fit", "curve", "--csv", csv, "--x-column", "N", "--y-column", "loss", "--bootstrap", "0", "--out", outPath);
        Assert.Equal(CliApp.UserError, again);
        Assert.Contains("already exists", err);
    }

    [Fact]
    public void JsonFlagPrintsMachineReadableOutput()
    {
        var (code, stdout, stderr) = Run("fit", "curve", "--csv", PowerLawCsv(), "--x-column", "N", "--y-column", "loss", "--bootstrap", "0", "--compare", "none", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("fit curve", doc.RootElement.GetProperty("command").GetString());
    }

    [Theory]
    [InlineData("N,loss\n1e6,3.1\n2e6,2.9\n4e6,2.8\n", "need at least 4")]             // fewer points than parameters
    [InlineData("N,loss\n1e6,3.1\n1e6,2.9\n1e6,2.8\n1e6,2.7\n1e6,2.6\n", "x is constant")]
    [InlineData("N,loss\n1e6,3.1\n2e6,abc\n4e6,2.8\n8e6,2.7\n", "not a finite number")]
    [InlineData("N,loss\n1e6,3.1\n2e6\n", "has 1 fields but the header has 2")]
    [InlineData("N,lossy\n1e6,3.1\n2e6,3\n", "no column 'loss'")]
    public void DegenerateCurveInputExitsWithTwoAndOneLine(string csv, string message)
    {
        var (code, _, stderr) = Run("fit", "curve", "--csv", WriteCsv("bad.csv", csv), "--x-column", "N", "--y-column", "loss", "--bootstrap", "0");
        Assert.Equal(CliApp.UserError, code);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public void NonPositiveLossIsRejectedBySurfaceFits()
    {
        var rows = string.Concat(Enumerable.Range(1, 10).Select(i => $"{i}e6,{i}e9,{(i == 5 ? "-0.5" : "3.0")}\n"));
        var (code, _, stderr) = Run("fit", "surface", "--csv", WriteCsv("s.csv", "N,D,loss\n" + rows), "--n-column", "N", "--d-column", "D", "--loss-column", "loss", "--forms", "chinchilla");
        Assert.Equal(CliApp.UserError, code);
        Assert.Contains("loss must be positive", stderr);
    }

    [Fact]
    public void SurfaceAndIsoFlopRunOnSyntheticChinchillaData()
    {
        static double Law(double n, double d) => 1.69 + 406.4 * Math.Pow(n, -0.34) + 410.7 * Math.Pow(d, -0.28);
        var lines = new List<string> { "params,tokens,flops,loss" };
        foreach (double c in Synthetic.LogSpaced(1e18, 1e21, 4))
            foreach (double n in Synthetic.LogSpaced(3e7, 3e9, 7))
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{n},{c / (6 * n)},{c},{Law(n, c / (6 * n))}"));
        var csv = WriteCsv("surface.csv", string.Join('\n', lines) + "\n");

        var (code, stdout, stderr) = Run("fit", "surface", "--csv", csv, "--n-column", "params", "--d-column", "tokens", "--loss-column", "loss",
                                         "--forms", "chinchilla", "--splits", "0", "--bootstrap", "0", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var form = doc.RootElement.GetProperty("analyses")[0].GetProperty("forms")[0];
        Assert.Equal(0.34, form.GetProperty("fit").GetProperty("alpha").GetDouble(), 3);
        Assert.Equal(0.28 / 0.62, form.GetProperty("compute_optimal").GetProperty("exponent_n").GetDouble(), 3);

        var (isoCode, isoOut, isoErr) = Run("fit", "isoflop", "--csv", csv, "--n-column", "params", "--c-column", "flops", "--loss-column", "loss", "--bootstrap", "0");
        Assert.True(isoCode == 0, isoErr);
        Assert.Contains("N_opt ∝ C^a", isoOut);
    }

    [Fact]
    public void SurfaceFitsTheMlpFormOnTheChosenBackendAndReadsItsFrontier()
    {
        static double Law(double n, double d) => 1.69 + 406.4 * Math.Pow(n, -0.34) + 410.7 * Math.Pow(d, -0.28);
        var lines = new List<string> { "params,tokens,loss" };
        foreach (double n in Synthetic.LogSpaced(3e7, 3e9, 8))
            foreach (double d in Synthetic.LogSpaced(1e9, 1e12, 6))
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{n},{d},{Law(n, d)}"));
        var csv = WriteCsv("mlp.csv", string.Join('\n', lines) + "\n");

        var (code, stdout, stderr) = Run("fit", "surface", "--csv", csv, "--n-column", "params", "--d-column", "tokens", "--loss-column", "loss",
                                         "--forms", "mlp", "--splits", "2", "--backend", "cpu", "--mlp-width", "16", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var form = doc.RootElement.GetProperty("analyses")[0].GetProperty("forms")[0];
        Assert.Equal("mlp", form.GetProperty("form").GetString());
        Assert.Equal("cpu", form.GetProperty("fit").GetProperty("backend").GetString());
        Assert.Equal(16, form.GetProperty("fit").GetProperty("parameters").GetProperty("width").GetDouble());
        Assert.True(form.GetProperty("validation").GetProperty("mean_mse_log").GetDouble() < 1e-4);
        // the frontier of a surface learned from the Chinchilla law has roughly its allocation, a = β/(α+β) = 0.45
        Assert.Equal(0.28 / 0.62, form.GetProperty("compute_optimal").GetProperty("exponent_n").GetDouble(), 0.1);

        var (bad, _, err) = Run("fit", "surface", "--csv", csv, "--n-column", "params", "--d-column", "tokens", "--loss-column", "loss",
                                "--forms", "mlp", "--backend", "tpu");
        Assert.Equal(CliApp.UserError, bad);
        Assert.Contains("unknown backend 'tpu'", err);
        var (tiny, _, tinyErr) = Run("fit", "surface", "--csv", csv, "--n-column", "params", "--d-column", "tokens", "--loss-column", "loss",
                                     "--forms", "mlp", "--mlp-width", "0");
        Assert.Equal(CliApp.UserError, tiny);
        Assert.Contains("MLP width", tinyErr);

        // 11 points: enough for one MLP fit, too few for any 80% split of them (8 < 10) — reported per form, not fatal
        var small = WriteCsv("small.csv", string.Join('\n', lines.Take(12)) + "\n");
        var (smallCode, smallOut, smallErr) = Run("fit", "surface", "--csv", small, "--n-column", "params", "--d-column", "tokens", "--loss-column", "loss",
                                                  "--forms", "mlp", "--splits", "5", "--json");
        Assert.True(smallCode == 0, smallErr);
        using var smallDoc = JsonDocument.Parse(smallOut);
        var smallForm = smallDoc.RootElement.GetProperty("analyses")[0].GetProperty("forms")[0];
        Assert.Equal(JsonValueKind.Null, smallForm.GetProperty("validation").ValueKind);
        Assert.Contains("failed on every validation split", smallForm.GetProperty("validation_error").GetString());
    }

    /// <summary>The sweep store's best_runs view feeds the fitters directly (the synthetic sweep's losses follow a known Chinchilla law).</summary>
    [Fact]
    public void SurfaceReadsASweepStore()
    {
        var dir = MiniTransformer.Tests.Reports.SyntheticSweep.Create();
        try
        {
            var store = Path.Combine(dir, MiniTransformer.Sweeps.ResultsStore.FileName);
            var (code, stdout, stderr) = Run("fit", "surface", "--store", store, "--n-column", "non_embedding_parameters", "--n-alt-column", "parameters",
                                             "--d-column", "tokens", "--loss-column", "final_test_loss", "--forms", "chinchilla", "--splits", "0", "--bootstrap", "0", "--json");
            Assert.True(code == 0, stderr);
            using var doc = JsonDocument.Parse(stdout);
            var analysis = doc.RootElement.GetProperty("analyses")[0];
            Assert.Equal(16, analysis.GetProperty("points").GetInt32());   // best over learning rates and seeds: one run per (N, D)
            var fit = analysis.GetProperty("forms")[0].GetProperty("fit");
            Assert.Equal(MiniTransformer.Tests.Reports.SyntheticSweep.Alpha, fit.GetProperty("alpha").GetDouble(), 3);
            Assert.Equal(MiniTransformer.Tests.Reports.SyntheticSweep.E, fit.GetProperty("e").GetDouble(), 3);
            // N counted with embeddings too: the same runs again, reported beside; the law holds in non-embedding N only
            var withEmbeddings = doc.RootElement.GetProperty("analyses")[1];
            Assert.Equal("parameters", withEmbeddings.GetProperty("n_column").GetString());
            Assert.Equal(16, withEmbeddings.GetProperty("points").GetInt32());
            double alphaTotal = withEmbeddings.GetProperty("forms")[0].GetProperty("fit").GetProperty("alpha").GetDouble();
            Assert.True(Math.Abs(alphaTotal - MiniTransformer.Tests.Reports.SyntheticSweep.Alpha) > 0.01, $"alpha with embeddings {alphaTotal}");

            var (both, _, err) = Run("fit", "surface", "--store", store, "--csv", store, "--n-column", "non_embedding_parameters", "--d-column", "tokens",
                                     "--loss-column", "final_test_loss");
            Assert.Equal(CliApp.UserError, both);
            Assert.Contains("exactly one of --csv and --store", err);
            var (missing, _, missingErr) = Run("fit", "isoflop", "--store", Path.Combine(dir, "nope.db"), "--n-column", "N", "--c-column", "C", "--loss-column", "L");
            Assert.Equal(CliApp.UserError, missing);
            Assert.Contains("does not exist", missingErr);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
