using System.Text.Json;
using System.Xml.Linq;
using MiniTransformer.Cli;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Tests.Reports;

/// <summary>A real (tiny) sweep through the CLI, ending with its report and the step profile of the median model.</summary>
public sealed class RealSweepReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mt-report-real-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ProfileOfTheMedianModelAccountsForTheTrainersFlopsPerStep()
    {
        var spec = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(spec, """
            { "name": "tiny", "data": { "graph": { "kind": "er-gnm", "nodes": 64, "edges": 256, "seed": 1 }, "sequence_length": 16, "test_tokens": 640 },
              "model": { "layers": [1], "widths": [8, 16, 24], "base_width": 8 }, "tokens": [1280], "learning_rates": [0.01], "seeds": [0], "batch": 4, "eval_points": 1 }
            """);
        var sweepDir = Path.Combine(_dir, "out");
        var stderr = new StringWriter();
        // the sweep's last step writes the report (as the main job does)
        Assert.True(CliApp.Run(["sweep", "--spec", spec, "--out", sweepDir, "--workers", "1", "--bootstrap", "100", "--json"], new StringWriter(), stderr) == 0, stderr.ToString());
        Assert.True(File.Exists(Path.Combine(sweepDir, "report.md")));

        // the median of widths 8, 16, 24 is 16; its run record states the trainer's own FLOPs per step
        long recordFlopsPerStep, parameters;
        using (var store = new ResultsStore(Path.Combine(sweepDir, ResultsStore.FileName)))
        {
            var row = store.Rows().Single(r => Convert.ToInt64(r["width"]) == 16);
            using var record = JsonDocument.Parse((string)row["record_json"]!);
            recordFlopsPerStep = record.RootElement.GetProperty("compute").GetProperty("flops_per_step").GetInt64();
            parameters = Convert.ToInt64(row["parameters"]);
        }
        var doc = XDocument.Parse(File.ReadAllText(Path.Combine(sweepDir, "report.html")));
        var cost = doc.Descendants("section").Single(s => (string?)s.Attribute("id") == "cost");
        Assert.Contains("1 layers × width 16", cost.Value);
        var profile = cost.Descendants("table").Last();
        var header = profile.Descendants("th").Select(t => t.Value).ToList();
        int flops = header.IndexOf("FLOPs");
        long sum = profile.Element("tbody")!.Elements("tr").Sum(r => long.Parse(r.Elements("td").ElementAt(flops).Value.Replace(",", "")));
        // the run clipped gradients (grad_clip defaults to 1): its norm costs a square and an add per parameter, which the profiled step leaves out
        Assert.Equal(recordFlopsPerStep, sum + 2 * parameters);
        Assert.Contains(profile.Element("tbody")!.Elements("tr"), r => r.Elements("td").First().Value == "gemm");
    }
}
