using MiniTransformer.Compute;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.Data;
using MiniTransformer.Model;
using MiniTransformer.Training;

namespace MiniTransformer.Sweeps;

/// <summary>
/// Runs one sweep run as a transformer training run on the sweep's walk files: the run config becomes a
/// <see cref="TrainingOptions"/>, the trainer runs to the end (or diverges), and its run record becomes the
/// store's row and curve.
/// </summary>
public sealed class GraphWalkRunExecutor(SweepDataFiles data) : IRunExecutor
{
    private readonly TokenSidecar _sidecar = TokenFile.ReadSidecar(data.TestPath);

    /// <summary>The training options of a run, as the `train` verb would build them.</summary>
    public TrainingOptions OptionsFor(RunConfig c)
    {
        int context = c.Data.SequenceLength - 1;
        var model = Model(_sidecar.VocabSize, context, c.Layers, c.Width, c.Param, c.BaseWidth, c.Heads, c.Positions, c.TiedEmbeddings);
        int evalBatches = (int)Math.Max(1, c.Data.TestTokens / ((long)c.Batch * context));
        return new TrainingOptions(model, c.Batch, c.Tokens, (float)c.LearningRate, c.Seed,
            new AdamWSettings(WeightDecay: (float)c.WeightDecay), c.WarmupFraction, (float)(c.GradClip ?? 0),
            c.EvalPoints, evalBatches).Validate();
    }

    public RunOutcome Execute(RunConfig config, int threads, CancellationToken cancellation)
    {
        var options = OptionsFor(config);
        using var backend = CreateBackend(config.Backend, threads);
        using var trainer = new Trainer(backend, options, data.TrainPaths[config.Seed], data.TestPath);
        while (!trainer.Finished)
        {
            cancellation.ThrowIfCancellationRequested();
            trainer.RunSteps(16);
        }
        var record = trainer.Record();
        var metrics = new RunMetrics(
            record.Parameters.Total, record.Parameters.NonEmbedding, record.Tokens, record.FinalTestLoss,
            record.LossCurve.Count > 0 ? record.LossCurve[^1].Loss : null,
            record.Compute.TrainingFlops, record.Compute.SixNdWithEmbeddings, record.Compute.SixNdWithoutEmbeddings,
            record.EntropyRateNats, record.WallSeconds, record.TokensPerSecond);
        var evaluations = record.Evaluations.ToDictionary(e => e.Step, e => e.TestLoss);
        var curve = record.LossCurve
            .Select(p => new CurvePoint(p.Step, p.Tokens, p.Loss, evaluations.TryGetValue(p.Step, out var t) ? t : null))
            .ToList();
        var status = record.Status == Training.RunStatus.Diverged ? Sweeps.RunStatus.Diverged : Sweeps.RunStatus.Done;
        return new RunOutcome(status, record.DivergenceReason, metrics, curve, IO.Json.Serialize(record));
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

    private static ComputeBackend CreateBackend(string name, int threads) => Backends.Parse(name) switch
    {
        BackendKind.Cpu => new CpuBackend(threads),
        var kind => Backends.Create(kind),
    };
}
