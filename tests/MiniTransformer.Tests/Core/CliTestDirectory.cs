using MiniTransformer.Cli;

namespace MiniTransformer.Tests.Core;

/// <summary>
/// End-to-end verb tests: a temporary directory for the files a verb reads and writes, and the CLI run in-process
/// through <see cref="CliApp.Run"/> with its exit code and both output streams captured.
/// </summary>
public abstract class CliTestDirectory(string prefix) : IDisposable
{
    protected string Dir { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected string P(string name) => Path.Combine(Dir, name);

    protected static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    protected void RunOk(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.True(code == 0, $"{string.Join(' ', args)}: {err}");
    }
}
