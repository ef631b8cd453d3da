using System.Globalization;
using MiniTransformer.Reports.Svg;

namespace MiniTransformer.Reports;

/// <summary>The report's charts as <see cref="Plot"/>s (ids are unique within one report).</summary>
public static class ReportFigures
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>L vs N, one colour per D (or L vs D, one colour per N): best-over-lr points, seed spread, fit and its band, the floor.</summary>
    public static Plot Slices(string id, string title, string xLabel, IReadOnlyList<SliceFit> slices, Func<ScalingCell, double> x, double? floor)
    {
        var plot = new Plot(id, title, xLabel, "test loss (nats/token)", AxisScale.Log, AxisScale.Log);
        for (int i = 0; i < slices.Count; i++)
            if (slices[i].Band is { } band)
                plot.Add(new BandSeries(null, Palette.Color(i), band.X, band.Low, band.High));
        for (int i = 0; i < slices.Count; i++)
            plot.Add(slices[i].Band is { } band
                ? new LineSeries(null, Palette.Color(i), band.X.Zip(band.Fit).ToList())
                // no fit (too few points): a thin dashed guide joins the points instead
                : new LineSeries(null, Palette.Color(i), slices[i].Cells.Select(c => (x(c), c.Loss)).ToList(), Dashed: true));
        for (int i = 0; i < slices.Count; i++)
        {
            var s = slices[i];
            var points = s.Cells.Select(c => new PlotPoint(x(c), c.Loss, c.Seeds > 1 ? c.SeedMin : null, c.Seeds > 1 ? c.SeedMax : null,
                $"{s.Label}: {xLabel.Split(' ')[0]} = {x(c).ToString("N0", Inv)}, loss {c.Loss.ToString("F4", Inv)} (lr {c.BestLearningRate.ToString("G3", Inv)}, {c.Seeds} seed(s))")).ToList();
            plot.Add(new ScatterSeries(s.Label, Palette.Color(i), Palette.Marker(i), points));
        }
        if (slices.Any(s => s.Band is not null)) plot.Add(new BandSeries("power-law fit, 95% band", Palette.Grey, [], [], []));
        if (floor is { } h) plot.Add(new ReferenceLine($"entropy rate H = {h.ToString("F3", Inv)}", Palette.Black, h));
        return plot;
    }

    /// <summary>Every cell's loss against its compute 6ND (colour = model size), with the fitted frontier L_opt(C).</summary>
    public static Plot Frontier(string id, IReadOnlyList<ScalingCell> cells, FrontierFit? frontier, double? floor)
    {
        var plot = new Plot(id, "Loss–compute frontier", "compute C = 6·N·D (FLOPs, N non-embedding)", "test loss (nats/token)", AxisScale.Log, AxisScale.Log);
        if (frontier is not null)
        {
            plot.Add(new BandSeries(null, Palette.Black, frontier.Compute, frontier.LossOpt.Low, frontier.LossOpt.High));
            plot.Add(new LineSeries("fitted L_opt(C), 95% band", Palette.Black, frontier.Compute.Zip(frontier.LossOpt.Fit).ToList()));
        }
        var models = cells.GroupBy(c => (c.Layers, c.Width)).OrderBy(g => g.First().N).ToList();
        for (int i = 0; i < models.Count; i++)
        {
            var points = models[i].OrderBy(c => c.Compute).Select(c => new PlotPoint(c.Compute, c.Loss, c.Seeds > 1 ? c.SeedMin : null, c.Seeds > 1 ? c.SeedMax : null,
                $"N = {c.N.ToString("N0", Inv)}, D = {c.D.ToString("N0", Inv)}: loss {c.Loss.ToString("F4", Inv)}")).ToList();
            plot.Add(new LineSeries(null, Palette.Color(i), points.Select(p => (p.X, p.Y)).ToList(), Dashed: true));
            plot.Add(new ScatterSeries($"N = {ScalingAnalysis.Count(models[i].First().N)}", Palette.Color(i), Palette.Marker(i), points));
        }
        if (floor is { } h) plot.Add(new ReferenceLine($"entropy rate H = {h.ToString("F3", Inv)}", Palette.Black, h));
        return plot;
    }

    /// <summary>N_opt(C) and D_opt(C) from the fitted surface with bands; the IsoFLOP minima as points when present.</summary>
    public static Plot Allocation(string id, FrontierFit frontier, IReadOnlyList<(double Budget, IReadOnlyList<ScalingCell> Cells)> isoFlops)
    {
        var plot = new Plot(id, "Compute-optimal allocation", "compute C = 6·N·D (FLOPs)", "N_opt (parameters), D_opt (tokens)", AxisScale.Log, AxisScale.Log);
        plot.Add(new BandSeries(null, Palette.Color(0), frontier.Compute, frontier.NOpt.Low, frontier.NOpt.High));
        plot.Add(new BandSeries(null, Palette.Color(1), frontier.Compute, frontier.DOpt.Low, frontier.DOpt.High));
        var s = frontier.Surface;
        plot.Add(new LineSeries($"N_opt ∝ C^{s.ComputeExponentN.ToString("F2", Inv)}", Palette.Color(0), frontier.Compute.Zip(frontier.NOpt.Fit).ToList()));
        plot.Add(new LineSeries($"D_opt ∝ C^{s.ComputeExponentD.ToString("F2", Inv)}", Palette.Color(1), frontier.Compute.Zip(frontier.DOpt.Fit).ToList()));
        if (isoFlops.Count > 0)
        {
            var minima = isoFlops.Select(g => g.Cells.MinBy(c => c.Loss)!).ToList();
            plot.Add(new ScatterSeries("IsoFLOP minimum N", Palette.Color(0), MarkerShape.Circle, minima.Select(c => new PlotPoint(c.Compute, c.N)).ToList()));
            plot.Add(new ScatterSeries("IsoFLOP minimum D", Palette.Color(1), MarkerShape.Square, minima.Select(c => new PlotPoint(c.Compute, c.D)).ToList()));
        }
        plot.Add(new BandSeries("95% bootstrap band", Palette.Grey, [], [], []));
        return plot;
    }

    /// <summary>IsoFLOP curves: loss against N at each compute budget.</summary>
    public static Plot IsoFlop(string id, IReadOnlyList<(double Budget, IReadOnlyList<ScalingCell> Cells)> groups, double? floor)
    {
        var plot = new Plot(id, "IsoFLOP curves", "N (non-embedding parameters)", "test loss (nats/token)", AxisScale.Log, AxisScale.Log);
        for (int i = 0; i < groups.Count; i++)
        {
            var points = groups[i].Cells.Select(c => new PlotPoint(c.N, c.Loss, c.Seeds > 1 ? c.SeedMin : null, c.Seeds > 1 ? c.SeedMax : null)).ToList();
            plot.Add(new LineSeries(null, Palette.Color(i), points.Select(p => (p.X, p.Y)).ToList()));
            plot.Add(new ScatterSeries($"C = {groups[i].Budget.ToString("0.##E+0", Inv)}", Palette.Color(i), Palette.Marker(i), points));
        }
        if (floor is { } h) plot.Add(new ReferenceLine($"entropy rate H = {h.ToString("F3", Inv)}", Palette.Black, h));
        return plot;
    }

    /// <summary>Exact FLOPs over the 6ND convention per run, with N counted with and without embeddings.</summary>
    public static Plot FlopRatio(string id, IReadOnlyList<RunRow> rows)
    {
        var plot = new Plot(id, "Exact training FLOPs / 6ND", "N (non-embedding parameters)", "exact FLOPs / 6ND", AxisScale.Log, AxisScale.Linear);
        plot.Add(new ReferenceLine("convention (ratio 1)", Palette.Black, 1.0));
        plot.Add(new ScatterSeries("N with embeddings", Palette.Color(0), MarkerShape.Circle,
            rows.Select(r => new PlotPoint(r.NonEmbeddingParameters!.Value, r.ExactFlops!.Value / r.SixNd!.Value, Tooltip: $"D = {r.Tokens.ToString("N0", Inv)}")).ToList()));
        plot.Add(new ScatterSeries("N without embeddings", Palette.Color(1), MarkerShape.Square,
            rows.Where(r => r.SixNdNonEmbedding is > 0).Select(r => new PlotPoint(r.NonEmbeddingParameters!.Value, r.ExactFlops!.Value / r.SixNdNonEmbedding!.Value,
                Tooltip: $"D = {r.Tokens.ToString("N0", Inv)}")).ToList()));
        return plot;
    }
}
