using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using MiniTransformer.Cli;
using MiniTransformer.Reports;
using MiniTransformer.Sweeps;

using MiniTransformer.Tests.Core;

namespace MiniTransformer.Tests.Sweeps;

/// <summary>
/// A miniature ladder end to end through `sweep --spec` on a small text this test writes (bigram, 1-layer transformer
/// and real rungs): every run stored with its rung and floor, the bigram floor recomputed from the table in float64,
/// resume re-runs only what is unfinished, the report holds the exponent-vs-rung table, and bad input exits 2 writing
/// nothing. The spec is the test's own: the ladder-quick preset's real rung needs ~131k training tokens, far more than a
/// 45 KB text holds (LadderSweepSpecTests checks that the shipped presets parse).
/// </summary>
public sealed class LadderSweepTests() : CliTestDirectory("mt-ladder-")
{
    /// <summary>Budgets a 45 KB corpus affords: 2L students of widths 8 … 32 × D 256 … 2,048 on three rungs, 48 tiny runs.</summary>
    private const string TinyLadder = """
        {
          "name": "ladder-tiny",
          "data": { "kind": "language_ladder", "sequence_length": 17, "test_tokens": 1024 },
          "ladder": {
            "corpus": "corpus.txt", "vocab_size": 300, "test_every": 5, "generator_seed": 1, "sample_seed": 1,
            "rungs": [
              { "name": "bigram", "kind": "bigram" },
              { "name": "1L", "kind": "transformer", "layers": 1, "width": 32, "tokens": 2048, "learning_rate": 0.02, "batch": 8 },
              { "name": "real", "kind": "real" }
            ]
          },
          "model": { "layers": [2], "widths": [8, 16, 24, 32], "param": "mup", "base_width": 8, "positions": "rope", "tied_embeddings": true },
          "tokens": [256, 512, 1024, 2048],
          "learning_rates": [0.03],
          "seeds": [0],
          "batch": 8,
          "eval_points": 2,
          "warmup_fraction": 0.02,
          "weight_decay": 0.01,
          "grad_clip": 1.0,
          "backend": "cpu"
        }
        """;

    private string Spec()
    {
        File.WriteAllText(P("ladder-tiny.json"), TinyLadder);
        return P("ladder-tiny.json");
    }

    private string Corpus()
    {
        var random = new Random(5);
        string[] words = ["the", "king", "queen", "of", "and", "my", "lord", "thou", "art", "good", "night", "café"];
        File.WriteAllText(P("corpus.txt"), string.Join("\n", Enumerable.Range(0, 1500).Select(_ =>
            string.Join(" ", Enumerable.Range(0, random.Next(3, 9)).Select(_ => words[random.Next(words.Length)])) + ".")));
        return P("corpus.txt");
    }

    private string[] SweepArgs(string corpus) => ["sweep", "--spec", Spec(), "--corpus", corpus, "--out", P("run"), "--workers", "2", "--no-report"];

