using System.CommandLine;
using MiniTransformer.Cli.Commands;

namespace MiniTransformer.Cli;

/// <summary>
/// The command line: one root with verb groups, each built in its own file under Commands/. Parse errors and
/// <see cref="UserInputException"/>s become one line on stderr and exit code 2; anything else is a bug and
/// propagates with its stack trace.
/// </summary>
public static class CliApp
{
    public const int UserError = 2;

    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var root = BuildRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            stderr.WriteLine($"error: {OneLine(parse.Errors[0].Message)}");
            return UserError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (UserInputException e)
        {
            stderr.WriteLine($"error: {OneLine(e.Message)}");
            return UserError;
        }
    }

    /// <summary>Some parser messages (e.g. AcceptOnlyFromAmong) span lines; a user error is always one line.</summary>
    private static string OneLine(string message) =>
        string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("MiniTransformer: scaling-law experiments on synthetic data — data, kernels, training, sweeps, fits, reports.");
        root.Options.Add(CommonOptions.Json);
        const string data = "Generate and inspect data sets";
        AddToGroup(root, "data", data, DataGraphCommand.Create());
        AddToGroup(root, "data", data, DataWalksCommand.Create());
        AddToGroup(root, "data", data, DataInspectCommand.Create());
        AddToGroup(root, "data", data, PercolationDataCommand.Create());
        root.Subcommands.Add(SweepCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ProfileCommand.Create());
        root.Subcommands.Add(FitCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(KnnCommands.Create());
        root.Subcommands.Add(DevicesCommand.Create());
        root.Subcommands.Add(LangCommands.Create());
        return root;
    }

    /// <summary>Adds <paramref name="verb"/> under the group <paramref name="group"/> (e.g. "data"), creating the group once.</summary>
    public static void AddToGroup(RootCommand root, string group, string description, Command verb)
    {
        var existing = root.Subcommands.FirstOrDefault(c => c.Name == group);
        if (existing is null)
        {
            existing = new Command(group, description);
            root.Subcommands.Add(existing);
        }
        existing.Subcommands.Add(verb);
    }
}
