using System.Reflection;

namespace MiniTransformer.Sweeps;

/// <summary>
/// Sweep specs that ship with the project (Sweeps/Presets/*.json, embedded): <c>quick</c>, the default, small enough
/// for two CPU cores in minutes; and specs that mirror the reference experiments at full scale for GPUs and clusters.
/// <c>sweep presets NAME</c> prints one, to copy and edit.
/// </summary>
public static class SweepPresets
{
    public const string Default = "quick";
    private const string Prefix = "MiniTransformer.Sweeps.Presets.";

    public static IReadOnlyList<string> Names { get; } = typeof(SweepPresets).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^".json".Length])
        .Order(StringComparer.Ordinal)
        .ToList();

    public static string Json(string name)
    {
        using var stream = typeof(SweepPresets).Assembly.GetManifestResourceStream($"{Prefix}{name}.json")
            ?? throw new UserInputException($"no preset '{name}' (presets: {string.Join(", ", Names)})");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static SweepSpec Load(string name) => SweepSpecLoader.Parse(Json(name), $"preset '{name}'");
}
