using System.CommandLine;
using MiniTransformer.Compute;
using MiniTransformer.Data;
using MiniTransformer.IO;
using MiniTransformer.Model;
using MiniTransformer.Training;
using Spectre.Console;

namespace MiniTransformer.Cli.Commands;

/// <summary>
/// <c>train</c>: one training run of the tiny GPT on a token file, written as a run record (JSON). Vocabulary and
/// context come from the data sidecar (context = sequence length − 1: every sequence is one example).
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Training token file (.bin with its .json sidecar), streamed once in order", Required = true };
        var test = new Option<string>("--test") { Description = "Held-out token file for test-loss evaluations (same vocabulary and sequence length)", Required = true };
        var tokens = new Option<long>("--tokens") { Description = "Training tokens D; the run takes ⌊D / (batch · context)⌋ steps", Required = true };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate (2% linear warm-up, then cosine to zero)", Required = true };
        var model = new ModelOptions();
        var batch = new Option<int>("--batch") { Description = "Sequences per step", DefaultValueFactory = _ => 32 };
        var weightDecay = new Option<float>("--weight-decay") { Description = "Decoupled AdamW weight decay (matrices only; never LayerNorm or biases)", DefaultValueFactory = _ => 0.01f };
        var warmup = new Option<double>("--warmup") { Description = "Fraction of steps with linear warm-up", DefaultValueFactory = _ => 0.02 };
        var clip = new Option<float>("--clip") { Description = "Global gradient-norm clipping threshold (0 = off)", DefaultValueFactory = _ => 1f };
        var evalPoints = new Option<int>("--eval-points") { Description = "Test-loss evaluations at log-spaced steps, the last at the end", DefaultValueFactory = _ => 8 };
        var evalBatches = new Option<int>("--eval-batches") { Description = "Test batches averaged per evaluation", DefaultValueFactory = _ => 8 };
        var logEvery = new Option<int>("--log-every") { Description = "Record the training loss every N steps (0 = about 500 points)", DefaultValueFactory = _ => 0 };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Save a checkpoint here every --checkpoint-every steps and at the end" };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints", DefaultValueFactory = _ => 1000 };
        var resume = new Option<string?>("--resume") { Description = "Continue the run saved in this checkpoint (same options and data)" };
        var seed = CommonOptions.Seed();
        var backend = CommonOptions.Backend();
        var threads = ThreadsOption();
        var output = new Option<string>("--out") { Description = "Run record to write (JSON)", Required = true };
        var force = CommonOptions.Force();

        var command = new Command("train", "Train the tiny GPT on a token file and write a run record (loss curve, test loss, exact FLOPs, 6ND)")
        {
            data, test, tokens, lr, batch, weightDecay, warmup, clip, evalPoints, evalBatches, logEvery,
            checkpoint, checkpointEvery, resume, seed, backend, threads, output, force,
        };
        model.AddTo(command);
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            bool overwrite = parse.GetValue(force);
            AtomicFile.EnsureWritable(outPath, overwrite);
            string? checkpointPath = parse.GetValue(checkpoint);
            string? resumePath = parse.GetValue(resume);
            if (checkpointPath is not null && checkpointPath != resumePath) AtomicFile.EnsureWritable(checkpointPath, overwrite);
            int every = parse.GetValue(checkpointEvery);
            if (every < 1) throw new UserInputException($"--checkpoint-every {every} must be at least 1");

            string trainPath = parse.GetValue(data)!, testPath = parse.GetValue(test)!;
            var sidecar = TokenFile.ReadSidecar(trainPath);
            var options = new TrainingOptions(
                model.Read(parse, sidecar.VocabSize, sidecar.SequenceLength - 1),
                parse.GetValue(batch), parse.GetValue(tokens), parse.GetValue(lr), parse.GetValue(seed),
                new AdamWSettings(WeightDecay: parse.GetValue(weightDecay)),
                parse.GetValue(warmup), parse.GetValue(clip), parse.GetValue(evalPoints), parse.GetValue(evalBatches),
                parse.GetValue(logEvery)).Validate();

            using var device = CreateBackend(parse.GetValue(backend), parse.GetValue(threads));
            using var trainer = resumePath is null
                ? new Trainer(device, options, trainPath, testPath)
                : Trainer.Resume(device, resumePath, options, trainPath, testPath);
            var stdout = parse.InvocationConfiguration.Output;
            bool json = parse.GetValue(CommonOptions.Json);

            void AfterStep(Trainer t)
            {
                if (checkpointPath is not null && (t.State.Step % every == 0 || t.Finished)) t.SaveCheckpoint(checkpointPath, force: true);
            }

            if (!json && !Console.IsOutputRedirected && ReferenceEquals(stdout, Console.Out))
                AnsiConsole.Progress().Start(ctx =>
                {
                    var task = ctx.AddTask("training", maxValue: options.Steps);
                    task.Value = trainer.State.Step;
                    trainer.RunToEnd(t => { AfterStep(t); task.Value = t.State.Step; });
                });
            else
                trainer.RunToEnd(AfterStep);

            var record = trainer.Record();
            AtomicFile.WriteAllText(outPath, Json.Serialize(record), overwrite);
            if (json) stdout.WriteLine(Json.Serialize(record));
            else
                stdout.WriteLine(record.Status == RunStatus.Completed
                    ? $"completed {record.StepsDone} steps, {record.Tokens:N0} tokens: test loss {record.FinalTestLoss:F4} nats" +
                      (record.EntropyRateNats is { } h ? $" (entropy rate {h:F4})" : "") +
                      $", {record.Compute.TrainingFlops:E3} FLOPs (6ND {record.Compute.SixNdWithEmbeddings:E3}), {record.TokensPerSecond:N0} tokens/s → {outPath}"
                    : $"diverged: {record.DivergenceReason} → {outPath}");
            return 0;
        });
        return command;
    }

    /// <summary>--threads: worker threads of the CPU backend (results are bit-identical for any count).</summary>
    public static Option<int> ThreadsOption() => new("--threads")
    {
        Description = "CPU backend worker threads, 0 = all processors (results do not depend on it)",
        DefaultValueFactory = _ => 0,
    };

    public static ComputeBackend CreateBackend(BackendKind kind, int threads)
    {
        if (threads < 0) throw new UserInputException($"--threads {threads} must be ≥ 0");
        return kind == BackendKind.Cpu ? new MiniTransformer.Compute.Cpu.CpuBackend(threads > 0 ? threads : null) : Backends.Create(kind);
    }
}

