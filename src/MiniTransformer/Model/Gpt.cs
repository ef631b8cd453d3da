using MiniTransformer.Compute;

namespace MiniTransformer.Model;

/// <summary>
/// The tiny GPT as straight-line forward and backward passes of backend ops over flat buffers (llm.c style):
/// parameters and gradients are one buffer each (<see cref="ParameterLayout"/>), activations one more
/// (<see cref="GptActivations"/>). A step is <see cref="SetBatch"/>, <see cref="Forward"/>(training: true),
/// <see cref="Backward"/>; the optimizer lives in Training/. Shapes: B sequences × T positions, width C, NH heads of
/// HS, vocabulary V. Mathematically identical to tools/gpt_reference.py.
/// </summary>
public sealed class Gpt : IDisposable
{
    private readonly DeviceBuffer<int> _inputs, _targets;

    public Gpt(ComputeBackend backend, GptConfig config, int batchSize)
    {
        config.Validate();
        if (batchSize < 1) throw new UserInputException($"batch size {batchSize} must be at least 1");
        Backend = backend;
        Config = config;
        BatchSize = batchSize;
        Layout = new ParameterLayout(config);
        Parameters = backend.Allocate<float>(Layout.Count);
        Gradients = backend.Allocate<float>(Layout.Count);
        P = new GptTensors(Layout, Parameters);
        G = new GptTensors(Layout, Gradients);
        Activations = new GptActivations(backend, config, batchSize);
        _inputs = backend.Allocate<int>(Rows);
        _targets = backend.Allocate<int>(Rows);
    }

    public ComputeBackend Backend { get; }
    public GptConfig Config { get; }
    public int BatchSize { get; }
    public ParameterLayout Layout { get; }
    public DeviceBuffer<float> Parameters { get; }
    public DeviceBuffer<float> Gradients { get; }
    public GptActivations Activations { get; }

    /// <summary>B·T: the rows of every [B·T, ·] activation, and the number of predicted tokens per batch.</summary>
    public int Rows => BatchSize * Config.SequenceLength;

    private GptTensors P { get; }
    private GptTensors G { get; }

    /// <summary>Uploads a batch: inputs and next-token targets, each B·T token ids (row-major [B, T]).</summary>
    public void SetBatch(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets)
    {
        if (inputs.Length != Rows || targets.Length != Rows)
            throw new ArgumentException($"a batch is {Rows} inputs and targets, got {inputs.Length} and {targets.Length}");
        Backend.Upload(inputs, _inputs);
        Backend.Upload(targets, _targets);
    }

    /// <summary>
    /// Sets the batch from B sequences of T + 1 tokens already on the device (e.g. walks sampled there): inputs are
    /// each sequence's first T tokens, targets its last T. No host data is touched.
    /// </summary>
    public void SetBatch(DeviceSlice<int> sequences) =>
        Backend.SplitSequences(_inputs, _targets, sequences, BatchSize, Config.SequenceLength + 1);

    /// <summary>
    /// Runs the model on the current batch and returns the mean cross-entropy (nats per token). With
    /// <paramref name="training"/>, the logits buffer is overwritten by dLoss/dLogits (scaled by 1/(B·T)) for
    /// <see cref="Backward"/>; without, it keeps the logits.
    /// </summary>
    public float Forward(bool training)
    {
        var b = Backend;
        var a = Activations;
        int B = BatchSize, T = Config.SequenceLength, C = Config.Width, V = Config.VocabSize, NH = Config.HeadCount, HS = Config.HeadSize;
        int bt = Rows, h = GptConfig.MlpRatio * C;

        b.EmbeddingForward(a.Encoded, _inputs, P.Wte, P.Wpe, B, T, C);
        var residual = a.Encoded;
        for (int l = 0; l < Config.Layers; l++)
        {
            var p = P.Blocks[l];
            var s = a.Blocks[l];
            b.LayerNormForward(s.Ln1, s.Ln1Mean, s.Ln1Rstd, residual, p.Ln1W, p.Ln1B, bt, C);
            LinearForward(s.Qkv, s.Ln1, p.QkvW, p.QkvB, bt, C, 3 * C);
            if (Config.Positions == PositionEncoding.Rotary) b.Rope(s.Qkv, B, T, NH, HS, Config.RopeTheta, inverse: false);
            b.AttentionForward(s.AttY, s.Att, s.Qkv, B, T, NH, HS, Config.AttentionScale);
            LinearForward(a.Projection, s.AttY, p.AttProjW, p.AttProjB, bt, C, C);
            b.Add(s.Resid2, residual, a.Projection, (long)bt * C);
            b.LayerNormForward(s.Ln2, s.Ln2Mean, s.Ln2Rstd, s.Resid2, p.Ln2W, p.Ln2B, bt, C);
            b.Gemm(new GemmSpec(bt, h, C, TransB: true), s.Ln2, p.FcW, s.FcGelu, GemmEpilogue.BiasGelu, p.FcB, s.FcPre);
            LinearForward(a.Projection, s.FcGelu, p.FcProjW, p.FcProjB, bt, h, C);
            b.Add(s.Resid3, s.Resid2, a.Projection, (long)bt * C);
            residual = s.Resid3;
        }
        b.LayerNormForward(a.Lnf, a.LnfMean, a.LnfRstd, residual, P.LnfW, P.LnfB, bt, C);
        b.Gemm(new GemmSpec(bt, V, C, TransB: true, Alpha: Config.ReadoutMultiplier), a.Lnf, P.Readout, a.Logits);
        b.CrossEntropy(a.Losses, training ? a.Logits : null, a.Logits, _targets, bt, V, 1f / bt);
        b.Reduce(ReductionKind.Sum, a.LossSum, a.Losses, bt);
        Span<float> sum = stackalloc float[1];
        b.Download(a.LossSum, sum);
        return sum[0] / bt;
    }

