using Microsoft.Data.Sqlite;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Tests.Sweeps;

/// <summary>
/// Stores written before k-NN runs existed (schema 0: NOT NULL transformer columns, no kind) open, migrate in place,
/// keep every row, and merge into new stores.
/// </summary>
public sealed class ResultsStoreMigrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mt-store-v0-").FullName;

    /// <summary>The schema-0 layout as the earlier build created it (verbatim).</summary>
    private const string Version0 = """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY, sweep TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, layers INTEGER NOT NULL, width INTEGER NOT NULL,
            tokens INTEGER NOT NULL, learning_rate REAL NOT NULL, seed INTEGER NOT NULL, param TEXT NOT NULL, parameters INTEGER,
            non_embedding_parameters INTEGER, final_test_loss REAL, final_train_loss REAL, exact_flops REAL, six_nd REAL,
            six_nd_non_embedding REAL, entropy_rate REAL, wall_seconds REAL, tokens_per_second REAL, config_json TEXT NOT NULL,
            record_json TEXT, updated_at TEXT NOT NULL);
        CREATE TABLE curve_points (run_id TEXT NOT NULL REFERENCES runs(id), step INTEGER NOT NULL, tokens INTEGER NOT NULL,
            train_loss REAL, test_loss REAL, PRIMARY KEY (run_id, step));
        CREATE VIEW best_runs AS SELECT r.* FROM runs r WHERE r.status = 'done' AND r.final_test_loss = (
            SELECT MIN(o.final_test_loss) FROM runs o WHERE o.status = 'done' AND o.sweep = r.sweep AND o.layers = r.layers AND o.width = r.width AND o.tokens = r.tokens);
        INSERT INTO runs VALUES ('00aa', 'old', 'done', NULL, 2, 32, 8000, 0.01, 0, 'mup', 50000, 20000, 3.25, 3.5, 1e12, 9e11, 8e11, 2.5, 4.0, 2000.0, '{"x":1}', NULL, '2026-01-01T00:00:00Z');
        INSERT INTO runs VALUES ('00bb', 'old', 'failed', 'boom', 2, 64, 8000, 0.01, 0, 'mup', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"x":2}', NULL, '2026-01-01T00:00:00Z');
        INSERT INTO curve_points VALUES ('00aa', 10, 800, 4.0, 3.9);
        """;

    private string MakeVersion0(string name)
    {
        var path = Path.Combine(_dir, name);
        using var db = new SqliteConnection($"Data Source={path};Pooling=false");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = Version0;
        cmd.ExecuteNonQuery();
        return path;
    }

    private static long UserVersion(string path)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=false");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "PRAGMA user_version";
        return (long)cmd.ExecuteScalar()!;
    }

    [Fact]
    public void Version0StoreIsMigratedKeepingEveryRowAndAcceptsKnnRuns()
    {
        var path = MakeVersion0("v0.db");
        using (var store = new ResultsStore(path))
        {
            var rows = store.Rows();
            Assert.Equal(2, rows.Count);
            var done = rows.Single(r => (string)r["id"]! == "00aa");
            Assert.Equal(("graph_walks", 2L, 32L, 8000L, 3.25, "mup", "{\"x\":1}"),
                ((string)done["kind"]!, (long)done["layers"]!, (long)done["width"]!, (long)done["tokens"]!, (double)done["final_test_loss"]!, (string)done["param"]!, (string)done["config_json"]!));
            Assert.Null(done["x"]);
            Assert.Equal("boom", rows.Single(r => (string)r["id"]! == "00bb")["reason"]);
            Assert.Equal(["00aa"], store.FinishedIds());
            Assert.Equal("00aa", Assert.Single(store.Rows("best_runs"))["id"]);
            Assert.Single(store.Rows("curve_points"));

            var knn = new KnnRunConfig(new PercolationData("bethe", 50, null, null, null, 1.0 / 49, 20, 5000, 16, 3), KnnSpec.DataScalingName, 10, 0, 0.02,
                new KnnRegressorConfig("tree", true, null, null, null), null);
            store.Write("k", knn, new RunOutcome(RunStatus.Done, null, null, [], null, new KnnMetrics(10, 0.5, 9, 40, 0.01)));
            var row = Assert.Single(store.Rows("knn_runs"));
            Assert.Equal((knn.Id, 10.0, 0.5, 9L, 40L), ((string)row["id"]!, (double)row["x"]!, (double)row["loss"]!, (long)row["train_size"]!, (long)row["test_size"]!));
            Assert.Single(store.Rows("best_runs")); // k-NN rows never enter the transformer view
        }
        Assert.Equal(ResultsStore.SchemaVersion, UserVersion(path));
        using (var again = new ResultsStore(path)) Assert.Equal(3, again.Rows().Count); // a migrated store opens as is
    }

    [Fact]
    public void Version0ShardMergesIntoANewStore()
    {
        var shard = MakeVersion0("shard.db");
        using var store = new ResultsStore(Path.Combine(_dir, "merged.db"));
        Assert.Equal(2, store.MergeFrom(shard));
        Assert.All(store.Rows(), r => Assert.Equal("graph_walks", r["kind"]));
        Assert.Equal(3.25, (double)store.Rows().Single(r => (string)r["id"]! == "00aa")["final_test_loss"]!);
        Assert.Single(store.Rows("curve_points"));
        Assert.Equal(0, UserVersion(shard)); // merging reads a shard, never rewrites it
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
