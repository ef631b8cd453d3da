using System.Diagnostics;
using System.Reflection;

namespace MiniTransformer.Training;

/// <summary>
/// The code version a run record stores: <c>git describe --always --dirty --tags</c> of the checkout the binaries
/// were built from when git and the repository are at hand, else the assembly's informational version.
/// </summary>
public static class CodeVersion
{
    private static readonly Lazy<string> Value = new(Compute);

    public static string Current => Value.Value;

    private static string Compute()
    {
        var assembly = typeof(CodeVersion).Assembly;
        string fallback = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                          ?? assembly.GetName().Version?.ToString() ?? "unknown";
        try
        {
            var start = new ProcessStartInfo("git", "describe --always --dirty --tags")
            {
                WorkingDirectory = AppContext.BaseDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var git = Process.Start(start);
            if (git is null) return fallback;
            string output = git.StandardOutput.ReadToEnd().Trim();
            if (!git.WaitForExit(5000) || git.ExitCode != 0 || output.Length == 0) return fallback;
            return $"git:{output}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return fallback;   // git is not installed
        }
    }
}
