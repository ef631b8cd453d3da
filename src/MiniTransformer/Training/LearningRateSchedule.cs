namespace MiniTransformer.Training;

/// <summary>
/// Linear warm-up over the first <see cref="WarmupSteps"/> updates, then cosine decay to zero over the rest of the
/// run's own length (SCIENCE.md: 2% warm-up). Update s (0-based) of S uses
/// peak·(s+1)/W during warm-up and peak·½(1 + cos(π·(s − W)/(S − W))) after it, so the first update is already
/// non-zero and the decay would reach zero at update S (one past the last).
/// </summary>
public sealed record LearningRateSchedule(float Peak, int TotalSteps, int WarmupSteps)
{
    public static LearningRateSchedule WithWarmupFraction(float peak, int totalSteps, double warmupFraction)
    {
        if (totalSteps < 1) throw new UserInputException($"a run needs at least one step, got {totalSteps}");
        if (warmupFraction is < 0 or >= 1) throw new UserInputException($"warm-up fraction {warmupFraction} must be in [0, 1)");
        int warmup = (int)Math.Round(warmupFraction * totalSteps);
        return new LearningRateSchedule(peak, totalSteps, Math.Min(warmup, totalSteps - 1));
    }

    public float At(int step)
    {
        if (step < WarmupSteps) return (float)(Peak * (step + 1.0) / WarmupSteps);
        double progress = (step - WarmupSteps) / (double)(TotalSteps - WarmupSteps);
        return (float)(Peak * 0.5 * (1.0 + Math.Cos(Math.PI * progress)));
    }
}
