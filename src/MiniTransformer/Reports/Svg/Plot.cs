using System.Globalization;
using System.Xml.Linq;

namespace MiniTransformer.Reports.Svg;

/// <summary>The pixel rectangle of a plot's data area and the two axis mappings onto it.</summary>
public sealed record PlotLayout(double Left, double Top, double Width, double Height, AxisTransform X, AxisTransform Y);

/// <summary>
/// One 2-D chart rendered to an SVG element: axes (linear or log, with decade and minor ticks), axis labels,
/// a title, a legend to the right, and series drawn in order (bands first is the caller's choice). Built as
/// XElements, so every text and attribute is escaped by construction — spec names cannot inject markup.
/// </summary>
public sealed class Plot(string id, string title, string xLabel, string yLabel, AxisScale xScale, AxisScale yScale)
{
    public const string FontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif";
    private const double MarginLeft = 74, MarginTop = 34, MarginBottom = 52, LegendWidth = 190;

    public string Id { get; } = id;
    public int Width { get; init; } = 640;
    public int Height { get; init; } = 400;
    /// <summary>Fixed data ranges; null = fitted to everything drawn, padded by 5%.</summary>
    public (double Min, double Max)? XRange { get; init; }
    public (double Min, double Max)? YRange { get; init; }
    public List<PlotSeries> Series { get; } = [];

    public Plot Add(PlotSeries series)
    {
        Series.Add(series);
        return this;
    }

    public PlotLayout Layout()
    {
        double left = MarginLeft, top = MarginTop;
        double width = Width - MarginLeft - LegendWidth - 16, height = Height - MarginTop - MarginBottom;
        var (x0, x1) = XRange ?? AutoRange(XValues(), xScale);
        var (y0, y1) = YRange ?? AutoRange(YValues(), yScale);
        return new PlotLayout(left, top, width, height,
            new AxisTransform(x0, x1, left, left + width, xScale),
            new AxisTransform(y0, y1, top + height, top, yScale));
    }

    public XElement Render()
    {
        var layout = Layout();
        var svg = new XElement("svg",
            new XAttribute("width", Width), new XAttribute("height", Height),
            new XAttribute("viewBox", $"0 0 {Width} {Height}"), new XAttribute("role", "img"),
            new XAttribute("id", Id), new XAttribute("font-family", FontFamily), new XAttribute("font-size", 13),
            new XElement("title", title),
            new XElement("rect", new XAttribute("width", Width), new XAttribute("height", Height), new XAttribute("fill", "#ffffff")),
            new XElement("defs", new XElement("clipPath", new XAttribute("id", $"{Id}-clip"),
                Rect(layout.Left, layout.Top, layout.Width, layout.Height))),
            Text(layout.Left + layout.Width / 2, 20, title, "middle", weight: "bold", size: 14));
        svg.Add(Axes(layout));
        var area = new XElement("g", new XAttribute("class", "plot-area"), new XAttribute("clip-path", $"url(#{Id}-clip)"),
            new XAttribute("data-x-scale", xScale.ToString().ToLowerInvariant()), new XAttribute("data-y-scale", yScale.ToString().ToLowerInvariant()),
            new XAttribute("data-x-min", Exact(layout.X.Min)), new XAttribute("data-x-max", Exact(layout.X.Max)),
            new XAttribute("data-y-min", Exact(layout.Y.Min)), new XAttribute("data-y-max", Exact(layout.Y.Max)),
            new XAttribute("data-left", Num(layout.Left)), new XAttribute("data-top", Num(layout.Top)),
            new XAttribute("data-width", Num(layout.Width)), new XAttribute("data-height", Num(layout.Height)));
        foreach (var s in Series) area.Add(Draw(s, layout));
        svg.Add(area);
        svg.Add(Legend(layout));
        return svg;
    }

    private IEnumerable<XElement> Draw(PlotSeries series, PlotLayout l) => series switch
    {
        BandSeries b => DrawBand(b, l),
        LineSeries line => DrawLine(line, l),
        ReferenceLine r => DrawReference(r, l),
        ScatterSeries s => DrawScatter(s, l),
        _ => throw new ArgumentException($"unknown series {series.GetType().Name}"),
    };

