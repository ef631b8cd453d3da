using MiniTransformer.Compute.Cpu;
using MiniTransformer.Data.Graphs;
using MiniTransformer.Data.Walks;
using MiniTransformer.Sweeps;
using MiniTransformer.Training;

namespace MiniTransformer.Tests.Sweeps;

/// <summary>
/// A sweep run samples its walks on the device instead of reading token files; the reference is the same run trained
/// on walk files that <see cref="WalkFile"/> writes on the host for the ranges the sweep documents.
/// </summary>
public class GraphWalkRunExecutorTests
{
    [Fact]
    public void SweepRunEqualsTheRunTrainedOnWalkFilesOfItsRanges()
    {
        var dir = Directory.CreateTempSubdirectory("mt-sweep-walks-").FullName;
        try
        {
            var data = new DataSpec { Graph = new GraphSpec(GraphSpec.ErGnm, 32, Edges: 96, Seed: 2), SequenceLength = 17, TestTokens = 3 * 8 * 16 };
            var run = new RunConfig(data, Layers: 1, Width: 32, Heads: null, Param: "mup", BaseWidth: 32, Positions: "rope", TiedEmbeddings: true,
                Tokens: 12 * 8 * 16, LearningRate: 0.01, Seed: 3, Batch: 8, EvalPoints: 2, WarmupFraction: 0.02, WeightDecay: 0.01,
                GradClip: 1.0, Backend: "cpu");
            var walkData = SweepData.Prepare(data, dir);
            var executor = new GraphWalkRunExecutor(walkData);
            var outcome = executor.Execute(run, threads: 2, CancellationToken.None);

            string train = Path.Combine(dir, "train.bin"), test = Path.Combine(dir, "test.bin");
            WalkFile.Generate(walkData.GraphPath, new WalkFile.Spec(17, SweepWalkData.TrainWalks(run.Tokens, 17, 8), run.Seed), train, force: false);
            WalkFile.Generate(walkData.GraphPath, new WalkFile.Spec(17, SweepWalkData.TestWalks(data.TestTokens, 17), SweepWalkData.TestSeed,
                SweepWalkData.TestFirstWalk), test, force: false);
            using var backend = new CpuBackend(2);
            using var trainer = new Trainer(backend, executor.OptionsFor(run), train, test);
            trainer.RunToEnd();
            var record = trainer.Record();

            Assert.Equal(MiniTransformer.Sweeps.RunStatus.Done, outcome.Status);
            Assert.Equal(record.FinalTestLoss, outcome.Metrics!.FinalTestLoss);
            Assert.Equal((double)record.Compute.TrainingFlops, outcome.Metrics.ExactFlops);
            Assert.Equal(record.EntropyRateNats, outcome.Metrics.EntropyRate);
            Assert.Equal(["graph-" ], Directory.GetFiles(Path.Combine(dir, "data")).Select(f => Path.GetFileName(f)[..6]).Distinct());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
