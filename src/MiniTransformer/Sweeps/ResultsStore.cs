using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using MiniTransformer.IO;

namespace MiniTransformer.Sweeps;

/// <summary>
/// The results of sweeps in one SQLite file (WAL journal, so a killed process never corrupts it): one row per run
/// keyed by its content id, its loss curve, and the <c>best_runs</c> view — "best over learning rate and seeds"
/// is a query, not a file. Each finished run is written in one transaction, so a run is either fully recorded or
/// absent. Open it from Python with <c>sqlite3.connect("results.db")</c> or export CSV/JSON.
/// </summary>
public sealed class ResultsStore : IDisposable
{
    public const string FileName = "results.db";

    private readonly SqliteConnection _connection;
    private readonly Lock _writeLock = new();

    public ResultsStore(string path)
    {
        Path = path;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;");
        Migrate();
    }

    public string Path { get; }

    /// <summary>PRAGMA user_version of the current schema. 0: transformer runs only; 1: adds k-NN runs (kind, x, train/test sizes);
    /// 2: adds language-ladder runs (rung).</summary>
    public const int SchemaVersion = 2;

    /// <summary>
    /// One row per run. Transformer runs fill layers … tokens_per_second; k-NN runs (kind knn_data_scaling /
    /// knn_model_scaling) fill x (expected training-set size 𝒟, or degrees of freedom N), final_test_loss (the held-out
    /// MSE), train_size and test_size (sites used), and leave the transformer columns NULL.
    /// </summary>
    private const string RunsTable = """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            sweep TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            layers INTEGER,
            width INTEGER,
            tokens INTEGER,
            learning_rate REAL,
            seed INTEGER NOT NULL,
            param TEXT,
            parameters INTEGER,
            non_embedding_parameters INTEGER,
            final_test_loss REAL,
            final_train_loss REAL,
            exact_flops REAL,
            six_nd REAL,
            six_nd_non_embedding REAL,
            entropy_rate REAL,
            wall_seconds REAL,
            tokens_per_second REAL,
            config_json TEXT NOT NULL,
            record_json TEXT,
            updated_at TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'graph_walks',
            x REAL,
            train_size INTEGER,
            test_size INTEGER,
            rung TEXT
        );
        """;

    private const string CurvesAndViews = """
        CREATE TABLE IF NOT EXISTS curve_points (
            run_id TEXT NOT NULL REFERENCES runs(id),
            step INTEGER NOT NULL,
            tokens INTEGER NOT NULL,
            train_loss REAL,
            test_loss REAL,
            PRIMARY KEY (run_id, step)
        );
        CREATE VIEW IF NOT EXISTS best_runs AS
            SELECT r.* FROM runs r
            WHERE r.kind = 'graph_walks' AND r.status = 'done' AND r.final_test_loss = (
                SELECT MIN(o.final_test_loss) FROM runs o
                WHERE o.kind = 'graph_walks' AND o.status = 'done' AND o.sweep = r.sweep AND o.layers = r.layers AND o.width = r.width AND o.tokens = r.tokens);
        CREATE VIEW IF NOT EXISTS knn_runs AS
            SELECT id, sweep, status, reason, kind, x, seed, final_test_loss AS loss, train_size, test_size, wall_seconds, config_json, record_json, updated_at
            FROM runs WHERE kind LIKE 'knn%';
        CREATE VIEW IF NOT EXISTS ladder_best_runs AS
            SELECT r.* FROM runs r
            WHERE r.kind = 'language_ladder' AND r.status = 'done' AND r.final_test_loss = (
                SELECT MIN(o.final_test_loss) FROM runs o
                WHERE o.kind = 'language_ladder' AND o.status = 'done' AND o.sweep = r.sweep AND o.rung = r.rung
                  AND o.layers = r.layers AND o.width = r.width AND o.tokens = r.tokens);
        """;

    /// <summary>The columns a version-0 store has, in its order (all of them kept by the migration).</summary>
    private const string Version0Columns = "id, sweep, status, reason, layers, width, tokens, learning_rate, seed, param, parameters, non_embedding_parameters, " +
        "final_test_loss, final_train_loss, exact_flops, six_nd, six_nd_non_embedding, entropy_rate, wall_seconds, tokens_per_second, config_json, record_json, updated_at";

    /// <summary>
    /// Creates the schema, or brings a version-0 store (NOT NULL transformer columns, no kind) to version 1 in one
    /// transaction: SQLite cannot relax a NOT NULL column in place, so the runs table is rebuilt and its rows copied
    /// (kind = graph_walks); the views are recreated over it. Stores from older builds keep every row and id.
    /// </summary>
    private void Migrate()
    {
        // Dropping the old runs table must not trip curve_points' reference to it (the rebuilt table takes its name
        // back in the same transaction); SQLite only lets foreign keys be switched outside a transaction.
        long enforced = Scalar("PRAGMA foreign_keys");
        Execute("PRAGMA foreign_keys = OFF");
        try
        {
            MigrateInTransaction();
        }
        finally
        {
            Execute($"PRAGMA foreign_keys = {enforced}");
        }
    }

