namespace MiniTransformer.Fitting;

/// <summary>
/// How the MLP surface is trained (see <see cref="MlpSurface"/>). Defaults suit sweeps of tens to hundreds of
/// points: two hidden layers of 32 tanh-GELU units (1,185 parameters), full-batch AdamW at 10⁻² for at most
/// 3,000 steps, early-stopped on an inner 80/20 split of the training points.
/// </summary>
public sealed record MlpSurfaceOptions
{
    public int HiddenLayers { get; init; } = 2;
    public int Width { get; init; } = 32;
    public float LearningRate { get; init; } = 1e-2f;
    /// <summary>Decoupled weight decay on the weight matrices (biases are never decayed).</summary>
    public float WeightDecay { get; init; } = 1e-4f;
    /// <summary>Upper bound on full-batch steps while searching for the early-stopping point.</summary>
    public int MaxSteps { get; init; } = 3000;
    /// <summary>Steps between inner-validation evaluations (the chosen step count is a multiple of it).</summary>
    public int EvaluateEvery { get; init; } = 10;
    /// <summary>Stop searching once the inner-validation error has not improved for this many steps.</summary>
    public int Patience { get; init; } = 500;
    /// <summary>Share of the training points held out to choose the step count.</summary>
    public double InnerValidationFraction { get; init; } = 0.2;
    /// <summary>Seed of the initial weights and of the inner split.</summary>
    public ulong Seed { get; init; }

    /// <summary>Fewest points the fit accepts: an inner split needs a few points on each side.</summary>
    public const int MinimumPoints = 10;

    public void Validate()
    {
        if (HiddenLayers is < 1 or > 8) throw new UserInputException($"MLP hidden layers must be in [1, 8] (got {HiddenLayers})");
        if (Width is < 1 or > 1024) throw new UserInputException($"MLP width must be in [1, 1024] (got {Width})");
        if (!(LearningRate > 0 && float.IsFinite(LearningRate))) throw new UserInputException($"MLP learning rate must be positive (got {LearningRate})");
        if (!(WeightDecay >= 0 && float.IsFinite(WeightDecay))) throw new UserInputException($"MLP weight decay must be non-negative (got {WeightDecay})");
        if (EvaluateEvery < 1) throw new UserInputException($"MLP evaluation interval must be at least 1 step (got {EvaluateEvery})");
        if (MaxSteps < EvaluateEvery) throw new UserInputException($"MLP max steps ({MaxSteps}) must be at least the evaluation interval ({EvaluateEvery})");
        if (Patience < EvaluateEvery) throw new UserInputException($"MLP patience ({Patience}) must be at least the evaluation interval ({EvaluateEvery})");
        if (!(InnerValidationFraction is > 0 and < 0.5)) throw new UserInputException($"MLP inner validation fraction must be in (0, 0.5) (got {InnerValidationFraction})");
    }
}
