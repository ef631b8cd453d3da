using MiniTransformer.Compute;
using MiniTransformer.Data;
using MiniTransformer.Model;
using MiniTransformer.Training;

namespace MiniTransformer.Generation;

/// <summary>What training one transformer generator produced: where its checkpoint is and how well it models held-out text.</summary>
/// <param name="TestLoss">Mean cross-entropy (nats per token) on the test file at the last step; null when the run diverged.</param>
/// <param name="Record">The full run record (loss curve, evaluations, exact FLOPs), as `train` writes it.</param>
public sealed record GeneratorTrainingResult(
    string CheckpointPath,
    int Layers,
    int Width,
    long Parameters,
    long NonEmbeddingParameters,
    int Steps,
    long Tokens,
    double? TestLoss,
    RunStatus Status,
    double WallSeconds,
    RunRecord Record);

/// <summary>
/// Trains a transformer generator of the language ladder (1, 2 or 4 layers; any depth is accepted) on a token file with
/// the ordinary <see cref="Trainer"/>, writes its checkpoint (which carries the model config in its options, so
/// <see cref="TransformerSampler.Load"/> needs nothing else) and returns its test loss.
/// </summary>
public static class GeneratorTraining
{
    /// <summary>
    /// Training options for a generator of <paramref name="layers"/> layers and <paramref name="width"/> on the token
    /// file <paramref name="trainPath"/> (vocabulary from its sidecar; context = its sequence length − 1, as every sequence
    /// of S tokens is S − 1 predictions): μP, rotary positions, tied embeddings, cosine schedule with 2% warm-up,
    /// clipping at 1.
    /// </summary>
    public static TrainingOptions Options(string trainPath, int layers, int width, int batchSize, long tokens, float learningRate, ulong seed)
    {
        if (!File.Exists(trainPath)) throw new UserInputException($"token file '{trainPath}' does not exist");
        var sidecar = TokenFile.ReadSidecar(trainPath);
        var model = new GptConfig(sidecar.VocabSize, sidecar.SequenceLength - 1, layers, width);
        return new TrainingOptions(model, batchSize, tokens, learningRate, seed, new AdamWSettings(), ClipNorm: 1f).Validate();
    }

    /// <summary>Runs <paramref name="options"/> to the end and writes the checkpoint atomically (existing files need <paramref name="force"/>).</summary>
    public static GeneratorTrainingResult Train(ComputeBackend backend, TrainingOptions options, string trainPath, string testPath,
        string checkpointPath, bool force, Action<Trainer>? afterStep = null)
    {
        if (File.Exists(checkpointPath) && !force)
            throw new UserInputException($"'{checkpointPath}' exists; pass --force to overwrite it");
        using var trainer = new Trainer(backend, options, trainPath, testPath);
        trainer.RunToEnd(afterStep);
        trainer.SaveCheckpoint(checkpointPath, force);
        var record = trainer.Record();
        var model = options.Model;
        return new GeneratorTrainingResult(Path.GetFullPath(checkpointPath), model.Layers, model.Width, record.Parameters.Total,
            record.Parameters.NonEmbedding, record.StepsDone, record.Tokens, record.FinalTestLoss, record.Status, record.WallSeconds, record);
    }
}
