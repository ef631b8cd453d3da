using System.Globalization;
using System.Text;
using static MiniTransformer.Reports.MarkdownReport;

namespace MiniTransformer.Reports;

/// <summary>A ladder sweep's numbers as Markdown: the exponent-vs-rung table, then each rung's slice fits; the charts live in the HTML.</summary>
public static class LadderMarkdownReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(LadderReportModel m)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Language ladder report: {Cell(m.Spec.Name)}").AppendLine();
        md.AppendLine($"{m.Rungs.Sum(r => r.Runs.Count)} student runs on {m.Rungs.Count} rungs, generated {m.GeneratedUtc.ToString("yyyy-MM-dd HH:mm 'UTC'", Inv)}, code {m.CodeVersion}. " +
                      "Floor = Monte-Carlo entropy of the rung's test sample (none for the real corpus); exponents are mean ± s.d. over slices.").AppendLine();
        md.AppendLine("## Exponents along the ladder").AppendLine();
        Table(md, LadderSweepReport.LadderHeader, LadderSweepReport.LadderRows(m));
        foreach (var r in m.Rungs)
        {
            md.AppendLine($"## Rung {Cell(r.Data.Name)} ({r.Data.Kind})").AppendLine();
            var rows = r.Analysis.NSlices.Concat(r.Analysis.DSlices).Select(HtmlReport.ExponentRow).ToList();
            if (rows.Count == 0) md.AppendLine("No finished runs on this rung yet.").AppendLine();
            else Table(md, ["slice", "points", "α", "α 95% CI", "E", "E 95% CI", "A", "α (no offset)", "MSE power / exp"], rows);
        }
        md.AppendLine("## Command").AppendLine();
        Fenced(md, m.Command, "sh");
        md.AppendLine("## Spec").AppendLine();
        Fenced(md, m.SpecJson, "json");
        return md.ToString();
    }
}