    private static IEnumerable<XElement> DrawBand(BandSeries b, PlotLayout l)
    {
        var upper = new List<string>();
        var lower = new List<string>();
        for (int i = 0; i < b.X.Count; i++)
        {
            if (!Drawable(l.X, b.X[i]) || !Drawable(l.Y, b.Low[i]) || !Drawable(l.Y, b.High[i])) continue;
            upper.Add($"{Num(l.X.ToPixel(b.X[i]))},{Num(l.Y.ToPixel(b.High[i]))}");
            lower.Add($"{Num(l.X.ToPixel(b.X[i]))},{Num(l.Y.ToPixel(b.Low[i]))}");
        }
        if (upper.Count < 2) yield break;
        lower.Reverse();
        yield return new XElement("polygon", new XAttribute("class", "band"), new XAttribute("points", string.Join(' ', upper.Concat(lower))),
            new XAttribute("fill", b.Color), new XAttribute("fill-opacity", "0.18"), new XAttribute("stroke", "none"));
    }

    private static IEnumerable<XElement> DrawLine(LineSeries line, PlotLayout l)
    {
        var pts = line.Points.Where(p => Drawable(l.X, p.X) && Drawable(l.Y, p.Y))
            .Select(p => $"{Num(l.X.ToPixel(p.X))},{Num(l.Y.ToPixel(p.Y))}").ToList();
        if (pts.Count < 2) yield break;
        var e = new XElement("polyline", new XAttribute("class", "line"), new XAttribute("points", string.Join(' ', pts)),
            new XAttribute("fill", "none"), new XAttribute("stroke", line.Color), new XAttribute("stroke-width", "2"));
        if (line.Dashed) e.Add(new XAttribute("stroke-dasharray", "6 4"));
        if (line.Role is { } role) e.Add(new XAttribute("data-role", role));
        yield return e;
    }

    private static IEnumerable<XElement> DrawReference(ReferenceLine r, PlotLayout l)
    {
        if (!Drawable(l.Y, r.Y)) yield break;
        double y = l.Y.ToPixel(r.Y);
        yield return new XElement("line", new XAttribute("class", "reference"), new XAttribute("data-y", Exact(r.Y)),
            new XAttribute("x1", Num(l.Left)), new XAttribute("x2", Num(l.Left + l.Width)), new XAttribute("y1", Num(y)), new XAttribute("y2", Num(y)),
            new XAttribute("stroke", r.Color), new XAttribute("stroke-width", "1.5"), new XAttribute("stroke-dasharray", "3 3"));
    }

    private static IEnumerable<XElement> DrawScatter(ScatterSeries s, PlotLayout l)
    {
        foreach (var p in s.Points)
        {
            if (!Drawable(l.X, p.X) || !Drawable(l.Y, p.Y)) continue;
            double x = l.X.ToPixel(p.X), y = l.Y.ToPixel(p.Y);
            if (p.YLow is { } lo && p.YHigh is { } hi && Drawable(l.Y, lo) && Drawable(l.Y, hi) && hi > lo)
            {
                double a = l.Y.ToPixel(lo), b = l.Y.ToPixel(hi);
                yield return new XElement("path", new XAttribute("class", "spread"),
                    new XAttribute("d", $"M{Num(x)},{Num(a)}V{Num(b)}M{Num(x - 4)},{Num(a)}h8M{Num(x - 4)},{Num(b)}h8"),
                    new XAttribute("stroke", s.Color), new XAttribute("stroke-width", "1.3"), new XAttribute("fill", "none"));
            }
            var marker = Marker(s.Marker, x, y, 4.5, s.Color);
            marker.Add(new XAttribute("class", "point"), new XAttribute("data-x", Exact(p.X)), new XAttribute("data-y", Exact(p.Y)),
                new XAttribute("data-cx", Num(x)), new XAttribute("data-cy", Num(y)));
            if (p.Tooltip is { } tip) marker.Add(new XElement("title", tip));
            yield return marker;
        }
    }

