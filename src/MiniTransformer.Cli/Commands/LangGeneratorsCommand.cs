using System.CommandLine;
using MiniTransformer.Generation;
using MiniTransformer.IO;
using MiniTransformer.Language;

namespace MiniTransformer.Cli.Commands;

/// <summary>
/// `lang generators train`: fit a generator of token sequences on a token file. Kinds: <c>bigram</c> (add-α table,
/// exact entropy rate) and <c>transformer</c> (the tiny GPT trained with the engine's Trainer: layers, width, tokens,
/// learning rate, seed, backend). Options of one kind given with the other are refused, so a command line always
/// means what it says.
/// </summary>
public static class LangGeneratorsCommand
{
    public const string Bigram = "bigram", Transformer = "transformer";

    public static Command Train()
    {
        var kind = new Option<string>("--kind") { Description = "Generator kind: bigram or transformer", DefaultValueFactory = _ => Bigram };
        kind.AcceptOnlyFromAmong(Bigram, Transformer);
        var data = new Option<string>("--data") { Description = "Training token file (.bin with its .json sidecar), e.g. from `lang encode`", Required = true };
        var test = new Option<string?>("--test") { Description = "Held-out token file: its loss under the generator is recorded in the generator file" };
        var output = new Option<string>("--out") { Description = "Generator file to write", Required = true };
        var force = CommonOptions.Force();
        // bigram
        var alpha = new Option<double?>("--alpha") { Description = "bigram: add-α smoothing, P(v|u) = (c_uv + α)/(n_u + αV); default 1/V (one pseudo-count per row)" };
        // transformer (trained with the engine's Trainer)
        var model = new ModelOptions();
        var tokens = new Option<long?>("--tokens") { Description = "transformer: training tokens D" };
        var lr = new Option<float?>("--lr") { Description = "transformer: peak learning rate (2% warm-up, cosine to zero)" };
        var batch = new Option<int>("--batch") { Description = "transformer: sequences per step", DefaultValueFactory = _ => 32 };
        var seed = CommonOptions.Seed();
        var backend = CommonOptions.Backend();
        var threads = TrainCommand.ThreadsOption();

        var command = new Command("train", "Train a generator (bigram table or transformer) on a token file and save it for `lang sample`")
        {
            kind, data, test, output, force, alpha, tokens, lr, batch, seed, backend, threads,
        };
        model.AddTo(command);
        Option[] transformerOnly = [model.Layers, model.Width, model.Heads, model.Param, model.BaseWidth, model.Positions, model.Untied, tokens, lr, batch, seed, backend, threads];

        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            bool overwrite = parse.GetValue(force);
            AtomicFile.EnsureWritable(outPath, overwrite);
            var writer = parse.InvocationConfiguration.Output;
            switch (parse.GetValue(kind))
            {
                case Bigram:
                    foreach (var option in transformerOnly)
                        if (parse.GetResult(option) is { Implicit: false })
                            throw new UserInputException($"{option.Name} applies to --kind transformer, not bigram");
                    var contents = BigramModel.Train(parse.GetValue(data)!, parse.GetValue(test), parse.GetValue(alpha), outPath, overwrite);
                    if (parse.GetValue(CommonOptions.Json))
                        writer.WriteLine(Json.Serialize(new
                        {
                            File = Path.GetFullPath(outPath), contents.VocabSize, contents.Alpha, contents.EntropyRateNats,
                            contents.TrainLossNats, contents.TestLossNats, ObservedPairs = contents.Next.Length,
                        }));
                    else
                        writer.WriteLine($"wrote {outPath}: bigram, vocabulary {contents.VocabSize:N0}, α = {contents.Alpha:G4}, {contents.Next.Length:N0} observed pairs; " +
                                         $"entropy rate {contents.EntropyRateNats:F4} nats/token, train loss {contents.TrainLossNats:F4}" +
                                         (contents.TestLossNats is { } t ? $", test loss {t:F4}" : ""));
                    return 0;
                default:
                    if (parse.GetResult(alpha) is { Implicit: false }) throw new UserInputException("--alpha applies to --kind bigram, not transformer");
                    if (parse.GetValue(tokens) is not { } d) throw new UserInputException("--kind transformer needs --tokens (training tokens D)");
                    if (parse.GetValue(lr) is not { } rate) throw new UserInputException("--kind transformer needs --lr (peak learning rate)");
                    string trainPath = parse.GetValue(data)!;
                    var defaults = GeneratorTraining.Options(trainPath, parse.GetValue(model.Layers), parse.GetValue(model.Width), parse.GetValue(batch), d, rate, parse.GetValue(seed));
                    var options = (defaults with { Model = model.Read(parse, defaults.Model.VocabSize, defaults.Model.SequenceLength) }).Validate();
                    using (var computeBackend = TrainCommand.CreateBackend(parse.GetValue(backend), parse.GetValue(threads)))
                    {
                        var file = TransformerGeneratorFile.Train(computeBackend, options, trainPath, parse.GetValue(test), outPath, overwrite);
                        if (parse.GetValue(CommonOptions.Json))
                            writer.WriteLine(Json.Serialize(new
                            {
                                File = Path.GetFullPath(outPath), Checkpoint = TransformerGeneratorFile.CheckpointPathFor(outPath), file.VocabSize, file.Layers, file.Width,
                                file.Parameters, file.Steps, file.Tokens, file.TrainLossNats, file.TestLossNats, file.WallSeconds,
                            }));
                        else
                            writer.WriteLine($"wrote {outPath} (+ {Path.GetFileName(TransformerGeneratorFile.CheckpointPathFor(outPath))}): transformer, {file.Layers} layers × width {file.Width}, " +
                                             $"{file.Parameters:N0} parameters, {file.Tokens:N0} tokens in {file.Steps:N0} steps ({file.WallSeconds:F1} s); " +
                                             $"train loss {file.TrainLossNats:F4}" + (file.TestLossNats is { } tl ? $", test loss {tl:F4} nats/token" : ""));
                    }
                    return 0;
            }
        });
        return command;
    }
}
