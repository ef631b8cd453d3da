using System.CommandLine;

namespace MiniTransformer.Cli.Commands;

/// <summary>Options every verb shares, defined once so their names and help read the same everywhere.</summary>
public static class CommonOptions
{
    /// <summary>Machine-readable output on stdout instead of the human table (recursive: valid after any verb).</summary>
    public static readonly Option<bool> Json = new("--json") { Description = "Print machine-readable JSON instead of text", Recursive = true };

    public static Option<bool> Force() => new("--force") { Description = "Overwrite output files that already exist" };

    public static Option<ulong> Seed(ulong defaultSeed = 0) =>
        new("--seed") { Description = "Seed of every random choice (same seed, same bits)", DefaultValueFactory = _ => defaultSeed };
}
