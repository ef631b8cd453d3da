using MiniTransformer.Compute;
using MiniTransformer.Data.Graphs;
using MiniTransformer.Data.Walks;
using MiniTransformer.Model;
using MiniTransformer.Tests.Compute;
using MiniTransformer.Training;

namespace MiniTransformer.Tests.Training;

/// <summary>
/// Walks sampled on the device feed a run exactly as the walk file of the same range does: same batches, so the
/// same loss curve bits on a given backend — the file is the independent reference (written by WalkFile on the host).
/// </summary>
public class WalkStreamTests
{
    private const int Length = 17, Batch = 8, Steps = 10;

    private static TrainingOptions Options(int vocab) =>
        new(new GptConfig(vocab, Length - 1, 2, 32, Parameterization.Mup, BaseWidth: 32), BatchSize: Batch, Tokens: Steps * Batch * (Length - 1),
            LearningRate: 3e-3f, Seed: 5, Adam: new AdamWSettings(), ClipNorm: 1f, EvalPoints: 2, EvalBatches: 3, LogEvery: 1);

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void TrainingOnDeviceWalksEqualsTrainingOnTheWalkFile(BackendKind kind)
    {
        var dir = Directory.CreateTempSubdirectory("mt-walkstream-").FullName;
        try
        {
            var spec = new GraphSpec(GraphSpec.ErGnm, 24, Edges: 60, Seed: 3);
            var graph = spec.Generate();
            string graphPath = Path.Combine(dir, "graph.bin"), trainPath = Path.Combine(dir, "train.bin"), testPath = Path.Combine(dir, "test.bin");
            GraphFile.Write(graphPath, graph, spec, force: false);
            long trainFirst = 11, testFirst = 1L << 40;
            WalkFile.Generate(graphPath, new WalkFile.Spec(Length, Steps * Batch, Seed: 7, FirstWalk: trainFirst), trainPath, force: false);
            WalkFile.Generate(graphPath, new WalkFile.Spec(Length, 3 * Batch, Seed: 7, FirstWalk: testFirst), testPath, force: false);
            var options = Options(graph.NodeCount);

            RunRecord fromFiles, fromDevice;
            using (var backend = BackendCases.Create(kind))
            {
                using var trainer = new Trainer(backend, options, trainPath, testPath);
                trainer.RunToEnd();
                fromFiles = trainer.Record();
            }
            using (var backend = BackendCases.Create(kind))
            {
                var train = new WalkStream(backend, graph, Length, Batch, seed: 7, firstWalk: trainFirst, walkCount: Steps * Batch, "device walks (train)");
                var test = new WalkStream(backend, graph, Length, Batch, seed: 7, firstWalk: testFirst, walkCount: 3 * Batch, "device walks (test)");
                using var trainer = new Trainer(backend, options, train, test);
                trainer.RunToEnd();
                fromDevice = trainer.Record();
            }

            Assert.Equal(Steps, fromDevice.LossCurve.Count);
            Assert.Equal(fromFiles.LossCurve.Select(p => BitConverter.SingleToInt32Bits(p.Loss)), fromDevice.LossCurve.Select(p => BitConverter.SingleToInt32Bits(p.Loss)));
            Assert.Equal(fromFiles.Evaluations.Select(e => e.TestLoss), fromDevice.Evaluations.Select(e => e.TestLoss));
            Assert.Equal(fromFiles.EntropyRateNats, fromDevice.EntropyRateNats);
            Assert.Equal(fromFiles.Compute.TrainingFlops, fromDevice.Compute.TrainingFlops);
            Assert.Equal("device walks (train)", fromDevice.TrainData);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AskingPastTheWalkRangeIsAClearError()
    {
        using var backend = new MiniTransformer.Compute.Cpu.CpuBackend(1);
        var graph = new GraphSpec(GraphSpec.ErGnm, 24, Edges: 60, Seed: 3).Generate();
        using var stream = new WalkStream(backend, graph, Length, Batch, seed: 7, firstWalk: 0, walkCount: 2 * Batch + 3, "walks");
        Assert.Equal(2, stream.BatchCount);
        using var model = new Gpt(backend, Options(graph.NodeCount).Model, Batch);
        var e = Assert.Throws<UserInputException>(() => stream.Load(2, model));
        Assert.Contains("2 batches", e.Message);
    }
}
