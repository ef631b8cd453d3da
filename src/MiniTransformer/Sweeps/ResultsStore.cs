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
        Execute(Schema);
    }

    public string Path { get; }

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS runs (
            id TEXT PRIMARY KEY,
            sweep TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            layers INTEGER NOT NULL,
            width INTEGER NOT NULL,
            tokens INTEGER NOT NULL,
            learning_rate REAL NOT NULL,
            seed INTEGER NOT NULL,
            param TEXT NOT NULL,
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
            updated_at TEXT NOT NULL
        );
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
            WHERE r.status = 'done' AND r.final_test_loss = (
                SELECT MIN(o.final_test_loss) FROM runs o
                WHERE o.status = 'done' AND o.sweep = r.sweep AND o.layers = r.layers AND o.width = r.width AND o.tokens = r.tokens);
        """;

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
    public void MarkRunning(string sweep, RunConfig config) => Write(sweep, config, new RunOutcome(RunStatus.Running, null, null, [], null));

    /// <summary>Records a run's outcome and curve atomically, replacing any earlier row of the same id.</summary>
    public void Write(string sweep, RunConfig config, RunOutcome outcome)
    {
        lock (_writeLock)
        {
            using var tx = _connection.BeginTransaction();
            using (var del = Command("DELETE FROM curve_points WHERE run_id = $id", tx))
            {
                del.Parameters.AddWithValue("$id", config.Id);
                del.ExecuteNonQuery();
            }
            using (var cmd = Command("""
                INSERT OR REPLACE INTO runs VALUES ($id, $sweep, $status, $reason, $layers, $width, $tokens, $lr, $seed, $param,
                    $parameters, $nonEmb, $test, $train, $flops, $sixNd, $sixNdNe, $entropy, $wall, $tps, $config, $record, $updated)
                """, tx))
            {
                var m = outcome.Metrics;
                var p = cmd.Parameters;
                p.AddWithValue("$id", config.Id);
                p.AddWithValue("$sweep", sweep);
                p.AddWithValue("$status", outcome.Status.ToString().ToLowerInvariant());
                p.AddWithValue("$reason", (object?)outcome.Reason ?? DBNull.Value);
                p.AddWithValue("$layers", config.Layers);
                p.AddWithValue("$width", config.Width);
                p.AddWithValue("$tokens", config.Tokens);
                p.AddWithValue("$lr", config.LearningRate);
                p.AddWithValue("$seed", (long)config.Seed);
                p.AddWithValue("$param", config.Param);
                p.AddWithValue("$parameters", (object?)m?.Parameters ?? DBNull.Value);
                p.AddWithValue("$nonEmb", (object?)m?.NonEmbeddingParameters ?? DBNull.Value);
                p.AddWithValue("$test", Nullable(m?.FinalTestLoss));
                p.AddWithValue("$train", Nullable(m?.FinalTrainLoss));
                p.AddWithValue("$flops", (object?)m?.ExactFlops ?? DBNull.Value);
                p.AddWithValue("$sixNd", (object?)m?.SixNd ?? DBNull.Value);
                p.AddWithValue("$sixNdNe", (object?)m?.SixNdNonEmbedding ?? DBNull.Value);
                p.AddWithValue("$entropy", Nullable(m?.EntropyRate));
                p.AddWithValue("$wall", (object?)m?.WallSeconds ?? DBNull.Value);
                p.AddWithValue("$tps", (object?)m?.TokensPerSecond ?? DBNull.Value);
                p.AddWithValue("$config", config.CanonicalJson);
                p.AddWithValue("$record", (object?)outcome.RecordJson ?? DBNull.Value);
                p.AddWithValue("$updated", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
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

    /// <summary>Every run row as column → value (NULL as null), ordered by sweep, layers, width, tokens, lr, seed.</summary>
    public List<Dictionary<string, object?>> Rows(string table = "runs")
    {
        if (table is not ("runs" or "best_runs" or "curve_points")) throw new ArgumentException($"no table '{table}'");
        var order = table == "curve_points" ? "run_id, step" : "sweep, layers, width, tokens, learning_rate, seed, id";
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
                int merged = Exec($"INSERT OR REPLACE INTO main.runs SELECT * FROM other.runs o WHERE {better}", tx);
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
