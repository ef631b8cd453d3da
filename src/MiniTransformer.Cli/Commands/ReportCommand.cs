using System.CommandLine;
using MiniTransformer.IO;
using MiniTransformer.Reports;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Cli.Commands;

/// <summary>`report`: the HTML report (inline SVG, opens offline) and Markdown summary of a sweep directory.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = "Sweep directory holding spec.json and results.db", DefaultValueFactory = _ => Path.Combine("runs", SweepPresets.Default) };
        var output = new Option<string?>("--out") { Description = "HTML file to write (default DIR/report.html); the Markdown summary goes beside it as .md" };
        var noProfile = new Option<bool>("--no-profile") { Description = "Skip timing one training step of the median model" };
        var resamples = new Option<int>("--bootstrap") { Description = "Bootstrap resamples of the exponent intervals (BCa)", DefaultValueFactory = _ => 4000 };
        var force = CommonOptions.Force();
        var seed = CommonOptions.Seed();
        var command = new Command("report", "Write a sweep's report: one self-contained HTML file (plots, fits, exponents, FLOPs, runs) and a Markdown summary")
        {
            dir, output, noProfile, resamples, force, seed,
        };
        command.SetAction(parse =>
        {
            int r = parse.GetValue(resamples);
            if (r < 100) throw new UserInputException($"--bootstrap needs at least 100 resamples (got {r})");
            var paths = SweepReport.Write(parse.GetValue(dir)!, new ReportOptions
            {
                OutputPath = parse.GetValue(output),
                Force = parse.GetValue(force),
                Profile = !parse.GetValue(noProfile),
                Fits = new ReportFitOptions { IntervalResamples = r, Seed = parse.GetValue(seed) },
            });
            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(CommonOptions.Json)) stdout.WriteLine(Json.Serialize(paths));
            else stdout.WriteLine($"wrote {paths.Html}\nwrote {paths.Markdown}");
            return 0;
        });
        return command;
    }
}
