using System.Globalization;
using System.Text;
using static MiniTransformer.Reports.MarkdownReport;

namespace MiniTransformer.Reports;

/// <summary>A k-NN sweep's numbers as Markdown; the charts live in the HTML beside it.</summary>
public static class KnnMarkdownReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(KnnReportModel m, string htmlFileName)
    {
        var r = m.Results;
        var t = r.Theory;
        var md = new StringBuilder();
        md.AppendLine($"# k-NN sweep report: {Cell(r.Spec.Name)}").AppendLine();
        md.AppendLine($"{r.Runs.Count} runs ({string.Join(", ", m.StatusCounts.Select(s => $"{s.Count} {s.Status}"))}), generated {m.GeneratedUtc.ToString("yyyy-MM-dd HH:mm 'UTC'", Inv)}, code {m.CodeVersion}. " +
                      $"Charts: [{htmlFileName}]({htmlFileName}).").AppendLine();
        md.AppendLine($"Theory: τ = {t.Tau.ToString("0.###", Inv)}, D = {t.FractalDimension.ToString("0.###", Inv)}, c = {t.C.ToString("0.###", Inv)}, " +
                      $"α = {HtmlReport.F(t.Alpha)}, c/D = {HtmlReport.F(t.ManifoldExponent)}{(r.ManifoldOnly ? " (manifold law only)" : "")}.").AppendLine();

        md.AppendLine("## Exponents: fitted next to theory").AppendLine();
        Table(md, KnnSweepReport.ExponentHeader, KnnSweepReport.ExponentRows(m.Experiments));
        foreach (var e in m.Experiments.Where(e => e.NotFittedReason is not null))
            md.AppendLine($"- {e.Title}: not fitted — {Cell(e.NotFittedReason!)}");

        foreach (var e in m.Experiments)
        {
            md.AppendLine($"## {e.Title}").AppendLine();
            md.AppendLine($"Theory columns are drawn through the measured median at {e.XSymbol} = {HtmlReport.G(e.AnchorX)} (the theory fixes shape, not scale).").AppendLine();
            Table(md, [e.XLabel, "median MSE", "16%", "84%", "seeds", .. e.Curves.Select(c => c.Label)],
                e.Points.Select(p => (string[])[HtmlReport.G(p.X), HtmlReport.G(p.Median), HtmlReport.G(p.Q16), HtmlReport.G(p.Q84), p.Seeds.ToString(Inv),
                    .. e.Curves.Select(c => HtmlReport.G(e.Scaled(c, p.X)))]));
        }

        md.AppendLine("## Run inventory").AppendLine();
        Table(md, ["status", "runs"], m.StatusCounts.Select(s => new[] { s.Status, s.Count.ToString(Inv) }));
        if (m.NotDone.Count > 0)
            Table(md, ["status", "run id", "experiment", "x", "seed", "reason"], m.NotDone.Select(x => new[]
            {
                x.Status, x.Id, x.Kind, HtmlReport.G(x.X), x.Seed.ToString(Inv), x.Reason ?? (x.Status == "running" ? "interrupted (re-run the command to resume)" : ""),
            }));
        md.AppendLine(m.CommandRecorded ? "Command:" : "Command (reconstructed; the original was not recorded):").AppendLine();
        Fenced(md, m.Command, "sh");
        md.AppendLine("Spec:").AppendLine();
        Fenced(md, r.SpecJson.TrimEnd(), "json");
        return md.ToString();
    }
}