    /// <summary>Fills the gradient buffer with dLoss/dθ of the last training <see cref="Forward"/>.</summary>
    public void Backward()
    {
        var b = Backend;
        var a = Activations;
        int B = BatchSize, T = Config.SequenceLength, C = Config.Width, V = Config.VocabSize, NH = Config.HeadCount, HS = Config.HeadSize;
        int bt = Rows, h = GptConfig.MlpRatio * C;
        float readout = Config.ReadoutMultiplier;

        // LayerNorm and embedding backward accumulate, so their gradients and the residual gradient start from zero.
        // Every other gradient is written outright (GEMMs with β = 0, column sums), so the rest of the buffer — the
        // bulk of it — is not cleared first.
        ZeroAccumulatedGradients();
        b.Fill(a.DResidual, 0f);

        // logits = readout·lnf·Wᵀ: dLnf = readout·dLogits·W, dW = readout·dLogitsᵀ·lnf.
        b.Gemm(new GemmSpec(bt, C, V, Alpha: readout), a.Logits, P.Readout, a.DLn);
        b.Gemm(new GemmSpec(V, C, bt, TransA: true, Alpha: readout), a.Logits, a.Lnf, G.Readout);
        b.LayerNormBackward(a.DResidual, G.LnfW, G.LnfB, a.DLn, a.Blocks[^1].Resid3, P.LnfW, a.LnfMean, a.LnfRstd, bt, C);

        for (int l = Config.Layers - 1; l >= 0; l--)
        {
            var p = P.Blocks[l];
            var g = G.Blocks[l];
            var s = a.Blocks[l];
            var residual = l == 0 ? a.Encoded : a.Blocks[l - 1].Resid3;

            // resid3 = resid2 + fcproj(gelu(fc(ln2(resid2)))): DResidual holds dResid3, which is also dResid2's direct part.
            LinearBackward(a.DFc, g.FcProjW, g.FcProjB, a.DResidual, s.FcGelu, p.FcProjW, bt, h, C);
            b.GeluBackward(a.DFc, s.FcPre, a.DFc, (long)bt * h);
            LinearBackward(a.DLn, g.FcW, g.FcB, a.DFc, s.Ln2, p.FcW, bt, C, h);
            b.LayerNormBackward(a.DResidual, g.Ln2W, g.Ln2B, a.DLn, s.Resid2, p.Ln2W, s.Ln2Mean, s.Ln2Rstd, bt, C);

            // resid2 = residual + attproj(attention(rope(qkv(ln1(residual))))).
            LinearBackward(a.DAttY, g.AttProjW, g.AttProjB, a.DResidual, s.AttY, p.AttProjW, bt, C, C);
            b.AttentionBackward(a.DQkv, a.DAttY, s.Qkv, s.Att, B, T, NH, HS, Config.AttentionScale);
            if (Config.Positions == PositionEncoding.Rotary) b.Rope(a.DQkv, B, T, NH, HS, Config.RopeTheta, inverse: true);
            LinearBackward(a.DLn, g.QkvW, g.QkvB, a.DQkv, s.Ln1, p.QkvW, bt, C, 3 * C);
            b.LayerNormBackward(a.DResidual, g.Ln1W, g.Ln1B, a.DLn, residual, p.Ln1W, s.Ln1Mean, s.Ln1Rstd, bt, C);
        }
        b.EmbeddingBackward(G.Wte, G.Wpe, a.DResidual, _inputs, B, T, C);
    }

    /// <summary>
    /// Zeroes the gradients that backward accumulates into: LayerNorm gains and biases, the positional table, and the
    /// token embedding unless it is tied to the readout (whose weight-gradient GEMM then writes it before the embedding
    /// backward adds to it).
    /// </summary>
    private void ZeroAccumulatedGradients()
    {
        var b = Backend;
        foreach (var g in G.Blocks)
            foreach (var slice in new[] { g.Ln1W, g.Ln1B, g.Ln2W, g.Ln2B }) b.Fill(slice, 0f);
        b.Fill(G.LnfW, 0f);
        b.Fill(G.LnfB, 0f);
        if (G.Wpe is { } wpe) b.Fill(wpe, 0f);
        if (!Config.TiedEmbeddings) b.Fill(G.Wte, 0f);
    }

    /// <summary>y = x·Wᵀ + bias with W stored [out, in] as PyTorch.</summary>
    private void LinearForward(DeviceSlice<float> output, DeviceSlice<float> input, DeviceSlice<float> weight,
        DeviceSlice<float> bias, int rows, int inFeatures, int outFeatures) =>
        Backend.Gemm(new GemmSpec(rows, outFeatures, inFeatures, TransB: true), input, weight, output, GemmEpilogue.Bias, bias);

    /// <summary>dInput = dOut·W, dW = dOutᵀ·input, dBias = Σ_rows dOut (all written, not accumulated).</summary>
    private void LinearBackward(DeviceSlice<float> dInput, DeviceSlice<float> dWeight, DeviceSlice<float> dBias,
        DeviceSlice<float> dOutput, DeviceSlice<float> input, DeviceSlice<float> weight, int rows, int inFeatures, int outFeatures)
    {
        Backend.Gemm(new GemmSpec(rows, inFeatures, outFeatures), dOutput, weight, dInput);
        Backend.Gemm(new GemmSpec(outFeatures, inFeatures, rows, TransA: true), dOutput, input, dWeight);
        Backend.ColumnSum(dBias, dOutput, rows, outFeatures, accumulate: false);
    }

    public void Dispose()
    {
        Parameters.Dispose();
        Gradients.Dispose();
        Activations.Dispose();
        _inputs.Dispose();
        _targets.Dispose();
    }
}
