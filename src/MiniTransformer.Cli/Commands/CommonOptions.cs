using System.CommandLine;
using MiniTransformer.Compute;

namespace MiniTransformer.Cli.Commands;

/// <summary>Options every verb shares, defined once so their names and help read the same everywhere.</summary>
public static class CommonOptions
{
    /// <summary>Machine-readable output on stdout instead of the human table (recursive: valid after any verb).</summary>
    public static readonly Option<bool> Json = new("--json") { Description = "Print machine-readable JSON instead of text", Recursive = true };

    public static Option<bool> Force() => new("--force") { Description = "Overwrite output files that already exist" };

    public static Option<ulong> Seed(ulong defaultSeed = 0) =>
        new("--seed") { Description = "Seed of every random choice (same seed, same bits)", DefaultValueFactory = _ => defaultSeed };

    /// <summary>
    /// The compute backend a verb runs on: <c>--backend cpu|opencl|cuda</c>, defaulting to $MT_BACKEND, else cpu.
    /// Resolve it with <see cref="Backends.Create"/>; an absent backend then fails with its one-line reason.
    /// </summary>
    public static Option<BackendKind> Backend() => new("--backend")
    {
        Description = $"Compute backend: cpu, opencl or cuda (default: ${Backends.EnvironmentVariable}, else cpu; see `devices`)",
        HelpName = "cpu|opencl|cuda",
        CustomParser = result => ParseBackend(result, result.Tokens.Count > 0 ? result.Tokens[0].Value : ""),
        DefaultValueFactory = result =>
            ParseBackend(result, Environment.GetEnvironmentVariable(Backends.EnvironmentVariable) is { Length: > 0 } name ? name : "cpu"),
    };

    private static BackendKind ParseBackend(System.CommandLine.Parsing.ArgumentResult result, string name)
    {
        try { return Backends.Parse(name); }
        catch (UserInputException e)
        {
            result.AddError(e.Message);
            return BackendKind.Cpu;
        }
    }
}
