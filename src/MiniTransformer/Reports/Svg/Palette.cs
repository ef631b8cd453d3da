namespace MiniTransformer.Reports.Svg;

/// <summary>
/// The Okabe–Ito palette (Okabe &amp; Ito 2008): eight colours that stay distinguishable under the common forms of
/// colour-vision deficiency. Black is kept for reference lines; series cycle through the other seven.
/// </summary>
public static class Palette
{
    public const string Black = "#000000";
    public const string Grey = "#777777";

    public static IReadOnlyList<string> Series { get; } =
    [
        "#0072B2", // blue
        "#D55E00", // vermillion
        "#009E73", // bluish green
        "#CC79A7", // reddish purple
        "#E69F00", // orange
        "#56B4E9", // sky blue
        "#F0E442", // yellow (last: weakest on white)
    ];

    public static string Color(int index) => Series[((index % Series.Count) + Series.Count) % Series.Count];

    /// <summary>Marker shapes paired with colours so series also differ without colour (greyscale print).</summary>
    public static MarkerShape Marker(int index) => (MarkerShape)(((index % 4) + 4) % 4);
}

public enum MarkerShape { Circle, Square, Diamond, Triangle }
