using MiniTransformer.Compute.Cpu;
using MiniTransformer.Model;
using MiniTransformer.Training;

namespace MiniTransformer.Tests.Training;

public class TrainerTests
{
    private static TrainingOptions Options(int steps, float lr = 3e-3f, Parameterization p = Parameterization.Mup, float clip = 1f) =>
        new(new GptConfig(24, 16, 2, 32, p, BaseWidth: 32), BatchSize: 8, Tokens: steps * 8 * 16, LearningRate: lr, Seed: 5,
            Adam: new AdamWSettings(), ClipNorm: clip, EvalPoints: 3, EvalBatches: 2, LogEvery: 1);

    private static (RunRecord Record, float[] Parameters) Train(WalkDataDirectory data, TrainingOptions options, int? threads = null)
    {
        using var backend = new CpuBackend(threads);
        using var trainer = new Trainer(backend, options, data.TrainPath, data.TestPath);
        trainer.RunToEnd();
        return (trainer.Record(), backend.DownloadArray<float>(trainer.Model.Parameters));
    }

    private static void AssertSameBits(RunRecord a, float[] pa, RunRecord b, float[] pb)
    {
        Assert.Equal(a.LossCurve.Select(p => BitConverter.SingleToInt32Bits(p.Loss)), b.LossCurve.Select(p => BitConverter.SingleToInt32Bits(p.Loss)));
        Assert.Equal(a.Evaluations.Select(e => BitConverter.DoubleToInt64Bits(e.TestLoss)), b.Evaluations.Select(e => BitConverter.DoubleToInt64Bits(e.TestLoss)));
        Assert.True(pa.AsSpan().SequenceEqual(pb), "final parameters differ");
    }

    [Fact]
    public void SameConfigAndSeedGiveIdenticalLossBitsForAnyThreadCount()
    {
        using var data = new WalkDataDirectory();
        var options = Options(steps: 12);
        var (a, pa) = Train(data, options, threads: 2);
        var (b, pb) = Train(data, options, threads: 2);
        var (c, pc) = Train(data, options, threads: 1);
        Assert.Equal(12, a.LossCurve.Count);
        AssertSameBits(a, pa, b, pb);
        AssertSameBits(a, pa, c, pc);
    }

    [Fact]
    public void ResumedRunIsBitIdenticalToAnUninterruptedOne()
    {
        using var data = new WalkDataDirectory();
        var options = Options(steps: 15);
        var (straight, ps) = Train(data, options);

        string checkpoint = data.File("run.ckpt");
        using (var backend = new CpuBackend())
        using (var first = new Trainer(backend, options, data.TrainPath, data.TestPath))
        {
            first.RunSteps(6);
            first.SaveCheckpoint(checkpoint, force: false);
        }
        using (var backend = new CpuBackend())
        using (var resumed = Trainer.Resume(backend, checkpoint, options, data.TrainPath, data.TestPath))
        {
            Assert.Equal(6, resumed.State.Step);
            resumed.RunToEnd();
            AssertSameBits(straight, ps, resumed.Record(), backend.DownloadArray<float>(resumed.Model.Parameters));
            Assert.Equal(RunStatus.Completed, resumed.Record().Status);
        }
        using (var backend = new CpuBackend())
            Assert.Throws<UserInputException>(() => Trainer.Resume(backend, checkpoint, options with { LearningRate = 1e-2f }, data.TrainPath, data.TestPath));
    }

    [Fact]
    public void ExplodingRunIsRecordedAsDivergedWithoutATestLoss()
    {
        using var data = new WalkDataDirectory();
        var (record, _) = Train(data, Options(steps: 30, lr: 1e4f, p: Parameterization.Sp, clip: 0f) with { WarmupFraction = 0 });
        Assert.Equal(RunStatus.Diverged, record.Status);
        Assert.Null(record.FinalTestLoss);
        Assert.NotNull(record.DivergenceReason);
        Assert.True(record.StepsDone < 30);
        Assert.True(float.IsNaN(record.LossCurve[^1].Loss));
    }

    /// <summary>
    /// The ledger's GEMM FLOPs equal the architecture's count: forward 2·BT·(12LC² + VC), backward twice that; plus per
    /// block the bias epilogues BT·(3C + C + 4C + C) and the GELU epilogue 9·BT·4C; μP readout α ≠ 1 adds BT·V (forward),
    /// BT·C (dX) and V·C (dW).
    /// </summary>
    [Theory]
    [InlineData(Parameterization.Sp)]
    [InlineData(Parameterization.Mup)]
    public void GemmFlopsPerStepMatchTheArchitectureCount(Parameterization p)
    {
        using var data = new WalkDataDirectory();
        var options = Options(steps: 2, p: p) with { Model = new GptConfig(24, 16, 2, 32, p, BaseWidth: 16) };
        using var backend = new CpuBackend();
        using var trainer = new Trainer(backend, options, data.TrainPath, data.TestPath);
        var ledger = new MiniTransformer.Compute.OpLedger();
        var model = trainer.Model;
        model.SetBatch(new int[model.Rows], new int[model.Rows]);
        backend.Ledger = ledger;
        model.Forward(training: true);
        model.Backward();
        backend.Ledger = null;
        long bt = 8 * 16, c = 32, v = 24, l = 2;
        long expected = 6 * bt * (12 * l * c * c + v * c) + l * bt * (9 * c + 9 * 4 * c);
        if (p == Parameterization.Mup) expected += bt * v + bt * c + v * c;
        Assert.Equal(expected, ledger.Totals["gemm"].Cost.Flops);
    }

    [Fact]
    public void RecordCountsTokensFlopsAndSixNd()
    {
        using var data = new WalkDataDirectory();
        var options = Options(steps: 4);
        var (r, _) = Train(data, options);
        Assert.Equal(RunStatus.Completed, r.Status);
        Assert.Equal(4 * 8 * 16, r.Tokens);
        Assert.Equal(4 * r.Compute.FlopsPerStep, r.Compute.TrainingFlops);
        Assert.Equal(6.0 * r.Parameters.Total * r.Tokens, r.Compute.SixNdWithEmbeddings);
        Assert.Equal(6.0 * r.Parameters.NonEmbedding * r.Tokens, r.Compute.SixNdWithoutEmbeddings);
        Assert.Equal(data.Graph.EntropyRate, r.EntropyRateNats);
        Assert.Equal(r.Evaluations[^1].TestLoss, r.FinalTestLoss);
        Assert.Equal([1, 2, 4], r.Evaluations.Select(e => e.Step));
    }

    [Fact]
    public void TooFewSequencesForTheTokenBudgetIsAUserError()
    {
        using var data = new WalkDataDirectory(trainSequences: 64);
        using var backend = new CpuBackend();
        var e = Assert.Throws<UserInputException>(() => new Trainer(backend, Options(steps: 9), data.TrainPath, data.TestPath));
        Assert.Contains("one epoch", e.Message);
    }
}
