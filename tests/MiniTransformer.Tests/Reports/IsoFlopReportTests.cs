using System.Globalization;
using System.Xml.Linq;
using MiniTransformer.Reports;

namespace MiniTransformer.Tests.Reports;

/// <summary>A compute-budget sweep gets IsoFLOP curves, and the marked minimum at each budget is the lowest loss of that budget.</summary>
public sealed class IsoFlopReportTests : IDisposable
{
    private readonly string _dir = SyntheticSweep.CreateIsoFlop();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void IsoFlopCurvesAndTheirMinimaAreDrawn()
    {
        var model = SweepReport.Build(_dir, new ReportOptions { Profile = false, Fits = new ReportFitOptions { IntervalResamples = 100, BandResamples = 20 } });
        var doc = XDocument.Parse(HtmlReport.Render(model));
        var iso = doc.Descendants("svg").Single(s => (string?)s.Attribute("id") == "isoflop");
        var points = iso.Descendants().Where(e => (string?)e.Attribute("class") == "point")
            .Select(e => (N: double.Parse(e.Attribute("data-x")!.Value, CultureInfo.InvariantCulture), L: double.Parse(e.Attribute("data-y")!.Value, CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(SyntheticSweep.ComputeBudgets.Length * SyntheticSweep.NonEmbedding.Length, points.Count);

        // the minimum of each budget, found here by brute force over the generating surface
        var expectedMinimaN = SyntheticSweep.ComputeBudgets
            .Select(c => SyntheticSweep.NonEmbedding.MinBy(n => SyntheticSweep.Loss(n, (long)(c / (6.0 * n))))).Select(n => (double)n).ToList();
        var allocation = doc.Descendants("svg").Single(s => (string?)s.Attribute("id") == "allocation");
        var minimaN = allocation.Descendants().Where(e => (string?)e.Attribute("class") == "point" && e.Name.LocalName == "circle")
            .Select(e => double.Parse(e.Attribute("data-y")!.Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(expectedMinimaN, minimaN);
    }
}
