using MiniTransformer.Compute;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.Model;
using MiniTransformer.Tests.Compute;
using MiniTransformer.Training;

namespace MiniTransformer.Tests.Model;

/// <summary>
/// The GPT on a device backend (OpenCL — PoCL in CI — and CUDA when present): every gradient against the PyTorch
/// fixture, and a few AdamW steps against the CPU backend's training. Absent backends skip with their reason
/// (MT_REQUIRE_OPENCL / MT_REQUIRE_CUDA turn the skip into a failure).
/// </summary>
public class GptDeviceParityTests
{
    public static TheoryData<BackendKind, string> Cases
    {
        get
        {
            var data = new TheoryData<BackendKind, string>();
            foreach (var kind in new[] { BackendKind.OpenCL, BackendKind.Cuda })
                foreach (var name in new[] { "sp_untied_learned", "mup_tied_rope" })
                    data.Add(kind, name);
            return data;
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void DeviceGradientsMatchPyTorch(BackendKind kind, string name)
    {
        using var backend = BackendCases.Create(kind);
        var f = new GoldenFixture(name);
        using var model = new Gpt(backend, f.Config, f.Batch);
        backend.Upload<float>(f.FlatWeights(model.Layout), model.Parameters);
        model.SetBatch(f.Inputs[0], f.Targets[0]);
        float loss = model.Forward(training: true);
        Assert.True(Math.Abs(loss - f.Loss) / f.Loss <= 1e-5, $"loss {loss} vs {f.Loss}");
        model.Backward();
        var grads = backend.DownloadArray<float>(model.Gradients);
        foreach (var t in model.Layout.Tensors)
        {
            var expected = f.Tensor("grad/" + t.Name);
            double maxDiff = 0, maxRef = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs((double)grads[t.Offset + i] - expected[i]));
                maxRef = Math.Max(maxRef, Math.Abs((double)expected[i]));
            }
            Assert.True(maxDiff <= 1e-4 * maxRef, $"{t.Name}: relative error {maxDiff / maxRef:E2}");
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void DeviceTrainingMatchesCpuTrainingOverTenSteps(BackendKind kind, string name)
    {
        using var device = BackendCases.Create(kind);
        using var cpu = new CpuBackend();
        var f = new GoldenFixture(name);
        var (deviceLosses, deviceParams) = Train(device, f);
        var (cpuLosses, cpuParams) = Train(cpu, f);
        for (int s = 0; s < cpuLosses.Length; s++)
            Assert.True(Math.Abs(deviceLosses[s] - cpuLosses[s]) <= 1e-5 * cpuLosses[s], $"step {s + 1}: {kind} {deviceLosses[s]} vs CPU {cpuLosses[s]}");
        double maxDiff = 0;
        for (int i = 0; i < cpuParams.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(deviceParams[i] - cpuParams[i]));
        // Ten Adam steps of lr 1e-2 move a weight by at most 0.1; fp32 rounding differences stay far below that.
        Assert.True(maxDiff <= 1e-3, $"parameters differ by up to {maxDiff:E2} after {cpuLosses.Length} steps");
    }

    private static (float[] Losses, float[] Parameters) Train(ComputeBackend backend, GoldenFixture f)
    {
        using var model = new Gpt(backend, f.Config, f.Batch);
        using var optimizer = new AdamWOptimizer(model, new AdamWSettings(f.Beta1, f.Beta2, f.Epsilon, f.WeightDecay));
        backend.Upload<float>(f.FlatWeights(model.Layout), model.Parameters);
        var losses = new float[f.Losses.Length];
        for (int s = 0; s < losses.Length; s++)
        {
            model.SetBatch(f.Inputs[s], f.Targets[s]);
            losses[s] = model.Forward(training: true);
            model.Backward();
            optimizer.Step(f.LearningRate, f.Clip > 0 ? AdamWOptimizer.ClipScale(optimizer.GradientNorm(), f.Clip) : 1f);
        }
        return (losses, backend.DownloadArray<float>(model.Parameters));
    }
}
