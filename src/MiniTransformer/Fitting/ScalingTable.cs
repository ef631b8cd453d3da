using System.Globalization;
using System.Text;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Fitting;

/// <summary>
/// A results table read from CSV (header row, comma-separated, RFC 4180 quoting) or from a sweep's results store
/// (a table or view of its SQLite file): named columns of text, parsed to numbers only when a fit asks for a
/// column, so unrelated text columns are harmless.
/// </summary>
public sealed class ScalingTable
{
    private readonly Dictionary<string, string[]> _columns;
    public string Source { get; }
    public IReadOnlyList<string> ColumnNames { get; }
    public int RowCount { get; }

    public ScalingTable(string source, IReadOnlyList<string> names, IReadOnlyList<string[]> rows)
    {
        Source = source;
        ColumnNames = names.ToArray();
        RowCount = rows.Count;
        _columns = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (int c = 0; c < names.Count; c++)
        {
            if (_columns.ContainsKey(names[c])) throw new UserInputException($"{source}: column '{names[c]}' appears twice in the header");
            int cc = c;
            _columns[names[c]] = rows.Select(r => r[cc]).ToArray();
        }
    }

    public static ScalingTable ReadCsv(string path)
    {
        if (!File.Exists(path)) throw new UserInputException($"file '{path}' does not exist");
        var lines = ParseRecords(File.ReadAllText(path), path).Where(r => !(r.Length == 1 && r[0].Trim().Length == 0)).ToList();
        if (lines.Count == 0) throw new UserInputException($"{path}: empty file (expected a header row)");
        var header = lines[0].Select(h => h.Trim()).ToArray();
        for (int i = 1; i < lines.Count; i++)
            if (lines[i].Length != header.Length)
                throw new UserInputException($"{path}: row {i + 1} has {lines[i].Length} fields but the header has {header.Length}");
        if (lines.Count == 1) throw new UserInputException($"{path}: the header has no data rows");
        return new ScalingTable(path, header, lines.Skip(1).ToList());
    }

    /// <summary>
    /// A table of a sweep's results store (<see cref="ResultsStore"/>): <c>best_runs</c> (per model size and token
    /// budget, the run with the lowest final test loss over learning rates and seeds) or <c>runs</c>. Numbers keep
    /// their full precision (round-trip text); NULL becomes an empty cell, which a fit reading that column rejects.
    /// </summary>
    public static ScalingTable ReadStore(string path, string table = "best_runs")
    {
        if (!File.Exists(path)) throw new UserInputException($"results store '{path}' does not exist");
        if (table is not ("best_runs" or "runs")) throw new UserInputException($"results store table must be best_runs or runs (got '{table}')");
        using var store = new ResultsStore(path);
        var rows = store.Rows(table);
        if (rows.Count == 0) throw new UserInputException($"{path}: table '{table}' has no rows (no finished runs yet?)");
        var names = rows[0].Keys.ToArray();
        var cells = rows.Select(r => names.Select(c => r[c] switch
        {
            null => "",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var o => o.ToString() ?? "",
        }).ToArray()).ToList();
        return new ScalingTable($"{path}:{table}", names, cells);
    }

    public bool HasColumn(string name) => _columns.ContainsKey(name);

    /// <summary>The named column as numbers; a missing column or a non-numeric cell is a <see cref="UserInputException"/>.</summary>
    public double[] Numeric(string name)
    {
        var raw = Text(name);
        var values = new double[raw.Length];
        for (int i = 0; i < raw.Length; i++)
            if (!double.TryParse(raw[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new UserInputException($"{Source}: column '{name}' row {i + 2} is not a finite number: '{raw[i]}'");
        return values;
    }

    public string[] Text(string name) =>
        _columns.TryGetValue(name, out var v) ? v
            : throw new UserInputException($"{Source}: no column '{name}' (columns: {string.Join(", ", ColumnNames)})");

    /// <summary>(N, D, loss) points from an N column, a loss column, and either a D column or a compute column (D = C/6N).</summary>
    public ScalingPoint[] Points(string nColumn, string lossColumn, string? dColumn, string? computeColumn)
    {
        if ((dColumn is null) == (computeColumn is null))
            throw new UserInputException("give exactly one of a tokens column (D) and a compute column (C = 6ND)");
        var n = Numeric(nColumn);
        var loss = Numeric(lossColumn);
        var other = Numeric(dColumn ?? computeColumn!);
        return Enumerable.Range(0, RowCount)
            .Select(i => dColumn is not null ? new ScalingPoint(n[i], other[i], loss[i]) : ScalingPoint.FromCompute(n[i], other[i], loss[i]))
            .ToArray();
    }

    private static IEnumerable<string[]> ParseRecords(string text, string path)
    {
        var field = new StringBuilder();
        var record = new List<string>();
        bool quoted = false;
        int line = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else { if (ch == '\n') line++; field.Append(ch); }
            }
            else if (ch == '"' && field.Length == 0) quoted = true;
            else if (ch == ',') { record.Add(field.ToString()); field.Clear(); }
            else if (ch == '\n' || ch == '\r')
            {
                if (ch == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                record.Add(field.ToString()); field.Clear();
                yield return record.ToArray();
                record.Clear();
                line++;
            }
            else field.Append(ch);
        }
        if (quoted) throw new UserInputException($"{path}: unterminated quoted field at line {line}");
        if (field.Length > 0 || record.Count > 0) { record.Add(field.ToString()); yield return record.ToArray(); }
    }
}
