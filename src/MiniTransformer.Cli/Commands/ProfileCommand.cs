using System.CommandLine;
using MiniTransformer.Compute;
using MiniTransformer.IO;
using MiniTransformer.Training;

namespace MiniTransformer.Cli.Commands;

/// <summary>
/// <c>profile</c>: times training steps (forward, backward, AdamW) of a model on random tokens and prints where one
/// step's time goes per op — time, declared FLOPs and bytes, GFLOP/s, GB/s — next to the whole step's rate.
/// </summary>
public static class ProfileCommand
{
    public static Command Create()
    {
        var vocab = new Option<int>("--vocab") { Description = "Vocabulary size", DefaultValueFactory = _ => 1024 };
        var context = new Option<int>("--context") { Description = "Positions per sequence", DefaultValueFactory = _ => 50 };
        var batch = new Option<int>("--batch") { Description = "Sequences per step", DefaultValueFactory = _ => 32 };
        var steps = new Option<int>("--steps") { Description = "Un-instrumented steps timed for the step rate (median)", DefaultValueFactory = _ => 5 };
        var model = new ModelOptions();
        var seed = CommonOptions.Seed();
        var backend = CommonOptions.Backend();
        var threads = TrainCommand.ThreadsOption();
        var command = new Command("profile", "Profile one training step per op: time, FLOPs, bytes, GFLOP/s (random tokens)")
        {
            vocab, context, batch, steps, seed, backend, threads,
        };
        model.AddTo(command);
        command.SetAction(parse =>
        {
            var config = model.Read(parse, parse.GetValue(vocab), parse.GetValue(context));
            int b = parse.GetValue(batch), timed = parse.GetValue(steps);
            if (b < 1) throw new UserInputException($"--batch {b} must be at least 1");
            if (timed < 1) throw new UserInputException($"--steps {timed} must be at least 1");
            using var device = TrainCommand.CreateBackend(parse.GetValue(backend), parse.GetValue(threads));
            var profile = StepProfiler.Profile(device, config, b, parse.GetValue(seed), timedSteps: timed);
            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(CommonOptions.Json))
            {
                stdout.WriteLine(Json.Serialize(profile));
                return 0;
            }
            stdout.WriteLine($"{profile.Backend}: vocab {config.VocabSize}, {config.Layers} layers, width {config.Width}, {config.HeadCount} heads, " +
                             $"batch {b}×{config.SequenceLength}, {profile.Parameters:N0} parameters, {config.Parameterization.ToString().ToLowerInvariant()}");
            stdout.WriteLine($"step {profile.StepSeconds * 1e3:F2} ms (median of {timed} after {profile.WarmupSteps} warm-up), {profile.TokensPerSecond:N0} tokens/s, " +
                             $"{profile.FlopsPerStep / 1e9:F3} GFLOP/step, {profile.GflopsPerSecond:F1} GFLOP/s; " +
                             $"CPU time {profile.CpuSecondsPerStep * 1e3:F2} ms/step = {profile.Config.SequenceLength * b / profile.CpuSecondsPerStep:N0} tokens per CPU-second");
            double total = profile.Ops.Sum(o => o.Seconds);
            stdout.WriteLine($"per op (one step, synchronised around every op: {total * 1e3:F2} ms):");
            WriteTable(stdout, "op", profile.Ops, total);
            stdout.WriteLine();
            stdout.WriteLine("GEMM by shape (variant M×N×K of op(A)·op(B); α: scaled; β: accumulates into C; % of the step's op time):");
            WriteTable(stdout, "gemm", profile.GemmShapes, total);
            return 0;
        });
        return command;
    }

    private static void WriteTable(TextWriter stdout, string what, IReadOnlyList<OpProfile> rows, double totalSeconds)
    {
        int width = Math.Max(20, rows.Select(o => o.Op.Length).DefaultIfEmpty(0).Max());
        stdout.WriteLine($"{what.PadRight(width)} {"launches",8} {"ms",9} {"%",6} {"GFLOP",9} {"MB",9} {"GFLOP/s",9} {"GB/s",8}");
        foreach (var o in rows)
            stdout.WriteLine($"{o.Op.PadRight(width)} {o.Launches,8} {o.Seconds * 1e3,9:F3} {100 * o.Seconds / totalSeconds,6:F1} {o.Flops / 1e9,9:F4} {o.Bytes / 1e6,9:F2} {o.GflopsPerSecond,9:F1} {o.GigabytesPerSecond,8:F1}");
    }
}
