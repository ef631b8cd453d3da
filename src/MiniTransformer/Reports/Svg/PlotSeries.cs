namespace MiniTransformer.Reports.Svg;

/// <summary>A measured point, with an optional vertical spread (e.g. min–max over seeds) drawn as an error bar.</summary>
public readonly record struct PlotPoint(double X, double Y, double? YLow = null, double? YHigh = null, string? Tooltip = null);

/// <summary>Something drawn in a plot's data area. <see cref="Label"/> null keeps it out of the legend.</summary>
public abstract record PlotSeries(string? Label, string Color);

public sealed record ScatterSeries(string? Label, string Color, MarkerShape Marker, IReadOnlyList<PlotPoint> Points) : PlotSeries(Label, Color);

/// <param name="Role">Written as the polyline's data-role (e.g. "theory-data"), so readers of the SVG find a curve by what it is.</param>
public sealed record LineSeries(string? Label, string Color, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false, string? Role = null) : PlotSeries(Label, Color);

/// <summary>A shaded region between two curves over the same x (a confidence band).</summary>
public sealed record BandSeries(string? Label, string Color, IReadOnlyList<double> X, IReadOnlyList<double> Low, IReadOnlyList<double> High) : PlotSeries(Label, Color);

/// <summary>A horizontal line across the whole plot at <see cref="Y"/> (a known floor, a theory value).</summary>
public sealed record ReferenceLine(string? Label, string Color, double Y) : PlotSeries(Label, Color);
