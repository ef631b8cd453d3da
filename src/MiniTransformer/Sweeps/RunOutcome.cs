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

/// <summary>
/// The numbers of one k-NN measurement: x (expected training-set size 𝒟, or degrees of freedom N), the held-out MSE,
/// the training and test sites actually used, and the experiment's own extras (sampling rate; break rank, clusters
/// trained, median examples per degree of freedom).
/// </summary>
public sealed record KnnMetrics(
    double X,
    double Loss,
    long TrainSize,
    long TestSize,
    double WallSeconds,
    double? Rate = null,
    double? KBreak = null,
    int? ClustersTrained = null,
    double? ExamplesPerDofMedian = null);

/// <summary>What executing one run produced: status, metrics (transformer runs) or k-NN metrics, curve, and the full run record JSON.</summary>
public sealed record RunOutcome(
    RunStatus Status,
    string? Reason,
    RunMetrics? Metrics,
    IReadOnlyList<CurvePoint> Curve,
    string? RecordJson,
    KnnMetrics? Knn = null);

/// <summary>Executes one run to completion (or divergence/failure). Implementations must be safe to call from several threads.</summary>
public interface IRunExecutor<in TRun> where TRun : ISweepRun
{
    RunOutcome Execute(TRun config, int threads, CancellationToken cancellation);
}

/// <summary>Executes transformer runs.</summary>
public interface IRunExecutor : IRunExecutor<RunConfig>;