/// <summary>The architecture options shared by <c>train</c> and <c>profile</c>.</summary>
public sealed class ModelOptions
{
    public Option<int> Layers { get; } = new("--layers") { Description = "Transformer blocks", DefaultValueFactory = _ => 2 };
    public Option<int> Width { get; } = new("--width") { Description = "Model width d", DefaultValueFactory = _ => 128 };
    public Option<int?> Heads { get; } = new("--heads") { Description = "Attention heads (default max(4, width/64))" };
    public Option<string> Param { get; } = new("--param") { Description = "Parameterisation: sp or mup", DefaultValueFactory = _ => "mup" };
    public Option<int> BaseWidth { get; } = new("--base-width") { Description = "μP base width (where μP equals SP up to zero inits and attention scale)", DefaultValueFactory = _ => 128 };
    public Option<string> Positions { get; } = new("--positions") { Description = "Position encoding: rotary or learned", DefaultValueFactory = _ => "rotary" };
    public Option<bool> Untied { get; } = new("--untied") { Description = "Untie the readout from the token embedding" };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Layers, Width, Heads, Param, BaseWidth, Positions, Untied }) command.Options.Add(o);
    }

    public GptConfig Read(ParseResult parse, int vocab, int context) => new GptConfig(
        vocab, context, parse.GetValue(Layers), parse.GetValue(Width),
        parse.GetValue(Param)!.ToLowerInvariant() switch
        {
            "sp" => Parameterization.Sp,
            "mup" => Parameterization.Mup,
            var p => throw new UserInputException($"--param '{p}' must be sp or mup"),
        },
        parse.GetValue(BaseWidth), parse.GetValue(Heads),
        parse.GetValue(Positions)!.ToLowerInvariant() switch
        {
            "rotary" or "rope" => PositionEncoding.Rotary,
            "learned" => PositionEncoding.Learned,
            var p => throw new UserInputException($"--positions '{p}' must be rotary or learned"),
        },
        TiedEmbeddings: !parse.GetValue(Untied)).Validate();
}
