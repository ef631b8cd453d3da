using MiniTransformer.Compute;
using MiniTransformer.Model;

namespace MiniTransformer.Training;

/// <summary>AdamW hyper-parameters. Decay is decoupled (PyTorch AdamW) and applies to matrices only.</summary>
public sealed record AdamWSettings(float Beta1 = 0.9f, float Beta2 = 0.95f, float Epsilon = 1e-8f, float WeightDecay = 0.01f);

/// <summary>
/// AdamW over the flat parameter buffer: one launch per parameter group (<see cref="ParameterLayout.Groups"/>).
/// Per group: learning rate × (1/m for μP hidden matrices), weight decay for embeddings, hidden matrices and the
/// readout, none for LayerNorm gains and biases (decaying a gain toward 0 fights the normalisation; decaying biases
/// has no regularising purpose). Global-norm clipping is folded into the update as GradScale.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    private readonly Gpt _model;

    public AdamWOptimizer(Gpt model, AdamWSettings settings)
    {
        _model = model;
        Settings = settings;
        M = model.Backend.Allocate<float>(model.Layout.Count);
        V = model.Backend.Allocate<float>(model.Layout.Count);
        model.Backend.Fill(M, 0f);
        model.Backend.Fill(V, 0f);
    }

    public AdamWSettings Settings { get; }

    /// <summary>First and second moments, in the parameter layout.</summary>
    public DeviceBuffer<float> M { get; }
    public DeviceBuffer<float> V { get; }

    /// <summary>Updates taken so far; the next <see cref="Step"/> is update number StepCount + 1.</summary>
    public int StepCount { get; set; }

    public static float LearningRateMultiplier(GptConfig config, ParameterRole role) =>
        role == ParameterRole.Hidden ? config.HiddenLearningRateMultiplier : 1f;

    public static bool Decays(ParameterRole role) => role != ParameterRole.Vector;

    /// <summary>
    /// √(Σ g²) over every gradient, reduced on the device in a fixed order (same bits for every thread count).
    /// </summary>
    public float GradientNorm()
    {
        var b = _model.Backend;
        var slot = _model.Activations.GradNormSquared;
        b.Reduce(ReductionKind.SumOfSquares, slot, _model.Gradients, _model.Layout.Count);
        Span<float> s = stackalloc float[1];
        b.Download(slot, s);
        return MathF.Sqrt(s[0]);
    }

    /// <summary>PyTorch's clip_grad_norm_ factor: min(1, maxNorm / (norm + 1e-6)).</summary>
    public static float ClipScale(float norm, float maxNorm) => maxNorm > 0f ? MathF.Min(1f, maxNorm / (norm + 1e-6f)) : 1f;

    public void Step(float learningRate, float gradScale = 1f)
    {
        StepCount++;
        var b = _model.Backend;
        foreach (var g in _model.Layout.Groups)
        {
            var step = new AdamWStep(learningRate * LearningRateMultiplier(_model.Config, g.Role), StepCount,
                Settings.Beta1, Settings.Beta2, Settings.Epsilon, Decays(g.Role) ? Settings.WeightDecay : 0f, gradScale);
            b.AdamW(_model.Parameters.Slice(g.Offset, g.Length), _model.Gradients.Slice(g.Offset, g.Length),
                M.Slice(g.Offset, g.Length), V.Slice(g.Offset, g.Length), step);
        }
    }

    public void Dispose()
    {
        M.Dispose();
        V.Dispose();
    }
}
