using System.Text;
using System.Text.RegularExpressions;

namespace MiniTransformer.Compute.Device;

/// <summary>
/// Reads kernels/*.cl (copied next to the assembly) and expands <c>#include "x.cl"</c> itself, once per file,
/// with <c>#line</c> markers so compiler messages name the original file and line. Doing the includes here keeps
/// the OpenCL and NVRTC builds identical and free of include-path options.
/// </summary>
internal static partial class KernelSource
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "kernels");

    /// <summary>The fully expanded source of kernels/<paramref name="file"/>.</summary>
    public static string Load(string file)
    {
        var output = new StringBuilder();
        Expand(file, output, new HashSet<string>(StringComparer.Ordinal));
        return output.ToString();
    }

    private static void Expand(string file, StringBuilder output, HashSet<string> included)
    {
        if (!included.Add(file)) return;
        string path = Path.Combine(Directory, file);
        if (!File.Exists(path))
            throw new FileNotFoundException($"kernel source {path} is missing (kernels/*.cl are copied next to the assembly at build time)", path);
        var lines = File.ReadAllLines(path);
        output.Append("#line 1 \"").Append(file).Append("\"\n");
        for (int i = 0; i < lines.Length; i++)
        {
            var match = IncludeLine().Match(lines[i]);
            if (match.Success)
            {
                Expand(match.Groups[1].Value, output, included);
                output.Append("#line ").Append(i + 2).Append(" \"").Append(file).Append("\"\n");
            }
            else
            {
                output.Append(lines[i]).Append('\n');
            }
        }
    }

    [GeneratedRegex("^\\s*#\\s*include\\s+\"([^\"]+)\"\\s*$")]
    private static partial Regex IncludeLine();
}
