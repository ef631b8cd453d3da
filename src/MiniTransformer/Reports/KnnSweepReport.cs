using System.Globalization;
using System.Text;
using MiniTransformer.Sweeps;
using MiniTransformer.Training;

namespace MiniTransformer.Reports;

/// <summary>Everything a k-NN sweep's report shows, computed once and rendered as HTML and Markdown.</summary>
public sealed record KnnReportModel(KnnSweepResults Results, IReadOnlyList<KnnExperimentAnalysis> Experiments, string Command, bool CommandRecorded,
    DateTime GeneratedUtc, string CodeVersion)
{
    public IReadOnlyList<KnnRunRow> NotDone => Results.Runs.Where(r => r.Status != "done").OrderBy(r => r.Status).ThenBy(r => r.Kind)
        .ThenBy(r => r.X).ThenBy(r => r.Seed).ToList();

    public IReadOnlyList<(string Status, int Count)> StatusCounts => Results.Runs.GroupBy(r => r.Status)
        .Select(g => (g.Key, g.Count())).OrderBy(s => s.Key == "done" ? 0 : 1).ThenBy(s => s.Key).ToList();
}

/// <summary>
/// The report of a k-NN sweep directory (SCIENCE.md Program B): per experiment the median held-out MSE against
/// training-set size 𝒟 or capacity N with the seeds' 16–84% band, the fitted law with its band, and the theory curves
/// (the full law — logarithmic case included — and the quanta and manifold baselines) as reference lines; the fitted
/// exponents next to theory; the run inventory and provenance. `report` and `sweep` reach it through
/// <see cref="SweepReport.Write(string, ReportOptions?)"/>; the transformer report is untouched.
/// </summary>
public static class KnnSweepReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Whether DIR/spec.json describes a k-NN sweep (false when there is no readable spec: the caller's own checks report that).</summary>
    public static bool IsKnnSweep(string directory)
    {
        var path = Path.Combine(directory, "spec.json");
        if (!File.Exists(path)) return false;
        try
        {
            return SweepSpecLoader.Parse(File.ReadAllText(path), path).IsKnn;
        }
        catch (UserInputException)
        {
            return false;
        }
    }

    public static KnnReportModel Build(string sweepDirectory, ReportOptions options)
    {
        var results = KnnSweepResults.Load(sweepDirectory);
        var (command, recorded) = SweepReport.Command(sweepDirectory, options.Command);
        return new KnnReportModel(results, KnnExperimentAnalysis.Run(results, options.Fits), command, recorded, DateTime.UtcNow, CodeVersion.Current);
    }

    public static ReportPaths Write(string sweepDirectory, ReportOptions options)
    {
        SweepReport.EnsureWritable(sweepDirectory, options);
        return Write(Build(sweepDirectory, options), sweepDirectory, options);
    }

    public static ReportPaths Write(KnnReportModel model, string sweepDirectory, ReportOptions options) =>
        SweepReport.WriteFiles(sweepDirectory, options, KnnHtmlReport.Render(model), htmlName => KnnMarkdownReport.Render(model, htmlName));

    /// <summary>One line per experiment for the terminal: the fitted exponent with its interval, the log-log slope, and theory.</summary>
    public static string ExponentLine(KnnExperimentAnalysis e)
    {
        var text = new StringBuilder($"{e.Title}: ");
        if (e.Fit is { } f)
        {
            var ci = f.Intervals?["alpha"];
            text.Append($"α = {F(f.PowerLaw["alpha"])}{(ci is null ? "" : $" [{F(ci.Lower)}, {F(ci.Upper)}]")}, E = {F(f.PowerLaw["E"])}; ");
        }
        else text.Append($"not fitted ({e.NotFittedReason}); ");
        text.Append($"log-log slope {F(e.Slope.Slope)} over {e.XSymbol} {G(e.Slope.FromX)} … {G(e.Slope.ToX)}; ");
        text.Append($"theory {F(-e.TheoryExponent)} asymptotic ({e.TheoryNote}), local slope {F(e.TheoryLocalSlope)} over the same range");
        return text.ToString();
    }

    /// <summary>The exponent table's rows (HTML and Markdown): fitted α and its CI, the slope-based exponent, theory's asymptotic and local exponents.</summary>
    public static IEnumerable<string[]> ExponentRows(IEnumerable<KnnExperimentAnalysis> experiments) => experiments.Select(e =>
    {
        var ci = e.Fit?.Intervals?["alpha"];
        return new[]
        {
            e.Title, $"{e.Points.Count} ({e.Fit?.PowerLaw.Points ?? 0} fitted)",
            e.Fit is { } f ? F(f.PowerLaw["alpha"]) : "not fitted", ci is null ? "—" : $"[{F(ci.Lower)}, {F(ci.Upper)}]",
            e.Fit?.PowerLawNoOffset is { } n ? F(n["alpha"]) : "—",
            F(-e.Slope.Slope), F(e.TheoryExponent), F(-e.TheoryLocalSlope), e.TheoryNote,
        };
    });

    public static readonly string[] ExponentHeader =
        ["experiment", "points", "α fitted", "α 95% CI", "α (no offset)", "−slope (upper half)", "theory α (asymptotic)", "theory −slope (same range)", "theory"];

    public static string F(double v) => HtmlReport.F(v);
    public static string G(double v) => HtmlReport.G(v);
}
