using System.Globalization;
using System.Xml.Linq;
using MiniTransformer.Reports.Svg;
using static MiniTransformer.Reports.HtmlReport;

namespace MiniTransformer.Reports;

/// <summary>A ladder sweep's report as one self-contained HTML file: the exponent-vs-rung table and plot, then each rung's slices and fits.</summary>
public static class LadderHtmlReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(LadderReportModel m)
    {
        var body = E("body",
            E("h1", $"Language ladder report: {m.Spec.Name}"),
            E("p", new XAttribute("class", "meta"),
                $"{m.Rungs.Sum(r => r.Runs.Count)} student runs on {m.Rungs.Count} rungs · generated {m.GeneratedUtc.ToString("yyyy-MM-dd HH:mm 'UTC'", Inv)} · code {m.CodeVersion} · {Path.GetFullPath(m.Directory)}"),
            E("p", "Each rung is a corpus: text sampled from a generator (bigram table, transformers of growing depth) or the real corpus. " +
                   "The same student grid is trained on every rung; per rung, L(N, D) is the best test loss over learning rates and seeds, and the " +
                   "slices are fitted with E + A·(x/median x)^(−α) exactly as in a transformer sweep's report. A generated rung's floor is the Monte-Carlo " +
                   "entropy of its test sample (mean −ln p of the generator's own samples); the real corpus has no known floor."),
            E("section", new XAttribute("id", "ladder"), E("h2", "1. Exponents along the ladder"),
                Table(LadderSweepReport.LadderHeader, LadderSweepReport.LadderRows(m).ToList(), textColumns: 2),
                E("div", new XAttribute("class", "figures"),
                    Figure(ExponentPlot(m), "Mean exponent over slices per rung (bars: ± s.d. over slices), in ladder order."))),
            m.Rungs.Select((r, i) => RungSection(r, i + 2)),
            Inventory(m),
            E("section", new XAttribute("id", "provenance"), E("h2", "Command and spec"), E("pre", m.Command), E("pre", m.SpecJson)));
        return Document($"Language ladder report: {m.Spec.Name}", body);
    }

    /// <summary>α_D and α_N against the rung's position (0 = first rung), with ± s.d. over slices.</summary>
    public static Plot ExponentPlot(LadderReportModel m)
    {
        var plot = new Plot("exponent-vs-rung", "Exponent along the ladder", $"rung ({string.Join(", ", m.Rungs.Select((r, i) => $"{i} = {r.Data.Name}"))})",
            "fitted exponent α", AxisScale.Linear, AxisScale.Linear);
        var series = new (string Label, Func<LadderRungReport, (double Mean, double StdDev, int Count)?> Pick)[]
            { ("α_D (L(D) | N)", r => r.AlphaD), ("α_N (L(N) | D)", r => r.AlphaN) };
        for (int s = 0; s < series.Length; s++)
        {
            var points = m.Rungs.Select((r, i) => (i, e: series[s].Pick(r))).Where(p => p.e is not null)
                .Select(p => new PlotPoint(p.i, p.e!.Value.Mean,
                    double.IsFinite(p.e.Value.StdDev) ? p.e.Value.Mean - p.e.Value.StdDev : null,
                    double.IsFinite(p.e.Value.StdDev) ? p.e.Value.Mean + p.e.Value.StdDev : null,
                    $"{m.Rungs[p.i].Data.Name}: {series[s].Label} = {F(p.e.Value.Mean)}")).ToList();
            if (points.Count > 0) plot.Add(new ScatterSeries(series[s].Label, Palette.Color(s), Palette.Marker(s), points));
        }
        return plot;
    }

    private static XElement RungSection(LadderRungReport r, int number)
    {
        var a = r.Analysis;
        var rows = a.NSlices.Concat(a.DSlices).Select(ExponentRow).ToList();
        return E("section", new XAttribute("id", $"rung-{r.Data.Name}"),
            E("h2", $"{number}. Rung {r.Data.Name} ({r.Data.Kind})"),
            E("p", $"floor {LadderSweepReport.Opt(r.Data.Floor)} nats/token · generator test loss on the real text {LadderSweepReport.Opt(r.Data.GeneratorTestLoss)}" +
                   (r.Data.GeneratorEntropyRate is { } h ? $" · exact entropy rate {F(h)}" : "") +
                   $" · {r.Cells.Count} cells from {r.Runs.Count} runs"),
            r.Cells.Count == 0 ? E("p", new XAttribute("class", "note"), "no finished runs on this rung yet") : E("div", new XAttribute("class", "figures"),
                Figure(ReportFigures.Slices($"loss-vs-d-{r.Data.Name}", $"{r.Data.Name}: L(D) at fixed N", "D (training tokens)", a.DSlices, c => c.D, r.Data.Floor),
                    "Loss against D, one colour per model; dashed: the rung's floor."),
                Figure(ReportFigures.Slices($"loss-vs-n-{r.Data.Name}", $"{r.Data.Name}: L(N) at fixed D", "N (non-embedding parameters)", a.NSlices, c => c.N, r.Data.Floor),
                    "Loss against N, one colour per data budget D.")),
            rows.Count == 0 ? null : Table(["slice", "points", "α", "α 95% CI", "E", "E 95% CI", "A", "α (no offset)", "MSE power / exp"], rows, textColumns: 1));
    }

    private static XElement Inventory(LadderReportModel m)
    {
        var counts = m.Rungs.SelectMany(r => r.Runs).GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => new[] { g.Key, g.Count().ToString(Inv) }).ToList();
        var notDone = m.NotDone.Select(r => new[] { r.Status, r.Id, $"L{r.Layers} d{r.Width}", r.Tokens.ToString("N0", Inv), G(r.LearningRate), r.Seed.ToString(Inv), r.Reason ?? "" }).ToList();
        return E("section", new XAttribute("id", "inventory"), E("h2", "Run inventory"),
            Table(["status", "runs"], counts, textColumns: 1),
            notDone.Count == 0 ? null : Table(["status", "run id", "model", "D", "lr", "seed", "reason"], notDone, textColumns: 3, lastText: true));
    }
}
