using MiniTransformer.Training;

namespace MiniTransformer.Tests.Training;

public class LearningRateScheduleTests
{
    [Fact]
    public void WarmupIsLinearAndCosineEndsNearZero()
    {
        var s = LearningRateSchedule.WithWarmupFraction(1e-3f, totalSteps: 1000, warmupFraction: 0.02);
        Assert.Equal(20, s.WarmupSteps);
        Assert.Equal(1e-3f / 20, s.At(0), 1e-9f);
        Assert.Equal(1e-3f * 10 / 20, s.At(9), 1e-9f);
        Assert.Equal(1e-3f, s.At(20), 1e-9f);                         // peak right after warm-up
        Assert.Equal(0.5e-3f, s.At(20 + 490), 1e-9f);                 // half-way through the decay: cos(π/2) = 0
        Assert.Equal(1e-3f * 0.5f * (1 + MathF.Cos(MathF.PI * 979 / 980)), s.At(999), 1e-10f);
        Assert.True(s.At(999) < 1e-8f);
    }

    [Fact]
    public void ShortRunsStillTakeAPositiveFirstStep()
    {
        var s = LearningRateSchedule.WithWarmupFraction(1f, totalSteps: 1, warmupFraction: 0.02);
        Assert.Equal(1f, s.At(0));
    }
}
