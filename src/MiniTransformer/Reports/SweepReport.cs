using System.Text;
using MiniTransformer.IO;
using MiniTransformer.Training;

namespace MiniTransformer.Reports;

/// <summary>How a report is made; the defaults are what `report` and the end of `sweep` use.</summary>
public sealed record ReportOptions
{
    /// <summary>The HTML path; the Markdown goes beside it with the extension .md. null = DIR/report.html.</summary>
    public string? OutputPath { get; init; }
    public bool Force { get; init; }
    /// <summary>Profile one training step of the sweep's median model (needs its backend here).</summary>
    public bool Profile { get; init; } = true;
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>The command line that ran the sweep; null = DIR/command.txt if the sweep recorded it.</summary>
    public string? Command { get; init; }
    public ReportFitOptions Fits { get; init; } = new();
}

/// <summary>Where a report was written.</summary>
public sealed record ReportPaths(string Html, string Markdown);

/// <summary>
/// The report of a sweep directory (spec.json + results.db): one self-contained HTML file and a Markdown summary,
/// written together atomically. `report` calls it, and `sweep` calls it as its last step.
/// </summary>
public static class SweepReport
{
    public const string HtmlFileName = "report.html";
    /// <summary>Where `sweep` keeps the exact command line that made the directory, for the report's provenance.</summary>
    public const string CommandFileName = "command.txt";

    public static ReportPaths Write(string sweepDirectory, ReportOptions? options = null)
    {
        options ??= new();
        if (KnnSweepReport.IsKnnSweep(sweepDirectory)) return KnnSweepReport.Write(sweepDirectory, options);
        if (LadderSweepReport.IsLadderSweep(sweepDirectory)) return LadderSweepReport.Write(sweepDirectory, options);
        var html = Path.GetFullPath(options.OutputPath ?? Path.Combine(sweepDirectory, HtmlFileName));
        var markdown = Path.ChangeExtension(html, ".md");
        AtomicFile.EnsureWritable(html, options.Force);
        AtomicFile.EnsureWritable(markdown, options.Force);
        return Write(Build(sweepDirectory, options), html, markdown, options.Force);
    }

    /// <summary>Writes an already built report (e.g. one whose fits the caller also prints).</summary>
    public static ReportPaths Write(ReportModel model, string sweepDirectory, ReportOptions options)
    {
        var html = Path.GetFullPath(options.OutputPath ?? Path.Combine(sweepDirectory, HtmlFileName));
        return Write(model, html, Path.ChangeExtension(html, ".md"), options.Force);
    }

    private static ReportPaths Write(ReportModel model, string html, string markdown, bool force)
    {
        AtomicFile.WriteAll(force,
            (html, s => Write(s, HtmlReport.Render(model))),
            (markdown, s => Write(s, MarkdownReport.Render(model, Path.GetFileName(html)))));
        return new ReportPaths(html, markdown);
    }

    public static ReportModel Build(string sweepDirectory, ReportOptions options)
    {
        var results = SweepResults.Load(sweepDirectory);
        var analysis = ScalingAnalysis.Run(results.Cells, options.Fits);
        var profile = options.Profile ? ProfileSection.Measure(results.Runs, options.Threads, options.Fits.Seed)
            : new ProfileSection(null, null, "profiling was turned off (--no-profile)");
        var (command, recorded) = Command(sweepDirectory, options.Command);
        return new ReportModel(results, analysis, profile, command, recorded, DateTime.UtcNow, CodeVersion.Current);
    }

    /// <summary>Records the command line that ran a sweep (argv as given) in DIR/command.txt, shell-quoted.</summary>
    public static void RecordCommand(string sweepDirectory, IEnumerable<string> args) =>
        AtomicFile.WriteAllText(Path.Combine(sweepDirectory, CommandFileName), "MiniTransformer.Cli " + string.Join(' ', args.Select(ShellQuote)) + "\n", force: true);

    internal static (string Command, bool Recorded) Command(string dir, string? given)
    {
        if (given is not null) return (given, true);
        var path = Path.Combine(dir, CommandFileName);
        if (File.Exists(path)) return (File.ReadAllText(path).TrimEnd(), true);
        return ($"dotnet run -c Release --project src/MiniTransformer.Cli -- sweep --spec {ShellQuote(Path.Combine(dir, "spec.json"))} --out {ShellQuote(dir)}", false);
    }

    private static string ShellQuote(string s) =>
        s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or '=' or ':' or ',' or '+') ? s : "'" + s.Replace("'", "'\\''") + "'";

    private static void Write(Stream stream, string text)
    {
        var bytes = new UTF8Encoding(false).GetBytes(text);
        stream.Write(bytes);
    }
}
