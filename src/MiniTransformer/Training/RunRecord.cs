using MiniTransformer.Model;

namespace MiniTransformer.Training;

public enum RunStatus { Running, Completed, Diverged }

/// <summary>One recorded training loss (the mean over the step's batch, before the update).</summary>
public sealed record LossPoint(int Step, long Tokens, float Loss, float LearningRate);

/// <summary>Test loss after <see cref="Step"/> updates.</summary>
public sealed record EvaluationPoint(int Step, long Tokens, double TestLoss);

public sealed record ParameterCounts(long Total, long NonEmbedding);

/// <summary>
/// Exact compute: the declared FLOPs of every kernel launched (forward, backward, optimizer; evaluation apart), and
/// the 6·N·D convention with N counted with and without embedding parameters, D = training tokens.
/// </summary>
public sealed record ComputeAccount(long FlopsPerStep, long TrainingFlops, long EvaluationFlops,
    double SixNdWithEmbeddings, double SixNdWithoutEmbeddings);

/// <summary>
/// The run record (JSON via IO/Json): everything needed to reproduce and interpret a run. A diverged run has no
/// final test loss (null), never a number. Tokens are predicted positions: B·(S−1) per step.
/// </summary>
public sealed record RunRecord(
    string Format,
    GptConfig Config,
    TrainingOptions Training,
    ulong Seed,
    string CodeVersion,
    string Backend,
    string TrainData,
    string TestData,
    ParameterCounts Parameters,
    int Steps,
    int StepsDone,
    long Tokens,
    ComputeAccount Compute,
    IReadOnlyList<LossPoint> LossCurve,
    IReadOnlyList<EvaluationPoint> Evaluations,
    double? FinalTestLoss,
    double? EntropyRateNats,
    double WallSeconds,
    double TokensPerSecond,
    RunStatus Status,
    string? DivergenceReason)
{
    public const string CurrentFormat = "minitransformer.run.v1";
}
