using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;
using MiniTransformer.Reports;

namespace MiniTransformer.Tests.Reports;

/// <summary>The report of <see cref="SyntheticSweep"/>, built once for the class (fits with small bootstraps to stay fast).</summary>
public sealed class SyntheticReport : IDisposable
{
    public string Directory { get; } = SyntheticSweep.Create();
    public ReportModel Model { get; }
    public string Html { get; }
    public string Markdown { get; }

    public SyntheticReport()
    {
        Model = SweepReport.Build(Directory, new ReportOptions
        {
            Profile = false, Command = "MiniTransformer.Cli sweep --spec synthetic.json",
            Fits = new ReportFitOptions { IntervalResamples = 200, BandResamples = 40 },
        });
        Html = HtmlReport.Render(Model);
        Markdown = MarkdownReport.Render(Model, "report.html");
        File.WriteAllText(Path.Combine(Directory, "report.html"), Html);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

public sealed class SweepReportTests(SyntheticReport report) : IClassFixture<SyntheticReport>
{
    private static double Attr(XElement e, string name) => double.Parse(e.Attribute(name)!.Value, CultureInfo.InvariantCulture);

    private XElement Svg(string id) => XDocument.Parse(report.Html).Descendants("svg").Single(s => (string?)s.Attribute("id") == id);

    [Fact]
    public void LossVsNPointsAreTheBestLossesAtTheirLogLogPositions()
    {
        var svg = Svg("loss-vs-n");
        var area = svg.Descendants("g").Single(g => (string?)g.Attribute("class") == "plot-area");
        var clip = svg.Descendants("clipPath").Single().Element("rect")!;
        double left = Attr(clip, "x"), top = Attr(clip, "y"), width = Attr(clip, "width"), height = Attr(clip, "height");
        double x0 = Math.Log10(Attr(area, "data-x-min")), x1 = Math.Log10(Attr(area, "data-x-max"));
        double y0 = Math.Log10(Attr(area, "data-y-min")), y1 = Math.Log10(Attr(area, "data-y-max"));
        var points = area.Elements().Where(e => (string?)e.Attribute("class") == "point").ToList();
        Assert.Equal(SyntheticSweep.NonEmbedding.Length * SyntheticSweep.Tokens.Length, points.Count);

        var expected = SyntheticSweep.NonEmbedding.SelectMany(n => SyntheticSweep.Tokens.Select(d => (N: (double)n, Loss: SyntheticSweep.Loss(n, d)))).ToList();
        foreach (var p in points)
        {
            double x = Attr(p, "data-x"), y = Attr(p, "data-y");
            // best over learning rates and seeds: the lr = 0.01, seed 0 loss, i.e. the surface itself
            Assert.Contains(expected, e => e.N == x && Math.Abs(e.Loss - y) < 1e-12);
            var (cx, cy) = Centre(p);
            Assert.Equal(left + (Math.Log10(x) - x0) / (x1 - x0) * width, cx, 0.01);
            Assert.Equal(top + height - (Math.Log10(y) - y0) / (y1 - y0) * height, cy, 0.01);
        }
        var floor = area.Elements("line").Single(l => (string?)l.Attribute("class") == "reference");
        Assert.Equal(top + height - (Math.Log10(SyntheticSweep.E) - y0) / (y1 - y0) * height, Attr(floor, "y1"), 0.01);
        // seed spread: each point has a bar up to the seed-1 loss, 0.02 higher
        Assert.Equal(points.Count, area.Elements("path").Count(e => (string?)e.Attribute("class") == "spread"));
    }

    /// <summary>A marker's centre from its geometry: circle centre, square centre, or the midpoint of a polygon's x and the given data-cy.</summary>
    private static (double X, double Y) Centre(XElement marker) => marker.Name.LocalName switch
    {
        "circle" => (Attr(marker, "cx"), Attr(marker, "cy")),
        "rect" => (Attr(marker, "x") + Attr(marker, "width") / 2, Attr(marker, "y") + Attr(marker, "height") / 2),
        _ => PolygonCentre(marker),
    };

    private static (double X, double Y) PolygonCentre(XElement polygon)
    {
        var pts = polygon.Attribute("points")!.Value.Split(' ').Select(p => p.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        // diamond: the first point is straight above the centre and the third straight below; triangle: apex above, base below
        double x = pts[0][0];
        double y = pts.Count == 4 ? (pts[0][1] + pts[2][1]) / 2 : pts[0][1] + (pts[1][1] - pts[0][1]) * 1.3 / 2.2;
        return (x, y);
    }

    [Fact]
    public void SliceFitsRecoverTheGeneratingExponents()
    {
        var a = report.Model.Analysis;
        Assert.Equal(4, a.NSlices.Count);
        Assert.Equal(4, a.DSlices.Count);
        Assert.All(a.NSlices, s => Assert.Equal(SyntheticSweep.Alpha, s.Analysis!.PowerLaw["alpha"], 0.01));
        Assert.All(a.DSlices, s => Assert.Equal(SyntheticSweep.Beta, s.Analysis!.PowerLaw["alpha"], 0.01));
        Assert.Equal(SyntheticSweep.Alpha, a.Frontier!.Surface.Alpha, 0.01);
        Assert.Equal(SyntheticSweep.Beta, a.Frontier!.Surface.Beta, 0.01);
        // the compute-optimal N exponent of Hoffmann et al.: β/(α+β)
        Assert.Equal(SyntheticSweep.Beta / (SyntheticSweep.Alpha + SyntheticSweep.Beta), a.Frontier.Surface.ComputeExponentN, 0.01);
        // and the same exponent fitted along the numerically minimised frontier
        Assert.Equal(SyntheticSweep.Beta / (SyntheticSweep.Alpha + SyntheticSweep.Beta), a.Frontier.Laws!.ExponentN, 0.02);
    }

    [Fact]
    public void InventoryListsFailedAndDivergedRunsWithTheirReasons()
    {
        var doc = XDocument.Parse(report.Html);
        var inventory = doc.Descendants("section").Single(s => (string?)s.Attribute("id") == "inventory");
        var rows = inventory.Descendants("tbody").Last().Elements("tr").Select(r => r.Elements("td").Select(td => td.Value).ToList()).ToList();
        Assert.Contains(rows, r => r[0] == "failed" && r[^1] == SyntheticSweep.FailureReason && r[3] == "256");
        Assert.Contains(rows, r => r[0] == "diverged" && r[^1] == SyntheticSweep.DivergenceReason);
        var counts = inventory.Descendants("tbody").First().Elements("tr").ToDictionary(r => r.Elements("td").First().Value, r => r.Elements("td").Last().Value);
        Assert.Equal("64", counts["done"]);
        Assert.Equal("1", counts["failed"]);
        Assert.Equal("1", counts["diverged"]);
        Assert.Contains("| failed |", report.Markdown);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt; out of memory", report.Markdown);
        Assert.Contains(DivergenceLine(), report.Markdown);
    }

    private static string DivergenceLine() => $"| {SyntheticSweep.DivergenceReason} |";

    [Fact]
    public void HtmlIsWellFormedAndSelfContained()
    {
        var doc = XDocument.Parse(report.Html); // the whole document is polyglot XML
        // L(N), L(D), frontier, allocation, FLOP ratio (no IsoFLOP chart: the spec gives token budgets, not compute budgets)
        Assert.Equal(5, doc.Descendants("svg").Count());
        foreach (var svg in doc.Descendants("svg")) XElement.Parse(svg.ToString());
        Assert.DoesNotContain("http://", report.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", report.Html, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(doc.Descendants("script"));
        Assert.Empty(doc.Descendants("link"));
        Assert.Empty(doc.Descendants().Where(e => e.Attribute("src") is not null || e.Attribute("href") is not null));
        Assert.DoesNotContain("<img", report.Html);
        Assert.Contains(doc.Descendants("pre"), p => p.Value.Contains("\"name\": \"synthetic\""));
        Assert.Contains(doc.Descendants("pre"), p => p.Value == "MiniTransformer.Cli sweep --spec synthetic.json");
    }

    [Fact]
    public void RendersInHeadlessChromiumWithoutConsoleErrors() => AssertRendersInChromium(Path.Combine(report.Directory, "report.html"));

    /// <summary>Loads a report in headless Chromium: a PNG screenshot is written beside it and the console stays silent.</summary>
    internal static void AssertRendersInChromium(string htmlPath)
    {
        const string chromium = "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            if (Environment.GetEnvironmentVariable("MT_REQUIRE_CHROMIUM") == "1") Assert.Fail($"{chromium} is missing and MT_REQUIRE_CHROMIUM=1");
            Assert.Skip($"{chromium} is not installed (Debian package 'chromium'); set MT_REQUIRE_CHROMIUM=1 to make this a failure");
        }
        var profile = System.IO.Directory.CreateTempSubdirectory("mt-chromium-").FullName;
        var png = Path.ChangeExtension(htmlPath, ".png");
        try
        {
            var start = new ProcessStartInfo(chromium)
            {
                RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
            };
            foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                         $"--screenshot={png}", "--window-size=1400,2400", new Uri(htmlPath).AbsoluteUri })
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(90)), "chromium did not finish within 90 s");
            var log = stderr.Result + stdout.Result;
            Assert.True(File.Exists(png), $"no screenshot was written; chromium said:\n{log}");
            var bytes = File.ReadAllBytes(png);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            Assert.True(bytes.Length > 10_000, $"the screenshot is only {bytes.Length} bytes");
            var consoleLines = log.Split('\n').Where(l => l.Contains("CONSOLE") || l.Contains("Uncaught")).ToList();
            Assert.True(consoleLines.Count == 0, "console output:\n" + string.Join('\n', consoleLines));
        }
        finally
        {
            System.IO.Directory.Delete(profile, recursive: true);
        }
    }
}
