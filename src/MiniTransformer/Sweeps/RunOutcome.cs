namespace MiniTransformer.Sweeps;

/// <summary>How a run ended. A diverged run is a result (recorded, never a number); a failed run has a reason.</summary>
public enum RunStatus { Pending, Running, Done, Diverged, Failed }

/// <summary>One point of a run's loss curve: the training loss at a step, and the test loss where it was evaluated.</summary>
public sealed record CurvePoint(int Step, long Tokens, double TrainLoss, double? TestLoss);

/// <summary>The final numbers of a finished run, as the results store keeps them (one row per run).</summary>
public sealed record RunMetrics(
    long Parameters,
    long NonEmbeddingParameters,
    long TokensSeen,
    double? FinalTestLoss,
    double? FinalTrainLoss,
    double ExactFlops,
    double SixNd,
    double SixNdNonEmbedding,
    double? EntropyRate,
    double WallSeconds,
    double TokensPerSecond);

/// <summary>What executing one <see cref="RunConfig"/> produced: status, metrics, curve, and the full run record JSON.</summary>
public sealed record RunOutcome(
    RunStatus Status,
    string? Reason,
    RunMetrics? Metrics,
    IReadOnlyList<CurvePoint> Curve,
    string? RecordJson);

/// <summary>Executes one run to completion (or divergence/failure). Implementations must be safe to call from several threads.</summary>
public interface IRunExecutor
{
    RunOutcome Execute(RunConfig config, int threads, CancellationToken cancellation);
}
