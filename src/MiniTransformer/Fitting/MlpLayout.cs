namespace MiniTransformer.Fitting;

/// <summary>
/// The offset table of the MLP surface's one parameter buffer (gradients and Adam moments share it): the matrices
/// W_0 [H, 2], W_1..W_{L−1} [H, H], W_out [1, H], stored out×in as PyTorch, then the biases b_0..b_{L−1} [H],
/// b_out [1] — decayed matrices first, undecayed vectors last, so AdamW is one launch per group.
/// </summary>
internal sealed record MlpLayout(int HiddenLayers, int Width)
{
    /// <summary>(ln N, ln D), standardised.</summary>
    public const int Inputs = 2;

    /// <summary>Elements of the weight matrices (the decayed group).</summary>
    public long MatrixCount => (long)Width * Inputs + (long)(HiddenLayers - 1) * Width * Width + Width;
    public long Count => MatrixCount + (long)HiddenLayers * Width + 1;

    /// <summary>Layer l's weight matrix; l = <see cref="HiddenLayers"/> is the output row.</summary>
    public long WeightOffset(int l) => l == 0 ? 0 : (long)Width * Inputs + (long)(l - 1) * Width * Width;
    public long BiasOffset(int l) => MatrixCount + (long)l * Width;
    public int FanIn(int l) => l == 0 ? Inputs : Width;
    public int FanOut(int l) => l == HiddenLayers ? 1 : Width;
}
