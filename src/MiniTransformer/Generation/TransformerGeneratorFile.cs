using System.Text.Json.Nodes;
using MiniTransformer.Compute;
using MiniTransformer.Data;
using MiniTransformer.IO;
using MiniTransformer.Language;
using MiniTransformer.Training;

namespace MiniTransformer.Generation;

/// <summary>
/// The transformer generator file (JSON, <see cref="CurrentFormat"/>) that `lang generators train --kind transformer`
/// writes and `lang sample` opens: it names the training checkpoint beside it (<c>checkpoint</c>, a file name resolved
/// against the JSON's directory, so the pair can be moved together) and records what the sampler needs besides it —
/// <c>unigram_counts</c>, the training file's token counts (the first-token distribution of sampled sequences, the same
/// convention as the bigram's) — and what the ladder reports: <c>test_loss_nats</c> (null without a test file),
/// <c>train_loss_nats</c> (the last logged training loss), layers, width, parameter counts, steps, tokens, learning
/// rate, seed, wall time and <c>source</c> (the token files and their sidecars' generator).
/// </summary>
public sealed record TransformerGeneratorFile(
    string Format, int VocabSize, int SequenceLength, string Checkpoint, int Layers, int Width, int Heads,
    long Parameters, long NonEmbeddingParameters, int Steps, long Tokens, float LearningRate, ulong Seed,
    double? TrainLossNats, double? TestLossNats, double WallSeconds, string Backend, long[] UnigramCounts, JsonObject Source)
{
    public const string CurrentFormat = "minitransformer.transformer-generator.v1";

    /// <summary>The checkpoint written beside a generator file: <c>NAME.ckpt</c> for <c>NAME.json</c>.</summary>
    public static string CheckpointPathFor(string generatorPath) => Path.ChangeExtension(Path.GetFullPath(generatorPath), ".ckpt");

    /// <summary>
    /// Trains a generator with <see cref="GeneratorTraining.Train"/> and writes the checkpoint and this file. The checkpoint
    /// is trained into a hidden temporary and renamed only when training converged, so a diverged run (a user's learning
    /// rate too high) leaves nothing behind and is reported as bad input.
    /// </summary>
    public static TransformerGeneratorFile Train(ComputeBackend backend, TrainingOptions options, string trainPath, string? testPath,
        string outPath, bool force)
    {
        string checkpointPath = CheckpointPathFor(outPath);
        AtomicFile.EnsureWritable(outPath, force);
        AtomicFile.EnsureWritable(checkpointPath, force);
        var sidecar = TokenFile.ReadSidecar(trainPath);
        var unigram = new long[sidecar.VocabSize];
        foreach (uint t in TokenFile.ReadTokens(trainPath, sidecar)) unigram[t]++;
        var source = new JsonObject { ["train_file"] = Path.GetFullPath(trainPath), ["train_generator"] = sidecar.Generator?.DeepClone() };
        if (testPath is not null)
        {
            var testSidecar = TokenFile.ReadSidecar(testPath);
            if (testSidecar.VocabSize != sidecar.VocabSize || testSidecar.SequenceLength != sidecar.SequenceLength)
                throw new UserInputException($"the test file ({testSidecar.VocabSize} tokens, sequences of {testSidecar.SequenceLength}) does not match the training file ({sidecar.VocabSize}, {sidecar.SequenceLength})");
            source["test_file"] = Path.GetFullPath(testPath);
        }

        string temp = AtomicFile.TempSibling(checkpointPath);
        GeneratorTrainingResult result;
        try
        {
            // Without a test file the trainer evaluates on the training file; that number is not recorded as a test loss.
            result = GeneratorTraining.Train(backend, options, trainPath, testPath ?? trainPath, temp, force: false);
            if (result.Status != RunStatus.Completed)
                throw new UserInputException($"generator training diverged ({result.Record.DivergenceReason}); lower --lr");
            File.Move(temp, checkpointPath, overwrite: force);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        var record = result.Record;
        var file = new TransformerGeneratorFile(CurrentFormat, sidecar.VocabSize, sidecar.SequenceLength, Path.GetFileName(checkpointPath),
            result.Layers, result.Width, options.Model.HeadCount, result.Parameters, result.NonEmbeddingParameters, result.Steps, result.Tokens,
            options.LearningRate, options.Seed, record.LossCurve.Count > 0 ? record.LossCurve[^1].Loss : null,
            testPath is null ? null : result.TestLoss, result.WallSeconds, record.Backend, unigram, source);
        AtomicFile.WriteAllText(outPath, Json.Serialize(file), force);
        return file;
    }

    /// <summary>Reads a generator file and checks that its checkpoint is there and matches it.</summary>
    public static (TransformerGeneratorFile File, string CheckpointPath) Load(string path)
    {
        var file = Json.ReadFile<TransformerGeneratorFile>(path);
        if (file.Format != CurrentFormat) throw new UserInputException($"'{path}' is not a transformer generator file (format '{file.Format}', expected '{CurrentFormat}')");
        if (file.UnigramCounts is null || file.Checkpoint is null) throw new UserInputException($"'{path}' lacks unigram_counts or checkpoint");
        if (file.UnigramCounts.Length != file.VocabSize) throw new UserInputException($"'{path}': unigram_counts has {file.UnigramCounts.Length} entries, vocab_size is {file.VocabSize}");
        string checkpoint = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, file.Checkpoint);
        if (!File.Exists(checkpoint)) throw new UserInputException($"'{path}' names checkpoint '{checkpoint}', which does not exist");
        return (file, checkpoint);
    }

    /// <summary>The description `lang sample` records in the samples' sidecar.</summary>
    public JsonObject Describe(string path) => new()
    {
        ["kind"] = "transformer",
        ["file"] = Path.GetFullPath(path),
        ["checkpoint"] = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, Checkpoint),
        ["vocab_size"] = VocabSize,
        ["layers"] = Layers,
        ["width"] = Width,
        ["parameters"] = Parameters,
        ["tokens"] = Tokens,
        ["entropy_rate_nats"] = null, // unknown for a transformer: the samples' Monte-Carlo estimate is the floor
        ["test_loss_nats"] = TestLossNats,
        ["source"] = Source?.DeepClone(),
    };
}