    /// <summary>A marker centred on (x, y); the centre is also in data-cx/data-cy whatever the shape.</summary>
    private static XElement Marker(MarkerShape shape, double x, double y, double r, string color)
    {
        var common = new object[] { new XAttribute("fill", color), new XAttribute("stroke", "#ffffff"), new XAttribute("stroke-width", "0.8") };
        return shape switch
        {
            MarkerShape.Square => new XElement("rect", new XAttribute("x", Num(x - r)), new XAttribute("y", Num(y - r)),
                new XAttribute("width", Num(2 * r)), new XAttribute("height", Num(2 * r)), common),
            MarkerShape.Diamond => new XElement("polygon", new XAttribute("points",
                $"{Num(x)},{Num(y - r * 1.3)} {Num(x + r * 1.3)},{Num(y)} {Num(x)},{Num(y + r * 1.3)} {Num(x - r * 1.3)},{Num(y)}"), common),
            MarkerShape.Triangle => new XElement("polygon", new XAttribute("points",
                $"{Num(x)},{Num(y - r * 1.3)} {Num(x + r * 1.2)},{Num(y + r * 0.9)} {Num(x - r * 1.2)},{Num(y + r * 0.9)}"), common),
            _ => new XElement("circle", new XAttribute("cx", Num(x)), new XAttribute("cy", Num(y)), new XAttribute("r", Num(r)), common),
        };
    }

    private XElement Axes(PlotLayout l)
    {
        var g = new XElement("g", new XAttribute("class", "axes"));
        double bottom = l.Top + l.Height, right = l.Left + l.Width;
        foreach (var t in l.X.MinorTicks())
            g.Add(TickLine(l.X.ToPixel(t.Value), bottom, l.X.ToPixel(t.Value), bottom + 3, "minor-tick x"));
        foreach (var t in l.Y.MinorTicks())
            g.Add(TickLine(l.Left - 3, l.Y.ToPixel(t.Value), l.Left, l.Y.ToPixel(t.Value), "minor-tick y"));
        foreach (var t in l.X.MajorTicks())
        {
            double x = l.X.ToPixel(t.Value);
            g.Add(GridLine(x, l.Top, x, bottom), TickLine(x, bottom, x, bottom + 6, "major-tick x", t.Value));
            g.Add(Text(x, bottom + 20, t.Label!, "middle", cls: "tick-label"));
        }
        foreach (var t in l.Y.MajorTicks())
        {
            double y = l.Y.ToPixel(t.Value);
            g.Add(GridLine(l.Left, y, right, y), TickLine(l.Left - 6, y, l.Left, y, "major-tick y", t.Value));
            g.Add(Text(l.Left - 9, y + 4, t.Label!, "end", cls: "tick-label"));
        }
        g.Add(new XElement("rect", new XAttribute("x", Num(l.Left)), new XAttribute("y", Num(l.Top)), new XAttribute("width", Num(l.Width)),
            new XAttribute("height", Num(l.Height)), new XAttribute("fill", "none"), new XAttribute("stroke", "#333333")));
        g.Add(Text(l.Left + l.Width / 2, bottom + 42, xLabel, "middle", cls: "axis-label"));
        var yText = Text(0, 0, yLabel, "middle", cls: "axis-label");
        yText.SetAttributeValue("transform", $"translate(16,{Num(l.Top + l.Height / 2)}) rotate(-90)");
        g.Add(yText);
        return g;
    }

    private XElement Legend(PlotLayout l)
    {
        var g = new XElement("g", new XAttribute("class", "legend"));
        double x = l.Left + l.Width + 16, y = l.Top + 6;
        foreach (var s in Series.Where(s => s.Label is not null))
        {
            g.Add(s switch
            {
                ScatterSeries sc => Marker(sc.Marker, x + 11, y, 4.5, sc.Color),
                BandSeries => new XElement("rect", new XAttribute("x", Num(x)), new XAttribute("y", Num(y - 6)), new XAttribute("width", 22),
                    new XAttribute("height", 12), new XAttribute("fill", s.Color), new XAttribute("fill-opacity", "0.18")),
                _ => new XElement("line", new XAttribute("x1", Num(x)), new XAttribute("x2", Num(x + 22)), new XAttribute("y1", Num(y)),
                    new XAttribute("y2", Num(y)), new XAttribute("stroke", s.Color), new XAttribute("stroke-width", "2"),
                    new XAttribute("stroke-dasharray", s is ReferenceLine ? "3 3" : s is LineSeries { Dashed: true } ? "6 4" : "none")),
            });
            g.Add(Text(x + 30, y + 4, s.Label!, "start", cls: "legend-label", size: 12));
            y += 20;
        }
        return g;
    }

