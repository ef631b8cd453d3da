using System.Globalization;
using System.Xml.Linq;
using MiniTransformer.Reports.Svg;

namespace MiniTransformer.Tests.Reports;

/// <summary>
/// The SVG plotting module checked against the plain formulas: a point at data x lands at
/// left + (log10 x − log10 xmin)/(log10 xmax − log10 xmin)·width (y likewise, upward), read back from the SVG.
/// </summary>
public sealed class PlotTests
{
    private static double Attr(XElement e, string name) => double.Parse(e.Attribute(name)!.Value, CultureInfo.InvariantCulture);

    /// <summary>The data area as drawn: the clip rectangle's geometry.</summary>
    private static (double Left, double Top, double Width, double Height) Area(XElement svg)
    {
        var rect = svg.Descendants("clipPath").Single().Element("rect")!;
        return (Attr(rect, "x"), Attr(rect, "y"), Attr(rect, "width"), Attr(rect, "height"));
    }

    [Fact]
    public void LogLogPointsSitAtTheirDataUnderTheLogFormula()
    {
        (double X, double Y)[] data = [(150, 2.5), (1_000, 4.0), (23_456, 1.25), (99_000, 9.5)];
        var plot = new Plot("t", "title", "x", "y", AxisScale.Log, AxisScale.Log) { XRange = (100, 1e5), YRange = (1, 10) }
            .Add(new ScatterSeries("s", Palette.Color(0), MarkerShape.Circle, data.Select(d => new PlotPoint(d.X, d.Y)).ToList()));
        var svg = XElement.Parse(plot.Render().ToString());
        var (left, top, width, height) = Area(svg);
        var circles = svg.Descendants("circle").Where(c => (string?)c.Attribute("class") == "point").ToList();
        Assert.Equal(data.Length, circles.Count);
        for (int i = 0; i < data.Length; i++)
        {
            double expectedX = left + (Math.Log10(data[i].X) - 2) / 3 * width;
            double expectedY = top + height - (Math.Log10(data[i].Y) - 0) / 1 * height;
            Assert.Equal(expectedX, Attr(circles[i], "cx"), 0.002);
            Assert.Equal(expectedY, Attr(circles[i], "cy"), 0.002);
        }
    }

    [Fact]
    public void LinearAxisAndReferenceLineFollowTheLinearFormula()
    {
        var plot = new Plot("t", "title", "x", "y", AxisScale.Log, AxisScale.Linear) { XRange = (1, 1000), YRange = (0.5, 2.5) }
            .Add(new ReferenceLine("floor", Palette.Black, 1.0))
            .Add(new ScatterSeries("s", Palette.Color(0), MarkerShape.Circle, [new PlotPoint(10, 2.0, 1.5, 2.25)]));
        var svg = XElement.Parse(plot.Render().ToString());
        var (left, top, width, height) = Area(svg);
        var point = svg.Descendants("circle").Single(c => (string?)c.Attribute("class") == "point");
        Assert.Equal(left + width / 3, Attr(point, "cx"), 0.002);
        Assert.Equal(top + height - (2.0 - 0.5) / 2.0 * height, Attr(point, "cy"), 0.002);
        var reference = svg.Descendants("line").Single(l => (string?)l.Attribute("class") == "reference");
        Assert.Equal(top + height - (1.0 - 0.5) / 2.0 * height, Attr(reference, "y1"), 0.002);
        Assert.Equal(left, Attr(reference, "x1"), 0.002);
        Assert.Equal(left + width, Attr(reference, "x2"), 0.002);
        // the seed-spread bar runs from y(1.5) to y(2.25) at the point's x
        var bar = svg.Descendants("path").Single(p => (string?)p.Attribute("class") == "spread");
        var d = bar.Attribute("d")!.Value;
        string Px(double v) => Math.Round(v, 3).ToString(CultureInfo.InvariantCulture);
        Assert.StartsWith($"M{Px(left + width / 3)},{Px(top + height - 0.5 * height)}V{Px(top + height - 0.875 * height)}", d);
    }

    [Fact]
    public void LogAxisHasDecadeTicksAndEightMinorTicksPerDecade()
    {
        var plot = new Plot("t", "title", "x", "y", AxisScale.Log, AxisScale.Linear) { XRange = (30, 2e5), YRange = (0, 1) };
        var svg = XElement.Parse(plot.Render().ToString());
        var (left, _, width, _) = Area(svg);
        var major = svg.Descendants("line").Where(l => (string?)l.Attribute("class") == "major-tick x").ToList();
        Assert.Equal([100.0, 1e3, 1e4, 1e5], major.Select(l => Attr(l, "data-value")));
        double span = Math.Log10(2e5) - Math.Log10(30);
        foreach (var tick in major)
            Assert.Equal(left + (Math.Log10(Attr(tick, "data-value")) - Math.Log10(30)) / span * width, Attr(tick, "x1"), 0.002);
        var labels = svg.Descendants("text").Where(t => (string?)t.Attribute("class") == "tick-label").Select(t => t.Value).ToList();
        Assert.Contains("10²", labels);
        Assert.Contains("10⁵", labels);
        // minor ticks: 30…90 (7), 200…900, 2000…9000, 20000…90000 (8 each), 200000 (1)
        Assert.Equal(32, svg.Descendants("line").Count(l => (string?)l.Attribute("class") == "minor-tick x"));
    }

    [Fact]
    public void AxisTransformRoundTripsAndGrowsUpwardOnY()
    {
        var y = new AxisTransform(0.01, 100, 300, 20, AxisScale.Log);
        Assert.Equal(300, y.ToPixel(0.01), 9);
        Assert.Equal(20, y.ToPixel(100), 9);
        Assert.Equal(160, y.ToPixel(1), 9); // the middle decade of four
        Assert.Equal(3.7, y.FromPixel(y.ToPixel(3.7)), 9);
        Assert.Equal(["10⁻²", "10⁻¹", "1", "10", "10²"], y.MajorTicks().Select(t => t.Label));
    }

    [Fact]
    public void TextIsEscapedNotInterpreted()
    {
        const string evil = "<script>alert('x')</script> & \"D\"";
        var plot = new Plot("t", evil, "x", "y", AxisScale.Linear, AxisScale.Linear)
            .Add(new ScatterSeries(evil, Palette.Color(0), MarkerShape.Circle, [new PlotPoint(1, 1, Tooltip: evil)]));
        var text = plot.Render().ToString();
        Assert.DoesNotContain("<script", text);
        var svg = XElement.Parse(text);
        Assert.Empty(svg.Descendants("script"));
        Assert.Contains(svg.Descendants("text"), t => t.Value == evil);
    }
}
