using MiniTransformer.Compute.Cpu;
using MiniTransformer.Model;
using MiniTransformer.Training;

namespace MiniTransformer.Tests.Model;

/// <summary>
/// The C# GPT against an independent PyTorch implementation (tools/gpt_reference.py) on the same weights and batch:
/// logits, loss, every parameter gradient, and 10 AdamW steps — SP and μP, tied and untied, rotary and learned
/// positions, with and without clipping. fp32 on both sides; per-tensor error is max|Δ| / max|reference|.
/// </summary>
public class GptGoldenTests
{
    public static TheoryData<string> Fixtures => new(GoldenFixture.Names);

    private static (CpuBackend Backend, Gpt Model) Load(GoldenFixture f)
    {
        var backend = new CpuBackend();
        var model = new Gpt(backend, f.Config, f.Batch);
        backend.Upload<float>(f.FlatWeights(model.Layout), model.Parameters);
        return (backend, model);
    }

    private static double RelativeMaxError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs((double)actual[i] - expected[i]));
            maxRef = Math.Max(maxRef, Math.Abs((double)expected[i]));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    [Theory, MemberData(nameof(Fixtures))]
    public void LogitsLossAndEveryGradientMatchPyTorch(string name)
    {
        var f = new GoldenFixture(name);
        var (backend, model) = Load(f);
        using var _ = backend;
        using var __ = model;
        model.SetBatch(f.Inputs[0], f.Targets[0]);

        float evalLoss = model.Forward(training: false);
        var logits = backend.DownloadArray<float>(model.Activations.Logits);
        Assert.True(RelativeMaxError(logits, f.Tensor("logits")) <= 1e-5, $"logits error {RelativeMaxError(logits, f.Tensor("logits")):E2}");
        Assert.True(Math.Abs(evalLoss - f.Loss) / f.Loss <= 1e-5, $"loss {evalLoss} vs {f.Loss}");

        float loss = model.Forward(training: true);
        Assert.Equal(evalLoss, loss);
        model.Backward();
        var grads = backend.DownloadArray<float>(model.Gradients);
        var failures = new List<string>();
        foreach (var t in model.Layout.Tensors)
        {
            double err = RelativeMaxError(grads.AsSpan((int)t.Offset, (int)t.Length), f.Tensor("grad/" + t.Name));
            if (!(err <= 1e-4)) failures.Add($"{t.Name}: {err:E2}");
        }
        Assert.True(failures.Count == 0, "gradients off: " + string.Join(", ", failures));
    }

    [Theory, MemberData(nameof(Fixtures))]
    public void TenAdamWStepsMatchPyTorchLosses(string name)
    {
        var f = new GoldenFixture(name);
        var (backend, model) = Load(f);
        using var _ = backend;
        using var __ = model;
        using var optimizer = new AdamWOptimizer(model, new AdamWSettings(f.Beta1, f.Beta2, f.Epsilon, f.WeightDecay));
        for (int step = 0; step < f.Losses.Length; step++)
        {
            model.SetBatch(f.Inputs[step], f.Targets[step]);
            float loss = model.Forward(training: true);
            Assert.True(Math.Abs(loss - f.Losses[step]) / f.Losses[step] <= 1e-5, $"step {step + 1}: loss {loss} vs PyTorch {f.Losses[step]}");
            model.Backward();
            float scale = f.Clip > 0 ? AdamWOptimizer.ClipScale(optimizer.GradientNorm(), f.Clip) : 1f;
            optimizer.Step(f.LearningRate, scale);
        }
    }

    /// <summary>
    /// Finite-difference check in float64: the fixture holds central differences (ε = 1e-5) of the float64 loss of the
    /// whole model (PyTorch float64 forward, no autograd) at 3 coordinates of every tensor; the C# fp32 analytic
    /// gradient must agree to 1e-4 of the tensor's gradient scale (fp32 rounding, not an approximation error).
    /// </summary>
    [Theory, MemberData(nameof(Fixtures))]
    public void GradientsMatchFloat64FiniteDifferences(string name)
    {
        var f = new GoldenFixture(name);
        var (backend, model) = Load(f);
        using var _ = backend;
        using var __ = model;
        model.SetBatch(f.Inputs[0], f.Targets[0]);
        model.Forward(training: true);
        model.Backward();
        var grads = backend.DownloadArray<float>(model.Gradients);
        foreach (var (tensor, index, fd) in f.FiniteDifferences)
        {
            var t = model.Layout[tensor];
            double scale = 0;
            foreach (var g in grads.AsSpan((int)t.Offset, (int)t.Length)) scale = Math.Max(scale, Math.Abs(g));
            double analytic = grads[t.Offset + index];
            Assert.True(Math.Abs(analytic - fd) <= 1e-4 * scale + 1e-7,
                $"{tensor}[{index}]: analytic {analytic:E6} vs finite difference {fd:E6} (tensor scale {scale:E2})");
        }
    }
}
