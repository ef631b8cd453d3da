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
        EnsureWritable(sweepDirectory, options);
        return Write(Build(sweepDirectory, options), sweepDirectory, options);
    }

    /// <summary>Writes an already built report (e.g. one whose fits the caller also prints).</summary>
    public static ReportPaths Write(ReportModel model, string sweepDirectory, ReportOptions options) =>
        WriteFiles(sweepDirectory, options, HtmlReport.Render(model), htmlName => MarkdownReport.Render(model, htmlName));

    /// <summary>The report's HTML path (<see cref="ReportOptions.OutputPath"/>, else DIR/report.html) and the Markdown beside it.</summary>
    internal static ReportPaths PathsFor(string sweepDirectory, ReportOptions options)
    {
        var html = Path.GetFullPath(options.OutputPath ?? Path.Combine(sweepDirectory, HtmlFileName));
        return new ReportPaths(html, Path.ChangeExtension(html, ".md"));
    }

    /// <summary>Refuses existing report files (without <see cref="ReportOptions.Force"/>) before any fitting starts.</summary>
    internal static void EnsureWritable(string sweepDirectory, ReportOptions options)
    {
        var paths = PathsFor(sweepDirectory, options);
        AtomicFile.EnsureWritable(paths.Html, options.Force);
        AtomicFile.EnsureWritable(paths.Markdown, options.Force);
    }

    /// <summary>Writes the HTML and the Markdown (given the HTML's file name, for its link) together, atomically.</summary>
    internal static ReportPaths WriteFiles(string sweepDirectory, ReportOptions options, string html, Func<string, string> markdown)
    {
        var paths = PathsFor(sweepDirectory, options);
        AtomicFile.WriteAll(options.Force,
            (paths.Html, s => Write(s, html)),
            (paths.Markdown, s => Write(s, markdown(Path.GetFileName(paths.Html)))));
        return paths;
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
