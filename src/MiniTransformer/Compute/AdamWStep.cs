namespace MiniTransformer.Compute;

/// <summary>
/// One decoupled-weight-decay Adam update (Loshchilov &amp; Hutter), PyTorch's torch.optim.AdamW semantics:
/// g = GradScale·grad; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; m̂ = m/(1−β1^t); v̂ = v/(1−β2^t);
/// θ = θ − LearningRate·(m̂/(√v̂ + ε) + WeightDecay·θ). <see cref="Step"/> t starts at 1.
/// GradScale carries global-norm clipping without a separate pass over the gradients.
/// </summary>
public readonly record struct AdamWStep(
    float LearningRate, int Step,
    float Beta1 = 0.9f, float Beta2 = 0.95f, float Epsilon = 1e-8f,
    float WeightDecay = 0.01f, float GradScale = 1f);