    private IEnumerable<double> XValues() => Series.SelectMany(s => s switch
    {
        ScatterSeries sc => sc.Points.Select(p => p.X),
        LineSeries line => line.Points.Select(p => p.X),
        BandSeries b => b.X,
        _ => [],
    });

    private IEnumerable<double> YValues() => Series.SelectMany(s => s switch
    {
        ScatterSeries sc => sc.Points.SelectMany(p => new[] { p.Y, p.YLow ?? p.Y, p.YHigh ?? p.Y }),
        LineSeries line => line.Points.Select(p => p.Y),
        BandSeries b => b.Low.Concat(b.High),
        ReferenceLine r => [r.Y],
        _ => [],
    });

    /// <summary>The range of the finite (and, on a log axis, positive) values, padded by 5% of the span (in decades on a log axis).</summary>
    public static (double Min, double Max) AutoRange(IEnumerable<double> values, AxisScale scale)
    {
        var v = values.Where(x => double.IsFinite(x) && (scale == AxisScale.Linear || x > 0)).ToList();
        if (v.Count == 0) return scale == AxisScale.Log ? (1, 10) : (0, 1);
        double lo = v.Min(), hi = v.Max();
        if (scale == AxisScale.Log)
        {
            double a = Math.Log10(lo), b = Math.Log10(hi), pad = Math.Max(0.05 * (b - a), 0.05);
            return (Math.Pow(10, a - pad), Math.Pow(10, b + pad));
        }
        double p = hi > lo ? 0.05 * (hi - lo) : Math.Max(Math.Abs(hi) * 0.05, 0.5);
        return (lo - p, hi + p);
    }

    private static bool Drawable(AxisTransform axis, double v) => double.IsFinite(v) && (!axis.IsLog || v > 0);

    private static XElement Rect(double x, double y, double w, double h) =>
        new("rect", new XAttribute("x", Num(x)), new XAttribute("y", Num(y)), new XAttribute("width", Num(w)), new XAttribute("height", Num(h)));

    private static XElement GridLine(double x1, double y1, double x2, double y2) =>
        new("line", new XAttribute("class", "grid"), new XAttribute("x1", Num(x1)), new XAttribute("y1", Num(y1)), new XAttribute("x2", Num(x2)),
            new XAttribute("y2", Num(y2)), new XAttribute("stroke", "#e4e4e4"), new XAttribute("stroke-width", "1"));

    private static XElement TickLine(double x1, double y1, double x2, double y2, string cls, double? value = null)
    {
        var e = new XElement("line", new XAttribute("class", cls), new XAttribute("x1", Num(x1)), new XAttribute("y1", Num(y1)),
            new XAttribute("x2", Num(x2)), new XAttribute("y2", Num(y2)), new XAttribute("stroke", "#333333"));
        if (value is { } v) e.Add(new XAttribute("data-value", Exact(v)));
        return e;
    }

    private static XElement Text(double x, double y, string text, string anchor, string? cls = null, string? weight = null, int? size = null)
    {
        var e = new XElement("text", new XAttribute("x", Num(x)), new XAttribute("y", Num(y)), new XAttribute("text-anchor", anchor), text);
        if (cls is not null) e.Add(new XAttribute("class", cls));
        if (weight is not null) e.Add(new XAttribute("font-weight", weight));
        if (size is { } s) e.Add(new XAttribute("font-size", s));
        return e;
    }

    /// <summary>Data values round-trip exactly ("R"), so a reader of the SVG recovers what was plotted.</summary>
    public static string Exact(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Coordinates with up to 3 decimals, invariant culture ("R" for data values would be noise in the SVG).</summary>
    public static string Num(double v) => Math.Abs(v) >= 1e6 || (v != 0 && Math.Abs(v) < 1e-3)
        ? v.ToString("R", CultureInfo.InvariantCulture)
        : Math.Round(v, 3).ToString(CultureInfo.InvariantCulture);
}