    private void MigrateInTransaction()
    {
        using var tx = _connection.BeginTransaction();
        long version = Scalar("PRAGMA user_version", tx);
        bool hasRuns = Scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'runs'", tx) > 0;
        if (!hasRuns) Exec(RunsTable, tx);
        else if (version == 1) Exec("ALTER TABLE runs ADD COLUMN rung TEXT", tx); // language-ladder runs' rung; older rows have none
        else if (version < SchemaVersion)
        {
            Exec("DROP VIEW IF EXISTS best_runs; DROP VIEW IF EXISTS knn_runs;", tx);
            Exec(RunsTable.Replace("CREATE TABLE runs", "CREATE TABLE runs_v1"), tx);
            Exec($"INSERT INTO runs_v1 ({Version0Columns}) SELECT {Version0Columns} FROM runs; DROP TABLE runs; ALTER TABLE runs_v1 RENAME TO runs;", tx);
        }
        Exec(CurvesAndViews, tx);
        Exec($"PRAGMA user_version = {SchemaVersion}", tx);
        tx.Commit();
    }

    /// <summary>Ids of runs that need no more work (done or diverged). Failed and interrupted runs are retried.</summary>
    public HashSet<string> FinishedIds()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        using var cmd = Command("SELECT id FROM runs WHERE status IN ('done', 'diverged')");
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) ids.Add(reader.GetString(0));
        return ids;
    }

    /// <summary>Marks a run as started (an interrupted sweep leaves it 'running'; the next sweep re-runs it).</summary>
    public void MarkRunning(string sweep, ISweepRun config) => Write(sweep, config, new RunOutcome(RunStatus.Running, null, null, [], null));

    /// <summary>Records a run's outcome and curve atomically, replacing any earlier row of the same id.</summary>
    public void Write(string sweep, ISweepRun config, RunOutcome outcome)
    {
        var values = new Dictionary<string, object?>
        {
            ["id"] = config.Id,
            ["sweep"] = sweep,
            ["status"] = outcome.Status.ToString().ToLowerInvariant(),
            ["reason"] = outcome.Reason,
            ["seed"] = unchecked((long)config.Seed),
            ["config_json"] = config.CanonicalJson,
            ["record_json"] = outcome.RecordJson,
            ["updated_at"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["kind"] = config.Kind,
        };
        if (config is RunConfig or LadderRunConfig)
        {
            var m = outcome.Metrics;
            var (layers, width, tokens, learningRate, param) = config switch
            {
                RunConfig c => (c.Layers, c.Width, c.Tokens, c.LearningRate, c.Param),
                LadderRunConfig l => (l.Layers, l.Width, l.Tokens, l.LearningRate, l.Param),
                _ => throw new UnreachableException(),
            };
            if (config is LadderRunConfig ladder) values["rung"] = ladder.Rung.Name;
            values["layers"] = layers;
            values["width"] = width;
            values["tokens"] = tokens;
            values["learning_rate"] = learningRate;
            values["param"] = param;
            values["parameters"] = m?.Parameters;
            values["non_embedding_parameters"] = m?.NonEmbeddingParameters;
            values["final_test_loss"] = Nullable(m?.FinalTestLoss);
            values["final_train_loss"] = Nullable(m?.FinalTrainLoss);
            values["exact_flops"] = m?.ExactFlops;
            values["six_nd"] = m?.SixNd;
            values["six_nd_non_embedding"] = m?.SixNdNonEmbedding;
            values["entropy_rate"] = Nullable(m?.EntropyRate);
            values["wall_seconds"] = m?.WallSeconds;
            values["tokens_per_second"] = m?.TokensPerSecond;
        }
        else if (config is KnnRunConfig k)
        {
            var m = outcome.Knn;
            values["x"] = k.X;
            values["final_test_loss"] = Nullable(m?.Loss);
            values["train_size"] = m?.TrainSize;
            values["test_size"] = m?.TestSize;
            values["wall_seconds"] = m?.WallSeconds;
        }
        else throw new ArgumentException($"the store has no columns for a {config.GetType().Name}");

        lock (_writeLock)
        {
            using var tx = _connection.BeginTransaction();
            using (var del = Command("DELETE FROM curve_points WHERE run_id = $id", tx))
            {
                del.Parameters.AddWithValue("$id", config.Id);
                del.ExecuteNonQuery();
            }
            using (var cmd = Command($"INSERT OR REPLACE INTO runs ({string.Join(", ", values.Keys)}) VALUES ({string.Join(", ", values.Keys.Select(k => "$" + k))})", tx))
            {
                foreach (var (name, value) in values) cmd.Parameters.AddWithValue("$" + name, value ?? DBNull.Value);
                cmd.ExecuteNonQuery();
            }
            foreach (var point in outcome.Curve)
            {
                using var ins = Command("INSERT INTO curve_points VALUES ($id, $step, $tokens, $train, $test)", tx);
                ins.Parameters.AddWithValue("$id", config.Id);
                ins.Parameters.AddWithValue("$step", point.Step);
                ins.Parameters.AddWithValue("$tokens", point.Tokens);
                ins.Parameters.AddWithValue("$train", Nullable(point.TrainLoss));
                ins.Parameters.AddWithValue("$test", Nullable(point.TestLoss));
                ins.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    /// <summary>Every row of a table or view (runs, best_runs, curve_points, knn_runs) as column → value (NULL as null), in a fixed order.</summary>
    public List<Dictionary<string, object?>> Rows(string table = "runs")
    {
        if (table is not ("runs" or "best_runs" or "curve_points" or "knn_runs" or "ladder_best_runs")) throw new ArgumentException($"no table '{table}'");
        var order = table switch
        {
            "curve_points" => "run_id, step",
            "knn_runs" => "sweep, kind, x, seed, id",
            "ladder_best_runs" => "sweep, rung, layers, width, tokens, seed, id",
            _ => "sweep, kind, layers, width, tokens, learning_rate, x, seed, id",
        };
        using var cmd = Command($"SELECT * FROM {table} ORDER BY {order}");
        using var reader = cmd.ExecuteReader();
        var rows = new List<Dictionary<string, object?>>();
        while (reader.Read())
        {
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (int i = 0; i < reader.FieldCount; i++) row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Copies every run (and its curve) of another store in; a finished run wins over an unfinished one.</summary>
    public int MergeFrom(string otherPath)
    {
        if (!File.Exists(otherPath)) throw new UserInputException($"store '{otherPath}' does not exist");
        lock (_writeLock)
        {
            using var attach = Command("ATTACH DATABASE $path AS other");
            attach.Parameters.AddWithValue("$path", otherPath);
            attach.ExecuteNonQuery();
            try
            {
                using var tx = _connection.BeginTransaction();
                const string better = "(o.status IN ('done','diverged') OR NOT EXISTS (SELECT 1 FROM main.runs m WHERE m.id = o.id))";
                Exec($"DELETE FROM main.curve_points WHERE run_id IN (SELECT o.id FROM other.runs o WHERE {better})", tx);
                // By name, not position: a shard store written by an older build (schema 0) lacks the k-NN columns.
                var columns = string.Join(", ", OtherRunsColumns(tx));
                int merged = Exec($"INSERT OR REPLACE INTO main.runs ({columns}) SELECT {columns} FROM other.runs o WHERE {better}", tx);
                Exec("""
                    INSERT OR IGNORE INTO main.curve_points SELECT c.* FROM other.curve_points c
                    WHERE NOT EXISTS (SELECT 1 FROM main.curve_points m WHERE m.run_id = c.run_id);
                    """, tx);
                tx.Commit();
                return merged;
            }
            catch (SqliteException e)
            {
                throw new UserInputException($"cannot merge '{otherPath}': {e.Message}");
            }
            finally
            {
                Execute("DETACH DATABASE other");
            }
        }
    }

    /// <summary>Writes a table as CSV (RFC 4180 quoting) for pandas users.</summary>
    public void ExportCsv(string path, string table, bool force)
    {
        var rows = Rows(table);
        var columns = rows.Count > 0 ? rows[0].Keys.ToList() : ColumnNames(table);
        var text = new StringBuilder();
        text.AppendLine(string.Join(',', columns));
        foreach (var row in rows) text.AppendLine(string.Join(',', columns.Select(c => CsvField(row[c]))));
        AtomicFile.WriteAllText(path, text.ToString(), force);
    }

    public void ExportJson(string path, string table, bool force) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(Rows(table), Json.Options), force);

    public void Dispose()
    {
        _connection.Dispose();
        SqliteConnection.ClearAllPools();
    }

    private List<string> ColumnNames(string table)
    {
        using var cmd = Command($"SELECT * FROM {table} LIMIT 0");
        using var reader = cmd.ExecuteReader();
        return Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
    }

    private static string CsvField(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s when s.IndexOfAny([',', '"', '\n', '\r']) >= 0 => "\"" + s.Replace("\"", "\"\"") + "\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Non-finite numbers (a diverged run's last loss) are stored as NULL: SQLite has no NaN, and a loss that is not a number must never read as one.</summary>
    private static object Nullable(double? value) => value is { } v && double.IsFinite(v) ? v : DBNull.Value;

    private SqliteCommand Command(string sql, SqliteTransaction? tx = null)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    private List<string> OtherRunsColumns(SqliteTransaction tx)
    {
        using var cmd = Command("SELECT name FROM pragma_table_info('runs', 'other')", tx);
        using var reader = cmd.ExecuteReader();
        var columns = new List<string>();
        while (reader.Read()) columns.Add(reader.GetString(0));
        if (columns.Count == 0) throw new UserInputException("the file to merge has no runs table (is it a results store?)");
        return columns;
    }

    private long Scalar(string sql, SqliteTransaction? tx = null)
    {
        using var cmd = Command(sql, tx);
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    private int Exec(string sql, SqliteTransaction tx)
    {
        using var cmd = Command(sql, tx);
        return cmd.ExecuteNonQuery();
    }

    private void Execute(string sql)
    {
        using var cmd = Command(sql);
        cmd.ExecuteNonQuery();
    }
}
