using MiniTransformer.Compute;

namespace MiniTransformer.Model;

/// <summary>What one block saves in the forward pass for its backward pass (all [B·T, ·] row-major).</summary>
public sealed record BlockActivations(
    DeviceSlice<float> Ln1, DeviceSlice<float> Ln1Mean, DeviceSlice<float> Ln1Rstd,
    DeviceSlice<float> Qkv, DeviceSlice<float> AttY, DeviceSlice<float> Att,
    DeviceSlice<float> Resid2,
    DeviceSlice<float> Ln2, DeviceSlice<float> Ln2Mean, DeviceSlice<float> Ln2Rstd,
    DeviceSlice<float> FcPre, DeviceSlice<float> FcGelu,
    DeviceSlice<float> Resid3);

/// <summary>
/// Every activation and activation-gradient tensor of a batch of B sequences of length T, carved from one flat
/// buffer (llm.c's activation memory). Scratch gradients are shared by all layers: the backward pass walks the
/// layers one at a time, so one [B·T, 4C] buffer etc. suffices. The logits buffer also holds dLogits after a
/// training forward (cross-entropy writes the gradient in place).
/// </summary>
public sealed class GptActivations : IDisposable
{
    private readonly DeviceBuffer<float> _buffer;

    public GptActivations(ComputeBackend backend, GptConfig config, int batch)
    {
        int t = config.SequenceLength, c = config.Width, v = config.VocabSize, nh = config.HeadCount;
        long bt = (long)batch * t, h = GptConfig.MlpRatio * c;
        var sizes = new List<long>();
        long Take(long n) { sizes.Add(n); return n; }

        // First pass: sizes only; second pass: views. One list keeps the two passes in step.
        void Plan()
        {
            Take(bt * c);                                                    // encoded
            for (int l = 0; l < config.Layers; l++)
            {
                Take(bt * c); Take(bt); Take(bt);                            // ln1, mean, rstd
                Take(3 * bt * c); Take(bt * c); Take((long)batch * nh * t * t); // qkv, atty, att
                Take(bt * c);                                                // resid2
                Take(bt * c); Take(bt); Take(bt);                            // ln2, mean, rstd
                Take(bt * h); Take(bt * h);                                  // fc pre-activation, GELU output
                Take(bt * c);                                                // resid3
            }
            Take(bt * c); Take(bt); Take(bt);                                // lnf, mean, rstd
            Take(bt * v); Take(bt);                                          // logits (then dLogits), losses
            Take(bt * c);                                                    // projection scratch
            Take(bt * c); Take(bt * c); Take(bt * c); Take(3 * bt * c); Take(bt * h); // dResidual, dLn, dAttY, dQkv, dFc
            Take(1); Take(1);                                                // loss sum, gradient norm²
        }
        Plan();
        _buffer = backend.Allocate<float>(sizes.Sum());
        long offset = 0;
        int next = 0;
        DeviceSlice<float> View() { var s = _buffer.Slice(offset, sizes[next]); offset += sizes[next++]; return s; }

        Encoded = View();
        var blocks = new BlockActivations[config.Layers];
        for (int l = 0; l < config.Layers; l++)
            blocks[l] = new BlockActivations(View(), View(), View(), View(), View(), View(), View(),
                View(), View(), View(), View(), View(), View());
        Blocks = blocks;
        Lnf = View(); LnfMean = View(); LnfRstd = View();
        Logits = View(); Losses = View();
        Projection = View();
        DResidual = View(); DLn = View(); DAttY = View(); DQkv = View(); DFc = View();
        LossSum = View(); GradNormSquared = View();
        Length = _buffer.Length;
    }

    public long Length { get; }
    public DeviceSlice<float> Encoded { get; }
    public IReadOnlyList<BlockActivations> Blocks { get; }
    public DeviceSlice<float> Lnf { get; }
    public DeviceSlice<float> LnfMean { get; }
    public DeviceSlice<float> LnfRstd { get; }
    public DeviceSlice<float> Logits { get; }
    public DeviceSlice<float> Losses { get; }
    public DeviceSlice<float> Projection { get; }
    public DeviceSlice<float> DResidual { get; }
    public DeviceSlice<float> DLn { get; }
    public DeviceSlice<float> DAttY { get; }
    public DeviceSlice<float> DQkv { get; }
    public DeviceSlice<float> DFc { get; }
    public DeviceSlice<float> LossSum { get; }
    public DeviceSlice<float> GradNormSquared { get; }

    public void Dispose() => _buffer.Dispose();
}
