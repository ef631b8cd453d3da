using System.Globalization;
using System.Xml.Linq;
using static MiniTransformer.Reports.HtmlReport;

namespace MiniTransformer.Reports;

/// <summary>A k-NN sweep's report as one self-contained HTML file, in the transformer report's style and building blocks.</summary>
public static class KnnHtmlReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(KnnReportModel m)
    {
        var r = m.Results;
        var t = r.Theory;
        var body = E("body",
            E("h1", $"k-NN sweep report: {r.Spec.Name}"),
            E("p", new XAttribute("class", "meta"),
                $"{r.Runs.Count} runs ({string.Join(", ", m.StatusCounts.Select(s => $"{s.Count} {s.Status}"))}) · generated {m.GeneratedUtc.ToString("yyyy-MM-dd HH:mm 'UTC'", Inv)} · code {m.CodeVersion} · {Path.GetFullPath(r.Directory)}"),
            E("p", "Nearest-neighbour regression on percolation clusters (SCIENCE.md Program B). Each point is the median held-out MSE over seeds " +
                   "(each seed draws its own test split and training sample); error bars span the 16–84% quantiles. Fits are E + A·(x/median x)^(−α) " +
                   "on the medians over the upper half of the decades, where the slope is read too (robust Huber loss; 95% pointwise wild-bootstrap band). " +
                   $"Theory (Brill): τ = {t.Tau.ToString("0.###", Inv)}, fractal dimension D = {t.FractalDimension.ToString("0.###", Inv)}, c = {t.C.ToString("0.###", Inv)}, " +
                   $"α = (3−τ)/(τ−2) = {F(t.Alpha)}, c/D = {F(t.ManifoldExponent)}" +
                   (r.ManifoldOnly ? "; away from the Bethe p_c only the manifold law applies. " : ". ") +
                   "The theory fixes the shape of L, not its scale: each theory curve is drawn through the measured median at the start of the fitted range."),
            E("section", new XAttribute("id", "scaling"), E("h2", "1. Held-out loss against data and capacity"),
                E("div", new XAttribute("class", "figures"), m.Experiments.Select(e => Figure(KnnReportFigures.Experiment($"knn-{e.Experiment.Replace('_', '-')}", e),
                    $"{e.Title}: measured medians, fitted law and theory ({e.TheoryNote}), theory anchored at {e.XSymbol} = {G(e.AnchorX)}."))),
                NotFitted(m)),
            E("section", new XAttribute("id", "exponents"), E("h2", "2. Exponents: fitted next to theory"),
                E("p", "α fitted: the offset power law with its BCa 95% interval; −slope: least-squares slope of ln(median) on ln x over the upper half " +
                       "of the decades (what `knn data-scaling`/`model-scaling` print); theory: the asymptotic exponent, and the theory curve's own " +
                       "slope over the same range (the logarithmic case and finite sizes bend it away from the asymptote)."),
                Table(KnnSweepReport.ExponentHeader, KnnSweepReport.ExponentRows(m.Experiments).ToList(), textColumns: 1, lastText: true)),
            PointsSection(m),
            InventorySection(m));
        return Document($"k-NN sweep report: {r.Spec.Name}", body);
    }

    private static XElement NotFitted(KnnReportModel m)
    {
        var missing = m.Experiments.Where(e => e.NotFittedReason is not null).ToList();
        return missing.Count == 0 ? E("p", "")
            : E("ul", new XAttribute("class", "note"), missing.Select(e => E("li", $"{e.Title}: not fitted — {e.NotFittedReason}")));
    }

    private static XElement PointsSection(KnnReportModel m) =>
        E("section", new XAttribute("id", "points"), E("h2", "3. Measurements"),
            m.Experiments.Select(e => E("div", E("h3", e.Title),
                Table([e.XLabel, "median MSE", "16%", "84%", "seeds", .. e.Curves.Select(c => c.Label)],
                    e.Points.Select(p => (string[])[G(p.X), G(p.Median), G(p.Q16), G(p.Q84), p.Seeds.ToString(Inv), .. e.Curves.Select(c => G(e.Scaled(c, p.X)))]).ToList()))));

    private static XElement InventorySection(KnnReportModel m) =>
        HtmlReport.InventorySection("4. Run inventory and provenance", m.StatusCounts, ["experiment", "x", "seed"],
            m.NotDone.Select(r => (r.Status, r.Id, r.Reason, new[] { r.Kind, G(r.X), r.Seed.ToString(Inv) })).ToList(), textColumns: 3,
            m.CommandRecorded, m.Command, m.Results.SpecJson);
}
