using MiniTransformer.Compute.Cpu;
using MiniTransformer.Model;
using MiniTransformer.Training;

namespace MiniTransformer.Tests.Training;

/// <summary>
/// Learning the walk: on uniform walks of a connected ER graph (24 nodes, 60 edges), the test loss must fall from
/// ln 24 to within a stated margin of the exact entropy rate after a stated token budget, and must never beat the
/// oracle (the true chain's loss on the same test sequences) by more than three standard errors of the test set.
/// </summary>
public class ConvergenceTests
{
    [Fact]
    public void TestLossApproachesTheEntropyRateButNeverBeatsTheOracle()
    {
        using var data = new WalkDataDirectory(trainSequences: 6400, testSequences: 256);
        var options = new TrainingOptions(new GptConfig(24, 16, 2, 64, Parameterization.Mup, BaseWidth: 64),
            BatchSize: 16, Tokens: 400 * 16 * 16, LearningRate: 1e-2f, Seed: 3, Adam: new AdamWSettings(),
            ClipNorm: 1f, EvalPoints: 4, EvalBatches: 16);
        using var backend = new CpuBackend();
        using var trainer = new Trainer(backend, options, data.TrainPath, data.TestPath);
        trainer.RunToEnd();
        var r = trainer.Record();

        double h = data.Graph.EntropyRate;
        var oracle = data.Graph.OracleLosses(data.TestPath, 16 * 16);
        double oracleMean = oracle.Average();
        double se = Math.Sqrt(oracle.Select(x => (x - oracleMean) * (x - oracleMean)).Sum() / (oracle.Length - 1) / oracle.Length);
        TestContext.Current.TestOutputHelper?.WriteLine($"H = {h:F4}, oracle on test = {oracleMean:F4} ± {se:F4}, " +
            $"test losses = {string.Join(", ", r.Evaluations.Select(e => $"{e.Step}:{e.TestLoss:F4}"))}");

        Assert.Equal(RunStatus.Completed, r.Status);
        Assert.True(r.Evaluations[0].TestLoss > h + 0.5, "the first evaluation should still be far from the floor");
        Assert.True(r.FinalTestLoss <= h + 0.05, $"final test loss {r.FinalTestLoss:F4} is not within 0.05 nats of H = {h:F4} after {r.Tokens} tokens");
        Assert.All(r.Evaluations, e => Assert.True(e.TestLoss >= oracleMean - 3 * se,
            $"test loss {e.TestLoss:F4} at step {e.Step} beats the oracle {oracleMean:F4} by more than 3 s.e. ({se:F4})"));
    }
}