    [Fact]
    public void QuickLadderRunsEveryRungRecordsFloorsResumesAndReports()
    {
        var corpus = Corpus();
        var (code, stdout, err) = Run(SweepArgs(corpus));
        Assert.True(code == 0, err);

        var ladder = JsonNode.Parse(File.ReadAllText(P("run/ladder.json")))!;
        var rungs = ladder["rungs"]!.AsArray().ToDictionary(r => r!["name"]!.GetValue<string>(), r => r!);
        Assert.Equal(["bigram", "1L", "real"], rungs.Keys);
        using (var store = new ResultsStore(P("run/results.db")))
        {
            var rows = store.Rows().Where(r => (string)r["kind"]! == LadderRunConfig.StoreKind).ToList();
            Assert.Equal(3 * 4 * 4, rows.Count); // rungs × widths × budgets (one learning rate, one seed)
            Assert.All(rows, r => Assert.Equal("done", r["status"]));
            foreach (var (name, rung) in rungs)
            {
                var floors = rows.Where(r => (string)r["rung"]! == name).Select(r => r["entropy_rate"]).Distinct().ToList();
                if (name == "real")
                {
                    Assert.Equal([null], floors); // the real corpus has no known floor
                    continue;
                }
                // Each generated rung's floor is its test sample's Monte-Carlo entropy, stored with every run of the rung.
                var testSidecar = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(rung["test_path"]!.GetValue<string>(), ".json")))!;
                double floor = testSidecar["entropy_rate_nats"]!.GetValue<double>();
                Assert.Equal([(object)floor], floors);
                Assert.Equal(floor, rung["floor"]!.GetValue<double>());
                Assert.Equal(name == "bigram" ? "bigram" : "transformer", testSidecar["generator"]!["generator"]!["kind"]!.GetValue<string>());
            }
        }
        Assert.Equal(BigramFloor(rungs["bigram"]), rungs["bigram"]["floor"]!.GetValue<double>(), 1e-9);

        // Resume: everything finished is skipped; a run left unfinished is the only one re-run, to the same loss (CPU runs are bit-reproducible).
        var before = UpdatedAndLoss();
        string victim = before.Keys.Order(StringComparer.Ordinal).First();
        Sql($"UPDATE runs SET status = 'failed', reason = 'killed' WHERE id = '{victim}'");
        (code, stdout, err) = Run(SweepArgs(corpus));
        Assert.True(code == 0, err);
        Assert.Contains("47/48 runs already stored", stdout);
        var after = UpdatedAndLoss();
        Assert.All(before.Keys.Where(id => id != victim), id => Assert.Equal(before[id], after[id]));
        Assert.NotEqual(before[victim].Updated, after[victim].Updated);
        Assert.Equal(before[victim].Loss, after[victim].Loss);

        // The report: the ladder table with one row per rung, its floor, and the exponent-vs-rung plot.
        var options = new ReportOptions { Force = true, Profile = false, Fits = new ReportFitOptions { IntervalResamples = 100, BandResamples = 10 } };
        var model = LadderSweepReport.Build(P("run"), options);
        var paths = LadderSweepReport.Write(model, P("run"), options);
        var markdown = File.ReadAllText(paths.Markdown);
        Assert.Contains("## Exponents along the ladder", markdown);
        foreach (var (name, rung) in rungs)
        {
            string floor = rung["floor"] is { } f ? f.GetValue<double>().ToString("F4", CultureInfo.InvariantCulture) : "—";
            Assert.Contains(markdown.Split('\n'), line => line.StartsWith($"| {name} | ") && line.Contains($" | {floor} | "));
        }
        Assert.All(model.Rungs, r => Assert.Equal(16, r.Cells.Count));
        var html = File.ReadAllText(paths.Html);
        Assert.Contains("id=\"exponent-vs-rung\"", html);
        Assert.Contains("id=\"rung-1L\"", html);
    }

    /// <summary>The bigram rung's floor recomputed here in float64 from the generator file: mean over test sequences of mean −ln P(x_t | x_{t−1}).</summary>
    private static double BigramFloor(JsonNode rung)
    {
        var g = JsonNode.Parse(File.ReadAllText(rung["generator_path"]!.GetValue<string>()))!;
        int v = g["vocab_size"]!.GetValue<int>();
        double alpha = g["alpha"]!.GetValue<double>();
        var rowStart = g["row_start"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
        var next = g["next"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
        var counts = g["counts"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
        double P(int a, int b)
        {
            long total = 0, c = 0;
            for (int i = rowStart[a]; i < rowStart[a + 1]; i++) { total += counts[i]; if (next[i] == b) c = counts[i]; }
            return (c + alpha) / (total + alpha * v);
        }
        string path = rung["test_path"]!.GetValue<string>();
        int length = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(path, ".json")))!["sequence_length"]!.GetValue<int>();
        var bytes = File.ReadAllBytes(path);
        var tokens = Enumerable.Range(0, bytes.Length / 4).Select(i => (int)BitConverter.ToUInt32(bytes, 4 * i)).ToArray();
        int sequences = tokens.Length / length;
        double sum = 0;
        for (int s = 0; s < sequences; s++)
        {
            double nlp = 0;
            for (int t = 1; t < length; t++) nlp -= Math.Log(P(tokens[s * length + t - 1], tokens[s * length + t]));
            sum += nlp / (length - 1);
        }
        return sum / sequences;
    }

    private Dictionary<string, (string Updated, double? Loss)> UpdatedAndLoss()
    {
        using var store = new ResultsStore(P("run/results.db"));
        return store.Rows().ToDictionary(r => (string)r["id"]!, r => ((string)r["updated_at"]!, r["final_test_loss"] as double?));
    }

    private void Sql(string sql)
    {
        using var db = new SqliteConnection($"Data Source={P("run/results.db")};Pooling=false");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public void BadLadderInputsExitTwo()
    {
        var corpus = Corpus();
        void AssertUserError(string[] args, string expected)
        {
            var (code, _, err) = Run(args);
            Assert.True(code == CliApp.UserError, $"{string.Join(' ', args)} exited {code}: {err}");
            Assert.Single(err.TrimEnd().Split('\n'));
            Assert.Contains(expected, err);
        }
        AssertUserError(["sweep", "--spec", Spec(), "--corpus", P("missing.txt"), "--out", P("a")], "missing.txt");
        Assert.False(Directory.Exists(P("a")), "a missing corpus is found before anything is written");
        AssertUserError(["sweep", "--preset", "ladder-quick", "--corpus", P("missing.txt"), "--out", P("a")], "missing.txt");
        Assert.False(Directory.Exists(P("a")), "the preset too finds a missing corpus before anything is written");
        AssertUserError(["sweep", "--preset", "quick", "--corpus", corpus, "--out", P("b")], "--corpus");
        Assert.False(Directory.Exists(P("b")));
        // A budget larger than the real corpus' training split holds (one epoch, no reuse) names the field.
        var spec = JsonNode.Parse(TinyLadder)!;
        spec["tokens"] = new JsonArray(10_000_000);
        File.WriteAllText(P("big.json"), spec.ToJsonString());
        AssertUserError(["sweep", "--spec", P("big.json"), "--corpus", corpus, "--out", P("c"), "--no-report"], "spec field 'tokens'");
    }
}
