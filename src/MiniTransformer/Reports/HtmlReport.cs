using System.Globalization;
using System.Xml.Linq;
using MiniTransformer.Fitting;
using MiniTransformer.Reports.Svg;

namespace MiniTransformer.Reports;

/// <summary>
/// Renders a <see cref="ReportModel"/> as one self-contained HTML file: inline SVG charts, inline CSS, no scripts,
/// no external references, so it opens offline and can be mailed as is. The document is built as XElements —
/// every name, reason and spec string is escaped by construction — and is polyglot (it also parses as XML).
/// </summary>
public static class HtmlReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // No '<', '>' or '&' in the CSS: the style element is serialised as XML text.
    internal const string Css = """
        body { font-family: DejaVu Sans, Helvetica, Arial, sans-serif; font-size: 15px; color: #1a1a1a; max-width: 1360px; margin: 24px auto; padding: 0 20px; line-height: 1.45; }
        h1 { font-size: 26px; margin-bottom: 4px; } h2 { font-size: 20px; margin-top: 36px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
        .meta { color: #555; font-size: 13px; } .figures { display: flex; flex-wrap: wrap; gap: 16px; }
        figure { margin: 0; } figcaption { font-size: 13px; color: #444; max-width: 640px; }
        table { border-collapse: collapse; font-size: 13px; margin: 10px 0; } th, td { border: 1px solid #d0d0d0; padding: 3px 8px; text-align: right; }
        th { background: #f2f2f2; } td.text, th.text { text-align: left; } tr.summary td { font-weight: bold; background: #fafafa; }
        pre { background: #f6f6f6; border: 1px solid #ddd; padding: 10px; overflow-x: auto; font-size: 12px; }
        .note { color: #6a4a00; } .status-diverged { color: #D55E00; } .status-failed { color: #a00000; font-weight: bold; }
        """;

    public static string Render(ReportModel m)
    {
        var r = m.Results;
        var body = E("body",
            E("h1", $"Sweep report: {r.Spec.Name}"),
            E("p", new XAttribute("class", "meta"),
                $"{r.Runs.Count} runs ({string.Join(", ", m.StatusCounts.Select(s => $"{s.Count} {s.Status}"))}) · generated {m.GeneratedUtc.ToString("yyyy-MM-dd HH:mm 'UTC'", Inv)} · code {m.CodeVersion} · {Path.GetFullPath(r.Directory)}"),
            E("p", "Each point is L(N, D): the best test loss over the learning-rate grid and seeds (SCIENCE.md); error bars span the seeds at that learning rate. " +
                   "N counts non-embedding parameters, D training tokens. Fits are E + A·(x/median x)^(−α) with a robust Huber loss; bands are 95% pointwise wild-bootstrap bands."),
            ScalingSection(m), FrontierSection(m), ExponentSection(m), CostSection(m), InventorySection(m));
        return Document($"Sweep report: {r.Spec.Name}", body);
    }

    /// <summary>The self-contained page every report writes: doctype, UTF-8, viewport, title, the shared stylesheet.</summary>
    internal static string Document(string title, XElement body)
    {
        var html = new XElement("html", new XAttribute("lang", "en"),
            E("head", new XElement("meta", new XAttribute("charset", "utf-8")),
                new XElement("meta", new XAttribute("name", "viewport"), new XAttribute("content", "width=device-width, initial-scale=1")),
                E("title", title), E("style", Css)),
            body);
        return "<!DOCTYPE html>\n" + html.ToString(SaveOptions.DisableFormatting) + "\n";
    }

    private static XElement ScalingSection(ReportModel m)
    {
        var a = m.Analysis;
        var h = m.Results.EntropyRate;
        return E("section", new XAttribute("id", "scaling"), E("h2", "1. Loss against model size and data"),
            E("div", new XAttribute("class", "figures"),
                Figure(ReportFigures.Slices("loss-vs-n", "L(N) at fixed D", "N (non-embedding parameters)", a.NSlices, c => c.N, h),
                    "Loss against N, one colour per data budget D."),
                Figure(ReportFigures.Slices("loss-vs-d", "L(D) at fixed N", "D (training tokens)", a.DSlices, c => c.D, h),
                    "Loss against D, one colour per model.")),
            NotFitted(a.NSlices.Concat(a.DSlices)));
    }

    private static XElement NotFitted(IEnumerable<SliceFit> slices)
    {
        var missing = slices.Where(s => s.NotFittedReason is not null).ToList();
        return missing.Count == 0 ? E("p", "")
            : E("ul", new XAttribute("class", "note"), missing.Select(s => E("li", $"{s.Family}, {s.Label}: not fitted — {s.NotFittedReason}")));
    }

    private static XElement FrontierSection(ReportModel m)
    {
        var a = m.Analysis;
        var figures = E("div", new XAttribute("class", "figures"),
            Figure(ReportFigures.Frontier("frontier", m.Results.Cells, a.Frontier, m.Results.EntropyRate),
                "Every (N, D) cell at its conventional compute; the black curve is the fitted surface minimised along C = 6ND."));
        if (a.Frontier is { } f)
            figures.Add(Figure(ReportFigures.Allocation("allocation", f, m.IsoFlops), "Compute-optimal N and D from the surface's closed form (Hoffmann et al. eq. 4)."));
        if (m.IsoFlops.Count > 0)
            figures.Add(Figure(ReportFigures.IsoFlop("isoflop", m.IsoFlops, m.Results.EntropyRate), "Loss against N at each compute budget of the spec."));
        var section = E("section", new XAttribute("id", "frontier"), E("h2", "2. Loss–compute frontier"), figures);
        if (a.Frontier is { } fit)
        {
            var s = fit.Surface;
            section.Add(E("p", $"Chinchilla surface L = E + A/N^α + B/D^β fitted to {s.Points} cells (Huber δ = 10⁻³ on log loss, {s.StartsRun:N0} starts); " +
                               $"bands and intervals: pairs bootstrap over cells, {fit.Resamples} refits."));
            section.Add(Table(["quantity", "estimate", "95% interval"],
                [
                    ["E (irreducible loss)", F(s.E), ""],
                    ["A", G(s.A), ""], ["B", G(s.B), ""],
                    ["α (N exponent)", F(s.Alpha), Interval(fit.AlphaInterval)],
                    ["β (D exponent)", F(s.Beta), Interval(fit.BetaInterval)],
                    ["a: N_opt ∝ C^a = β/(α+β)", F(s.ComputeExponentN), ""],
                    ["b: D_opt ∝ C^b = α/(α+β)", F(s.ComputeExponentD), ""],
                    ["γ: L_opt − E ∝ C^(−γ) = αβ/(α+β)", F(s.ComputeExponentLoss), ""],
                    .. LawRows(fit.Laws),
                ], textColumns: 1));
        }
        else section.Add(E("p", new XAttribute("class", "note"), $"No surface fitted: {a.FrontierNotFittedReason}"));
        return section;
    }

    /// <summary>The exponents fitted along the numerically minimised frontier, with the fitter's BCa intervals.</summary>
    public static IEnumerable<string[]> LawRows(ComputeOptimalResult? laws)
    {
        if (laws is null) yield break;
        string Ci(string name) => laws.Intervals is { } b ? $"[{F(b[name].Lower)}, {F(b[name].Upper)}]" : "";
        yield return ["a fitted along the frontier (N_opt ∝ C^a)", F(laws.ExponentN), Ci("a")];
        yield return ["b fitted along the frontier (D_opt ∝ C^b)", F(laws.ExponentD), Ci("b")];
        yield return ["γ of L_opt(C) = E + K·C^(−γ)", F(laws.LossExponent), Ci("gamma")];
    }

    private static XElement ExponentSection(ReportModel m)
    {
        var rows = new List<string[]>();
        var summaries = new List<int>();
        foreach (var family in new[] { m.Analysis.NSlices, m.Analysis.DSlices })
        {
            foreach (var s in family) rows.Add(ExponentRow(s));
            if (ScalingAnalysis.ExponentSummary(family) is { } sum)
            {
                summaries.Add(rows.Count);
                rows.Add([$"{family[0].Family}: mean ± s.d. over {sum.Count} slice(s)", "", $"{F(sum.Mean)} ± {(double.IsNaN(sum.StdDev) ? "—" : F(sum.StdDev))}", "", "", "", "", "", ""]);
            }
        }
        return E("section", new XAttribute("id", "exponents"), E("h2", "3. Exponents"),
            E("p", "Per slice: the offset power law with BCa 95% intervals (wild bootstrap, Rademacher signs), the no-offset law's exponent, " +
                   "and MSE(power law)/MSE(exponential a + b·e^(−c·x)) — below 1 the data prefer the power law."),
            Table(["slice", "points", "α", "α 95% CI", "E", "E 95% CI", "A", "α (no offset)", "MSE power / exp"], rows, textColumns: 1, summaryRows: summaries));
    }

    public static string[] ExponentRow(SliceFit s)
    {
        var label = $"{s.Family}, {s.Label}";
        if (s.Analysis is not { } a) return [label, s.Cells.Count.ToString(Inv), $"not fitted: {s.NotFittedReason}"];
        string Ci(string name) => a.Intervals is { } b ? $"[{F(b[name].Lower)}, {F(b[name].Upper)}]" : "";
        return [label, s.Cells.Count.ToString(Inv), F(a.PowerLaw["alpha"]), Ci("alpha"), F(a.PowerLaw["E"]), Ci("E"), G(a.PowerLaw["A"]),
            a.PowerLawNoOffset is { } p ? F(p["alpha"]) : "—", a.MseRatioPowerOverExponential is { } ratio ? G(ratio) : "—"];
    }

    private static XElement CostSection(ReportModel m)
    {
        var flops = m.FlopRows;
        var section = E("section", new XAttribute("id", "cost"), E("h2", "4. Exact FLOPs and kernel costs"));
        if (flops.Count > 0)
        {
            section.Add(E("div", new XAttribute("class", "figures"),
                Figure(ReportFigures.FlopRatio("flop-ratio", flops), "Declared FLOPs of every training kernel launched, over the 6ND convention.")));
            section.Add(Table(["layers", "width", "N", "N non-emb.", "D", "exact FLOPs", "6ND", "exact / 6ND", "exact / 6N(non-emb.)D"],
                flops.Select(r => new[]
                {
                    r.Layers.ToString(Inv), r.Width.ToString(Inv), N0(r.Parameters), N0(r.NonEmbeddingParameters), N0(r.Tokens),
                    G(r.ExactFlops!.Value), G(r.SixNd!.Value), F(r.ExactFlops!.Value / r.SixNd!.Value),
                    r.SixNdNonEmbedding is > 0 ? F(r.ExactFlops!.Value / r.SixNdNonEmbedding!.Value) : "—",
                }).ToList()));
        }
        else section.Add(E("p", new XAttribute("class", "note"), "No run has recorded FLOP counts yet."));
        section.Add(E("h3", "Per-op profile of one training step"));
        var p = m.Profile;
        if (p.Profile is not { } prof)
        {
            section.Add(E("p", new XAttribute("class", "note"), $"Not profiled: {p.Unavailable}"));
            return section;
        }
        section.Add(E("p", $"Median model of the sweep ({prof.Config.Layers} layers × width {prof.Config.Width}, {prof.Parameters:N0} parameters, batch {prof.BatchSize}) " +
                           $"on {prof.Backend}: median step {Ms(prof.StepSeconds)} ms, {prof.FlopsPerStep:N0} FLOPs/step, {prof.GflopsPerSecond.ToString("F2", Inv)} GFLOP/s, " +
                           $"{prof.TokensPerSecond.ToString("N0", Inv)} tokens/s. Per-op times come from one step with a synchronisation around every op." +
                           (p.RecordFlopsPerStep is { } recorded && recorded != prof.FlopsPerStep
                               ? $" The run recorded {recorded:N0} FLOPs/step: the profiled step leaves out gradient-norm clipping ({recorded - prof.FlopsPerStep:N0} FLOPs)."
                               : "")));
        double total = prof.Ops.Sum(o => o.Seconds);
        section.Add(Table(["op", "launches", "time (ms)", "share", "FLOPs", "bytes", "GFLOP/s", "GB/s"],
            prof.Ops.Select(o => new[]
            {
                o.Op, o.Launches.ToString(Inv), Ms(o.Seconds), total > 0 ? (o.Seconds / total).ToString("P1", Inv) : "—", o.Flops.ToString("N0", Inv),
                o.Bytes.ToString("N0", Inv), o.GflopsPerSecond.ToString("F2", Inv), o.GigabytesPerSecond.ToString("F2", Inv),
            }).ToList(), textColumns: 1));
        return section;
    }

    private static XElement InventorySection(ReportModel m) =>
        InventorySection("5. Run inventory and provenance", m.StatusCounts, ["layers", "width", "D", "learning rate", "seed"],
            m.NotDone.Select(r => (r.Status, r.Id, r.Reason, new[] { r.Layers.ToString(Inv), r.Width.ToString(Inv), N0(r.Tokens),
                r.LearningRate.ToString("G4", Inv), r.Seed.ToString(Inv) })).ToList(), textColumns: 2, m.CommandRecorded, m.Command, m.Results.SpecJson);

    /// <summary>
    /// The run-inventory section a sweep report ends with: runs per status; the runs that did not finish, one row each
    /// (status, run id, the sweep kind's own columns, reason — a run still marked running was interrupted); and the
    /// command and spec that reproduce the sweep.
    /// </summary>
    internal static XElement InventorySection(string heading, IReadOnlyList<(string Status, int Count)> statusCounts, string[] runColumns,
        IReadOnlyList<(string Status, string Id, string? Reason, string[] Cells)> notDone, int textColumns, bool commandRecorded,
        string command, string specJson)
    {
        var section = E("section", new XAttribute("id", "inventory"), E("h2", heading),
            Table(["status", "runs"], statusCounts.Select(s => new[] { s.Status, s.Count.ToString(Inv) }).ToList(), textColumns: 1));
        if (notDone.Count > 0)
        {
            var table = Table(["status", "run id", .. runColumns, "reason"],
                notDone.Select(r => (string[])[r.Status, r.Id, .. r.Cells, r.Reason ?? (r.Status == "running" ? "interrupted (re-run the command to resume)" : "")]).ToList(),
                textColumns: textColumns, lastText: true);
            foreach (var (row, run) in table.Elements("tbody").Elements("tr").Zip(notDone))
                row.Elements("td").First().SetAttributeValue("class", $"text status-{run.Status}");
            section.Add(E("p", $"Runs that did not finish ({notDone.Count}):"), table);
        }
        else section.Add(E("p", "Every run finished."));
        section.Add(E("p", commandRecorded ? "The command that ran this sweep:" : "The command was not recorded; this one reproduces the sweep from its spec:"),
            E("pre", command), E("p", "The spec (spec.json):"), E("pre", specJson));
        return section;
    }

    internal static XElement Figure(Plot plot, string caption) => E("figure", plot.Render(), E("figcaption", caption));

    internal static XElement Table(string[] header, IReadOnlyList<string[]> rows, int textColumns = 0, IReadOnlyList<int>? summaryRows = null, bool lastText = false)
    {
        bool IsText(int c, int count) => c < textColumns || (lastText && c == count - 1);
        var head = E("tr", header.Select((h, c) => E("th", IsText(c, header.Length) ? new XAttribute("class", "text") : null, h)));
        var body = rows.Select((row, i) => E("tr", summaryRows?.Contains(i) == true ? new XAttribute("class", "summary") : null,
            row.Select((cell, c) => E("td", IsText(c, row.Length) || (row.Length < header.Length && c == row.Length - 1) ? new XAttribute("class", "text") : null,
                // a short row's last cell spans the rest (a reason in place of numbers)
                row.Length < header.Length && c == row.Length - 1 ? new XAttribute("colspan", header.Length - row.Length + 1) : null, cell))));
        return E("table", E("thead", head), E("tbody", body));
    }

    /// <summary>An HTML element that is never self-closed (an empty &lt;td/&gt; means an unclosed tag to an HTML parser).</summary>
    internal static XElement E(string name, params object?[] content)
    {
        var e = new XElement(name, content.Where(c => c is not null));
        if (!e.Nodes().Any()) e.Add("");
        return e;
    }

    public static string F(double v) => double.IsFinite(v) ? v.ToString("F3", Inv) : "—";
    public static string G(double v) => double.IsFinite(v) ? v.ToString("G4", Inv) : "—";
    private static string N0(long? v) => v is { } x ? x.ToString("N0", Inv) : "—";
    private static string Ms(double seconds) => (seconds * 1e3).ToString("F3", Inv);
    private static string Interval((double Lower, double Upper)? i) => i is { } v ? $"[{F(v.Lower)}, {F(v.Upper)}]" : "—";
}
