using System.Globalization;
using MiniTransformer.Reports.Svg;

namespace MiniTransformer.Reports;

/// <summary>The charts of a k-NN report: one log-log plot per experiment.</summary>
public static class KnnReportFigures
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Median held-out MSE per x with the seeds' 16–84% band as error bars, the fitted law with its 95% band, and the
    /// theory curves over the measured range, each scaled through the measured median at the anchor
    /// (<see cref="KnnExperimentAnalysis.Scaled"/>). Each theory polyline carries data-role (theory-data, theory-model,
    /// quanta, manifold).
    /// </summary>
    public static Plot Experiment(string id, KnnExperimentAnalysis e)
    {
        var plot = new Plot(id, e.Title, e.XLabel, "held-out MSE", AxisScale.Log, AxisScale.Log);
        if (e.Band is { } band)
        {
            plot.Add(new BandSeries(null, Palette.Color(0), band.X, band.Low, band.High));
            plot.Add(new LineSeries($"fit α = {HtmlReport.F(e.FittedAlpha ?? double.NaN)}, 95% band", Palette.Color(0), band.X.Zip(band.Fit).ToList()));
        }
        if (e.Points.Count > 0 && double.IsFinite(e.AnchorLoss))
        {
            var grid = FitBand.LogGrid(e.Points.Min(p => p.X), e.Points.Max(p => p.X));
            for (int i = 0; i < e.Curves.Count; i++)
            {
                var c = e.Curves[i];
                plot.Add(new LineSeries(c.Label, i == 0 ? Palette.Black : Palette.Color(i), grid.Select(x => (x, e.Scaled(c, x))).ToList(), Dashed: i > 0, Role: c.Role));
            }
        }
        plot.Add(new ScatterSeries("median, 16–84% of seeds", Palette.Color(0), MarkerShape.Circle, e.Points.Select(p => new PlotPoint(p.X, p.Median,
            p.Seeds > 1 ? p.Q16 : null, p.Seeds > 1 ? p.Q84 : null,
            $"{e.XSymbol} = {p.X.ToString("G4", Inv)}: median MSE {p.Median.ToString("G4", Inv)} over {p.Seeds} seed(s)")).ToList()));
        return plot;
    }
}
