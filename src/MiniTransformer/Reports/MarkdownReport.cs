using System.Globalization;
using System.Text;

namespace MiniTransformer.Reports;

/// <summary>The report's numbers as Markdown (for terminals, notebooks and PR descriptions); the charts live in the HTML beside it.</summary>
public static class MarkdownReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(ReportModel m, string htmlFileName)
    {
        var r = m.Results;
        var md = new StringBuilder();
        md.AppendLine($"# Sweep report: {Cell(r.Spec.Name)}").AppendLine();
        md.AppendLine($"{r.Runs.Count} runs ({string.Join(", ", m.StatusCounts.Select(s => $"{s.Count} {s.Status}"))}), generated {m.GeneratedUtc.ToString("yyyy-MM-dd HH:mm 'UTC'", Inv)}, code {m.CodeVersion}. " +
                      $"Charts: [{htmlFileName}]({htmlFileName}).").AppendLine();
        if (r.EntropyRate is { } h) md.AppendLine($"Entropy-rate floor H = {h.ToString("F4", Inv)} nats/token.").AppendLine();

        md.AppendLine("## Best loss per cell (over learning rates and seeds)").AppendLine();
        Table(md, ["layers", "width", "N (non-emb.)", "D", "best lr", "test loss", "seed range", "excess over H"],
            r.Cells.OrderBy(c => c.N).ThenBy(c => c.D).Select(c => new[]
            {
                c.Layers.ToString(Inv), c.Width.ToString(Inv), c.N.ToString("N0", Inv), c.D.ToString("N0", Inv), c.BestLearningRate.ToString("G3", Inv),
                c.Loss.ToString("F4", Inv), c.Seeds > 1 ? $"{c.SeedMin.ToString("F4", Inv)}–{c.SeedMax.ToString("F4", Inv)}" : "1 seed",
                r.EntropyRate is { } e ? (c.Loss - e).ToString("F4", Inv) : "—",
            }));

        md.AppendLine("## Exponents").AppendLine();
        var rows = new List<string[]>();
        foreach (var family in new[] { m.Analysis.NSlices, m.Analysis.DSlices })
        {
            rows.AddRange(family.Select(HtmlReport.ExponentRow));
            if (ScalingAnalysis.ExponentSummary(family) is { } s)
                rows.Add([$"**{family[0].Family}: mean ± s.d. ({s.Count})**", "", $"**{HtmlReport.F(s.Mean)} ± {(double.IsNaN(s.StdDev) ? "—" : HtmlReport.F(s.StdDev))}**", "", "", "", "", "", ""]);
        }
        Table(md, ["slice", "points", "α", "α 95% CI", "E", "E 95% CI", "A", "α (no offset)", "MSE power / exp"], rows);

        md.AppendLine("## Compute-optimal frontier").AppendLine();
        if (m.Analysis.Frontier is { } f)
        {
            var s = f.Surface;
            md.AppendLine($"Chinchilla surface on {s.Points} cells: E = {HtmlReport.F(s.E)}, A = {HtmlReport.G(s.A)}, B = {HtmlReport.G(s.B)}, " +
                          $"α = {HtmlReport.F(s.Alpha)} {Ci(f.AlphaInterval)}, β = {HtmlReport.F(s.Beta)} {Ci(f.BetaInterval)}; " +
                          $"closed form N_opt ∝ C^{HtmlReport.F(s.ComputeExponentN)}, D_opt ∝ C^{HtmlReport.F(s.ComputeExponentD)}, L_opt − E ∝ C^−{HtmlReport.F(s.ComputeExponentLoss)}.").AppendLine();
            if (f.Laws is not null) Table(md, ["along the minimised frontier", "estimate", "95% BCa interval"], HtmlReport.LawRows(f.Laws));
        }
        else md.AppendLine($"No surface fitted: {Cell(m.Analysis.FrontierNotFittedReason ?? "")}").AppendLine();

        md.AppendLine("## Exact FLOPs vs 6ND").AppendLine();
        Table(md, ["layers", "width", "D", "exact FLOPs", "exact / 6ND", "exact / 6N(non-emb.)D"], m.FlopRows.Select(x => new[]
        {
            x.Layers.ToString(Inv), x.Width.ToString(Inv), x.Tokens.ToString("N0", Inv), HtmlReport.G(x.ExactFlops!.Value),
            HtmlReport.F(x.ExactFlops!.Value / x.SixNd!.Value), x.SixNdNonEmbedding is > 0 ? HtmlReport.F(x.ExactFlops!.Value / x.SixNdNonEmbedding!.Value) : "—",
        }));
        if (m.Profile.Profile is { } p)
        {
            md.AppendLine($"Step profile of the median model ({p.Config.Layers}×{p.Config.Width}, batch {p.BatchSize}, {Cell(p.Backend)}): " +
                          $"{(p.StepSeconds * 1e3).ToString("F3", Inv)} ms/step, {p.GflopsPerSecond.ToString("F2", Inv)} GFLOP/s.").AppendLine();
            Table(md, ["op", "launches", "time (ms)", "FLOPs", "bytes", "GFLOP/s"], p.Ops.Select(o => new[]
            {
                o.Op, o.Launches.ToString(Inv), (o.Seconds * 1e3).ToString("F3", Inv), o.Flops.ToString("N0", Inv), o.Bytes.ToString("N0", Inv), o.GflopsPerSecond.ToString("F2", Inv),
            }));
        }
        else md.AppendLine($"Not profiled: {Cell(m.Profile.Unavailable ?? "")}").AppendLine();

        md.AppendLine("## Run inventory").AppendLine();
        Table(md, ["status", "runs"], m.StatusCounts.Select(s => new[] { s.Status, s.Count.ToString(Inv) }));
        if (m.NotDone.Count > 0)
            Table(md, ["status", "run id", "layers", "width", "D", "lr", "seed", "reason"], m.NotDone.Select(x => new[]
            {
                x.Status, x.Id, x.Layers.ToString(Inv), x.Width.ToString(Inv), x.Tokens.ToString("N0", Inv), x.LearningRate.ToString("G4", Inv), x.Seed.ToString(Inv),
                x.Reason ?? (x.Status == "running" ? "interrupted (re-run the command to resume)" : ""),
            }));
        md.AppendLine(m.CommandRecorded ? "Command:" : "Command (reconstructed; the original was not recorded):").AppendLine();
        Fenced(md, m.Command, "sh");
        md.AppendLine("Spec:").AppendLine();
        Fenced(md, r.SpecJson.TrimEnd(), "json");
        return md.ToString();
    }

    private static string Ci((double Lower, double Upper)? i) => i is { } v ? $"[{HtmlReport.F(v.Lower)}, {HtmlReport.F(v.Upper)}]" : "";

    internal static void Table(StringBuilder md, string[] header, IEnumerable<string[]> rows)
    {
        md.AppendLine("| " + string.Join(" | ", header.Select(Cell)) + " |");
        md.AppendLine("|" + string.Concat(header.Select(_ => "---|")));
        foreach (var row in rows) md.AppendLine("| " + string.Join(" | ", row.Concat(Enumerable.Repeat("", Math.Max(0, header.Length - row.Length))).Select(Cell)) + " |");
        md.AppendLine();
    }

    /// <summary>Text made safe for a table cell: no line breaks, pipes escaped, and no raw HTML (renderers would interpret it).</summary>
    internal static string Cell(string s) => s.Replace("\r", " ").Replace("\n", " ").Replace("|", "\\|").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>A fence longer than any backtick run inside, so the content cannot close it.</summary>
    internal static void Fenced(StringBuilder md, string text, string language)
    {
        int longest = 0, run = 0;
        foreach (char c in text) { run = c == '`' ? run + 1 : 0; longest = Math.Max(longest, run); }
        var fence = new string('`', Math.Max(3, longest + 1));
        md.AppendLine(fence + language).AppendLine(text).AppendLine(fence).AppendLine();
    }
}
