using MiniTransformer.Compute;
using MiniTransformer.Model;
using MiniTransformer.Training;

namespace MiniTransformer.Sweeps;

/// <summary>
/// Runs one sweep run as a transformer training run on walks of the sweep's graph, sampled on the run's compute
/// device as training goes (<see cref="WalkStream"/>): the run config becomes a <see cref="TrainingOptions"/>, the
/// trainer runs to the end (or diverges), and its run record becomes the store's row and curve.
/// </summary>
public sealed class GraphWalkRunExecutor(SweepWalkData data) : IRunExecutor
{
    /// <summary>The training options of a run, as the `train` verb would build them.</summary>
    public TrainingOptions OptionsFor(RunConfig c)
    {
        int context = c.Data.SequenceLength - 1;
        var model = Model(data.Graph.NodeCount, context, c.Layers, c.Width, c.Param, c.BaseWidth, c.Heads, c.Positions, c.TiedEmbeddings);
        int evalBatches = (int)Math.Max(1, c.Data.TestTokens / ((long)c.Batch * context));
        return new TrainingOptions(model, c.Batch, c.Tokens, (float)c.LearningRate, c.Seed,
            new AdamWSettings(WeightDecay: (float)c.WeightDecay), c.WarmupFraction, (float)(c.GradClip ?? 0),
            c.EvalPoints, evalBatches).Validate();
    }

    public RunOutcome Execute(RunConfig config, int threads, CancellationToken cancellation)
    {
        var options = OptionsFor(config);
        using var backend = TrainingRun.CreateBackend(config.Backend, threads);
        using var trainer = StartTrainer(backend, config, options);
        return TrainingRun.Complete(trainer, data.EntropyRate, cancellation);
    }

    /// <summary>A trainer of this run on its device-sampled walks (it owns the streams).</summary>
    public Trainer StartTrainer(ComputeBackend backend, RunConfig config, TrainingOptions options)
    {
        var train = TrainStream(backend, config);
        try
        {
            return new Trainer(backend, options, train, TestStream(backend, config));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <summary>Walks 0 … of stream <c>seed</c>: the run's training data.</summary>
    public WalkStream TrainStream(ComputeBackend backend, RunConfig c)
    {
        int length = c.Data.SequenceLength;
        return new WalkStream(backend, data.Graph, length, c.Batch, c.Seed, SweepWalkData.TrainFirstWalk,
            SweepWalkData.TrainWalks(c.Tokens, length, c.Batch), $"walks of {data.GraphPath}, seed {c.Seed}, from walk {SweepWalkData.TrainFirstWalk}, sampled on the device");
    }

    /// <summary>The held-out walks every run of the sweep is evaluated on.</summary>
    public WalkStream TestStream(ComputeBackend backend, RunConfig c)
    {
        int length = c.Data.SequenceLength;
        return new WalkStream(backend, data.Graph, length, c.Batch, SweepWalkData.TestSeed, SweepWalkData.TestFirstWalk,
            SweepWalkData.TestWalks(c.Data.TestTokens, length), $"walks of {data.GraphPath}, seed {SweepWalkData.TestSeed}, from walk {SweepWalkData.TestFirstWalk}, sampled on the device");
    }

    /// <summary>N without embeddings of a (layers, width) model of this data: turns compute budgets into token budgets.</summary>
    public static long NonEmbeddingParameters(SweepSpec spec, int vocab, int layers, int width)
    {
        var m = spec.Model;
        var config = Model(vocab, spec.Data.SequenceLength - 1, layers, width, m.Param, m.BaseWidth, m.Heads, m.Positions, m.TiedEmbeddings);
        return new ParameterLayout(config).NonEmbeddingCount;
    }

    private static GptConfig Model(int vocab, int context, int layers, int width, string param, int baseWidth, int? heads, string positions, bool tied) =>
        new(vocab, context, layers, width, param == "sp" ? Parameterization.Sp : Parameterization.Mup, baseWidth, heads,
            positions == "learned" ? PositionEncoding.Learned : PositionEncoding.Rotary, tied);
}
