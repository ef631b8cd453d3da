namespace MiniTransformer.Model;

/// <summary>How widths scale the initialisation, learning rates and multipliers (see <see cref="GptConfig"/>).</summary>
public enum Parameterization { Sp, Mup }

/// <summary>Where position information enters: rotary embeddings on q and k, or a learned table added to the input.</summary>
public enum PositionEncoding { Rotary, Learned }

/// <summary>
/// The whole architecture of the tiny GPT in one record (nanoGPT-style): decoder-only, pre-LayerNorm, biases on every
/// linear layer, heads = max(4, width/64) unless set, MLP ratio 4 with tanh-GELU, final LayerNorm, readout tied to the
/// token embedding unless <see cref="TiedEmbeddings"/> is off.
///
/// Parameterisations. With m = <see cref="WidthMultiplier"/> (width / base width under μP, 1 under SP):
/// hidden matrices (qkv, attention projection, MLP) are initialised N(0, (InitStd/√m)²), the residual-stream
/// projections further divided by √(2·layers) as in GPT-2; embeddings N(0, InitStd²); LayerNorm weights 1, biases 0.
/// μP (Yang et al., Tensor Programs V) adds: hidden-matrix Adam LR divided by m, logits multiplied by 1/m
/// (readout multiplier), attention scores scaled 1/d_head instead of 1/√d_head, query rows of the qkv weight and an
/// untied readout initialised to zero. At width = base width, μP differs from SP only in those zero inits and the
/// attention scale, so HP sweeps at the base width transfer to every width.
/// </summary>
public sealed record GptConfig(
    int VocabSize,
    int SequenceLength,
    int Layers,
    int Width,
    Parameterization Parameterization = Parameterization.Mup,
    int BaseWidth = 128,
    int? Heads = null,
    PositionEncoding Positions = PositionEncoding.Rotary,
    bool TiedEmbeddings = true,
    float RopeTheta = 10000f,
    float InitStd = 0.02f)
{
    public const int MlpRatio = 4;

    public int HeadCount => Heads ?? Math.Max(4, Width / 64);
    public int HeadSize => Width / HeadCount;

    public double WidthMultiplier => Parameterization == Parameterization.Mup ? (double)Width / BaseWidth : 1.0;

    /// <summary>Logits are the readout product times this: 1/m under μP, 1 under SP.</summary>
    public float ReadoutMultiplier => (float)(1.0 / WidthMultiplier);

    /// <summary>Adam learning-rate factor of hidden matrices: 1/m under μP, 1 under SP.</summary>
    public float HiddenLearningRateMultiplier => (float)(1.0 / WidthMultiplier);

    public float AttentionScale => Parameterization == Parameterization.Mup ? 1f / HeadSize : 1f / MathF.Sqrt(HeadSize);

    /// <summary>Throws a <see cref="UserInputException"/> naming the first impossible setting.</summary>
    public GptConfig Validate()
    {
        if (VocabSize < 2) throw new UserInputException($"vocabulary size {VocabSize} must be at least 2");
        if (SequenceLength < 1) throw new UserInputException($"sequence length {SequenceLength} must be at least 1");
        if (Layers < 1) throw new UserInputException($"layers = {Layers} must be at least 1");
        if (Width < 1) throw new UserInputException($"width = {Width} must be positive");
        if (BaseWidth < 1) throw new UserInputException($"base width = {BaseWidth} must be positive");
        if (HeadCount < 1 || Width % HeadCount != 0)
            throw new UserInputException($"width {Width} is not divisible by {HeadCount} heads");
        if (Positions == PositionEncoding.Rotary && HeadSize % 2 != 0)
            throw new UserInputException($"rotary embeddings need an even head size; width {Width} / {HeadCount} heads = {HeadSize}");
        if (!(RopeTheta > 1f)) throw new UserInputException($"rotary base {RopeTheta} must exceed 1");
        if (!(InitStd > 0f)) throw new UserInputException($"init std {InitStd} must be positive");
        return this;
    }
}
