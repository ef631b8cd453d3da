using Microsoft.Data.Sqlite;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Tests.Sweeps;

/// <summary>
/// Language-ladder rows in the results store: schema 2 adds the rung column; stores from the k-NN build (schema 1) gain it
/// in place keeping every row and id, merge into new stores, and ladder rows carry their rung into <c>ladder_best_runs</c>.
/// </summary>
public sealed class ResultsStoreLadderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mt-store-v1-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The schema-1 runs table as the k-NN build created it (verbatim), one graph-walk and one k-NN row.</summary>
    private const string Version1 = """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY, sweep TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, layers INTEGER, width INTEGER, tokens INTEGER,
            learning_rate REAL, seed INTEGER NOT NULL, param TEXT, parameters INTEGER, non_embedding_parameters INTEGER, final_test_loss REAL,
            final_train_loss REAL, exact_flops REAL, six_nd REAL, six_nd_non_embedding REAL, entropy_rate REAL, wall_seconds REAL,
            tokens_per_second REAL, config_json TEXT NOT NULL, record_json TEXT, updated_at TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'graph_walks', x REAL, train_size INTEGER, test_size INTEGER);
        CREATE TABLE curve_points (run_id TEXT NOT NULL REFERENCES runs(id), step INTEGER NOT NULL, tokens INTEGER NOT NULL,
            train_loss REAL, test_loss REAL, PRIMARY KEY (run_id, step));
        INSERT INTO runs (id, sweep, status, layers, width, tokens, learning_rate, seed, param, final_test_loss, config_json, updated_at)
            VALUES ('00aa', 'old', 'done', 2, 32, 8000, 0.01, 0, 'mup', 3.25, '{"x":1}', '2026-01-01T00:00:00Z');
        INSERT INTO runs (id, sweep, status, seed, final_test_loss, config_json, updated_at, kind, x, train_size, test_size)
            VALUES ('00cc', 'k', 'done', 1, 0.5, '{"x":3}', '2026-01-01T00:00:00Z', 'knn_data_scaling', 10, 9, 40);
        PRAGMA user_version = 1;
        """;

    private string MakeVersion1(string name)
    {
        var path = Path.Combine(_dir, name);
        using var db = new SqliteConnection($"Data Source={path};Pooling=false");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = Version1;
        cmd.ExecuteNonQuery();
        return path;
    }

    private static LadderRunConfig Run(string rung, double lr) => new(
        new LadderDataConfig(new string('a', 64), 300, 17, 5, 5000, 1024, 1, 1, "cpu"), new LadderRungSpec { Name = rung, Kind = LadderRungSpec.Real },
        2, 16, null, "mup", 8, "rope", true, 1024, lr, 0, 8, 2, 0.02, 0.01, 1.0, "cpu");

    private static RunOutcome Done(double loss) => new(RunStatus.Done, null,
        new RunMetrics(5000, 4000, 1024, loss, loss + 0.1, 1e9, 1e9, 8e8, null, 1.0, 1000), [new CurvePoint(1, 128, loss + 1, loss)], "{}");

    [Fact]
    public void Version1StoreGainsTheRungColumnKeepingEveryRow()
    {
        var path = MakeVersion1("v1.db");
        using (var store = new ResultsStore(path))
        {
            var rows = store.Rows();
            Assert.Equal(["00aa", "00cc"], rows.Select(r => (string)r["id"]!).Order());
            Assert.All(rows, r => Assert.True(r.ContainsKey("rung") && r["rung"] is null));
            Assert.Equal(3.25, (double)rows.Single(r => (string)r["id"]! == "00aa")["final_test_loss"]!);
            Assert.Equal("00cc", Assert.Single(store.Rows("knn_runs"))["id"]);

            store.Write("lad", Run("real", 0.01), Done(4.0));
            store.Write("lad", Run("real", 0.03), Done(3.5));
            store.Write("lad", Run("bigram", 0.01), Done(3.0));
            var best = store.Rows("ladder_best_runs");
            Assert.Equal([("bigram", 3.0), ("real", 3.5)], best.Select(r => ((string)r["rung"]!, (double)r["final_test_loss"]!)));
            Assert.Equal("00aa", Assert.Single(store.Rows("best_runs"))["id"]); // ladder rows never enter the graph-walk view
        }
        using var db = new SqliteConnection($"Data Source={path};Pooling=false");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "PRAGMA user_version";
        Assert.Equal((long)ResultsStore.SchemaVersion, (long)cmd.ExecuteScalar()!);
    }

    [Fact]
    public void Version1ShardMergesIntoANewStore()
    {
        var shard = MakeVersion1("shard.db");
        using var store = new ResultsStore(Path.Combine(_dir, "merged.db"));
        Assert.Equal(2, store.MergeFrom(shard));
        Assert.Equal(["graph_walks", "knn_data_scaling"], store.Rows().Select(r => (string)r["kind"]!).Order());
    }

    [Fact]
    public void LadderRunIdsDependOnTheRungAndTheCorpusContent()
    {
        var a = Run("real", 0.01);
        Assert.NotEqual(a.Id, (a with { Rung = a.Rung with { Name = "other" } }).Id);
        Assert.NotEqual(a.Id, (a with { Data = a.Data with { CorpusSha256 = new string('b', 64) } }).Id);
        Assert.Equal(a.Id, Run("real", 0.01).Id);
        Assert.Matches("^[0-9a-f]{16}$", a.Id);
    }
}
