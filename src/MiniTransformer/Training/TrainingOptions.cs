using MiniTransformer.Model;

namespace MiniTransformer.Training;

/// <summary>
/// Everything that defines a training run besides its data files. <see cref="Model"/> carries the architecture; its
/// vocabulary and sequence length must match the data (the trainer takes them from the sidecar).
/// </summary>
/// <param name="Tokens">Training-token budget D: the run takes ⌊D / (B·T)⌋ steps, each on fresh sequences.</param>
/// <param name="WarmupFraction">Share of the steps with linear warm-up (then cosine to zero).</param>
/// <param name="ClipNorm">Global gradient-norm clipping threshold; 0 turns clipping off.</param>
/// <param name="EvalPoints">Test-loss evaluations, at log-spaced steps ending with the last.</param>
/// <param name="EvalBatches">Batches of the test file averaged per evaluation (the same batches every time).</param>
/// <param name="LogEvery">Record the training loss every this many steps (and at the last); 0 = about 500 points.</param>
/// <param name="ExplosionFactor">Diverged when the training loss exceeds this × max(ln V, first loss).</param>
public sealed record TrainingOptions(
    GptConfig Model,
    int BatchSize,
    long Tokens,
    float LearningRate,
    ulong Seed,
    AdamWSettings Adam,
    double WarmupFraction = 0.02,
    float ClipNorm = 0f,
    int EvalPoints = 8,
    int EvalBatches = 8,
    int LogEvery = 0,
    double ExplosionFactor = 2.0)
{
    public int TokensPerStep => BatchSize * Model.SequenceLength;
    public int Steps => (int)Math.Min(int.MaxValue, Tokens / TokensPerStep);

    public TrainingOptions Validate()
    {
        Model.Validate();
        if (BatchSize < 1) throw new UserInputException($"batch size {BatchSize} must be at least 1");
        if (Tokens < TokensPerStep)
            throw new UserInputException($"--tokens {Tokens} is less than one batch ({BatchSize} × {Model.SequenceLength} = {TokensPerStep} tokens)");
        if (!(LearningRate > 0f) || float.IsInfinity(LearningRate)) throw new UserInputException($"learning rate {LearningRate} must be positive");
        if (ClipNorm < 0f) throw new UserInputException($"clip norm {ClipNorm} must be ≥ 0");
        if (EvalPoints < 1) throw new UserInputException($"evaluation points {EvalPoints} must be at least 1");
        if (EvalBatches < 1) throw new UserInputException($"evaluation batches {EvalBatches} must be at least 1");
        if (LogEvery < 0) throw new UserInputException($"log interval {LogEvery} must be ≥ 0");
        if (!(ExplosionFactor > 1)) throw new UserInputException($"explosion factor {ExplosionFactor} must exceed 1");
        if (Adam.WeightDecay < 0f) throw new UserInputException($"weight decay {Adam.WeightDecay} must be ≥ 0");
        return this;
    }

    /// <summary>Steps after which the test loss is evaluated: ⌈S^(i/(k−1))⌉ for i = 0..k−1, deduplicated, ending at S.</summary>
    public IReadOnlyList<int> EvaluationSteps()
    {
        int s = Steps;
        var points = new SortedSet<int> { s };
        for (int i = 0; i < EvalPoints - 1; i++)
            points.Add(Math.Clamp((int)Math.Ceiling(Math.Pow(s, EvalPoints == 1 ? 1 : i / (double)(EvalPoints - 1))), 1, s));
        return points.ToList();
    }

    public int LogInterval => LogEvery > 0 ? LogEvery : Math.Max(1, (Steps + 499) / 500);
}
