using MiniTransformer.Data;
using MiniTransformer.Model;
using MiniTransformer.Training;

namespace MiniTransformer.Sweeps;

/// <summary>
/// Runs one student of a ladder sweep: the fixed-architecture transformer trained with the ordinary <see cref="Trainer"/>
/// on its rung's training file and evaluated on the rung's test file; the run record becomes the store's row (with the
/// rung) and curve. The student's seed varies its initialisation; every seed of a rung reads the same training sample.
/// </summary>
public sealed class LadderRunExecutor(LadderData data) : IRunExecutor<LadderRunConfig>
{
    private readonly Dictionary<string, LadderRungData> _rungs = data.Rungs.ToDictionary(r => r.Name);

    public TrainingOptions OptionsFor(LadderRunConfig c)
    {
        var rung = _rungs[c.Rung.Name];
        var test = TokenFile.ReadSidecar(rung.TestPath);
        int context = c.Data.SequenceLength - 1;
        var model = new GptConfig(test.VocabSize, context, c.Layers, c.Width, c.Param == "sp" ? Parameterization.Sp : Parameterization.Mup, c.BaseWidth,
            c.Heads, c.Positions == "learned" ? PositionEncoding.Learned : PositionEncoding.Rotary, c.TiedEmbeddings);
        // Evaluate on up to data.test_tokens, and never on more batches than the rung's test file holds.
        long evalBatches = Math.Min(c.Data.TestTokens / ((long)c.Batch * context), test.SequenceCount / c.Batch);
        return new TrainingOptions(model, c.Batch, c.Tokens, (float)c.LearningRate, c.Seed,
            new AdamWSettings(WeightDecay: (float)c.WeightDecay), c.WarmupFraction, (float)(c.GradClip ?? 0),
            c.EvalPoints, (int)Math.Max(1, evalBatches)).Validate();
    }

    public RunOutcome Execute(LadderRunConfig config, int threads, CancellationToken cancellation)
    {
        var rung = _rungs[config.Rung.Name];
        var options = OptionsFor(config);
        using var backend = TrainingRun.CreateBackend(config.Backend, threads);
        using var trainer = new Trainer(backend, options, rung.TrainPath, rung.TestPath);
        // The floor stored with the run is the rung's test-sample Monte-Carlo entropy (what its test loss approaches).
        return TrainingRun.Complete(trainer, rung.Floor, cancellation);
    }
}
