namespace MiniTransformer.Training;

/// <summary>
/// The host-side progress of a run — everything besides parameters and Adam moments that a checkpoint must carry for
/// a resumed run to continue bit-identically (the data position is <see cref="Step"/>: batch s is sequences
/// [s·B, (s+1)·B)).
/// </summary>
public sealed class TrainingState
{
    public int Step { get; set; }
    public float? FirstLoss { get; set; }
    public List<LossPoint> LossCurve { get; set; } = [];
    public List<EvaluationPoint> Evaluations { get; set; } = [];
    public long FlopsPerStep { get; set; }
    public long TrainingFlops { get; set; }
    public long EvaluationFlops { get; set; }
    /// <summary>Wall time of the training steps alone (evaluation excluded), summed over sessions.</summary>
    public double TrainSeconds { get; set; }
    /// <summary>Wall time of everything, summed over sessions.</summary>
    public double WallSeconds { get; set; }
    public RunStatus Status { get; set; } = RunStatus.Running;
    public string? DivergenceReason { get; set; }
}
