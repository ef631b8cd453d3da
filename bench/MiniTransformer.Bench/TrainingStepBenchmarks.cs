using BenchmarkDotNet.Attributes;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.Model;
using MiniTransformer.Training;

namespace MiniTransformer.Bench;

/// <summary>
/// One full training step (forward, backward, AdamW) of the tiny GPT on the CPU backend, for the two configurations
/// of docs/PERF.md: (vocab 1,024, 2 layers, width 128) and (vocab 8,192, 2 layers, width 256), batch 32 × 50, μP,
/// rotary, tied. OperationsPerInvoke = tokens per step, so the reported time is per token: tokens/s = 1 / Mean.
/// Compare with tools/torch_throughput.py run back to back.
/// </summary>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private const int Batch = 32, Context = 50, TokensPerStep = Batch * Context;

    private CpuBackend _backend = null!;
    private Gpt _model = null!;
    private AdamWOptimizer _optimizer = null!;

    [Params("1024x128", "8192x256")]
    public string Model { get; set; } = "1024x128";

    [Params(2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var parts = Model.Split('x');
        var config = new GptConfig(int.Parse(parts[0]), Context, 2, int.Parse(parts[1]));
        _backend = new CpuBackend(Threads);
        _model = new Gpt(_backend, config, Batch);
        _optimizer = new AdamWOptimizer(_model, new AdamWSettings());
        _backend.Upload<float>(GptInitializer.Initialize(_model.Layout, 1), _model.Parameters);
        var rng = new Random(1);
        var inputs = Enumerable.Range(0, TokensPerStep).Select(_ => rng.Next(config.VocabSize)).ToArray();
        var targets = Enumerable.Range(0, TokensPerStep).Select(_ => rng.Next(config.VocabSize)).ToArray();
        _model.SetBatch(inputs, targets);
    }

    [Benchmark(OperationsPerInvoke = TokensPerStep)]
    public float TrainingStep()
    {
        float loss = _model.Forward(training: true);
        _model.Backward();
        _optimizer.Step(1e-4f);
        _backend.Synchronize();
        return loss;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _optimizer.Dispose();
        _model.Dispose();
        _backend.Dispose();
    }
}
