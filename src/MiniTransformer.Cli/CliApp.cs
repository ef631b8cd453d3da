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
            stderr.WriteLine($"error: {parse.Errors[0].Message}");
            return UserError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (UserInputException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return UserError;
        }
    }

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("MiniTransformer: scaling-law experiments on synthetic data — data, kernels, training, sweeps, fits, reports.");
        root.Options.Add(CommonOptions.Json);
        root.Subcommands.Add(DevicesCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ProfileCommand.Create());
        AddToGroup(root, "data", "Generate and inspect data sets", DataGraphCommand.Create());
        AddToGroup(root, "data", "Generate and inspect data sets", DataWalksCommand.Create());
        AddToGroup(root, "data", "Generate and inspect data sets", DataInspectCommand.Create());
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
