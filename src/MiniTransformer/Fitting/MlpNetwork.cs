using MiniTransformer.Compute;
using MiniTransformer.Model;

namespace MiniTransformer.Fitting;

/// <summary>
/// The surface regressor's network on the compute layer, llm.c style: a 2 → H → … → H → 1 perceptron with tanh-GELU
/// hidden layers, as straight-line forward and backward passes of backend ops over flat buffers. Parameters,
/// gradients and both Adam moments share one <see cref="MlpLayout"/>, so the optimizer is one AdamW launch for the
/// decayed matrices and one for the undecayed biases.
/// The forward pass writes the residual r = ŷ − y directly (the output GEMM starts from −y with β = 1 and adds the
/// bias in its epilogue); the backward pass fills the gradient of J = ½·Σ r², and <see cref="Step"/> scales it by
/// 2/rows (AdamW's GradScale), so the update follows the mean squared error.
/// </summary>
internal sealed class MlpNetwork : IDisposable
{
    private readonly ComputeBackend _b;
    private readonly DeviceBuffer<float> _activations, _m, _v;
    private readonly DeviceSlice<float>[] _pre, _act;
    private readonly DeviceSlice<float> _residual, _gradA, _gradB, _sumSlot;
    private int _step;

    public MlpNetwork(ComputeBackend backend, int hiddenLayers, int width, int maxRows)
    {
        if (hiddenLayers < 1 || width < 1 || maxRows < 1) throw new ArgumentException("the network needs at least one hidden layer, one unit and one row");
        _b = backend;
        Layout = new MlpLayout(hiddenLayers, width);
        MaxRows = maxRows;
        Parameters = backend.Allocate<float>(Count);
        Gradients = backend.Allocate<float>(Count);
        _m = backend.Allocate<float>(Count);
        _v = backend.Allocate<float>(Count);

        // activations: pre-activation and GELU output per hidden layer, the residual, two ping-pong gradient slabs, one reduction slot
        long slab = (long)maxRows * width;
        _activations = backend.Allocate<float>((2L * hiddenLayers + 2) * slab + maxRows + 1);
        _pre = new DeviceSlice<float>[hiddenLayers];
        _act = new DeviceSlice<float>[hiddenLayers];
        long at = 0;
        for (int l = 0; l < hiddenLayers; l++)
        {
            _pre[l] = _activations.Slice(at, slab); at += slab;
            _act[l] = _activations.Slice(at, slab); at += slab;
        }
        _gradA = _activations.Slice(at, slab); at += slab;
        _gradB = _activations.Slice(at, slab); at += slab;
        _residual = _activations.Slice(at, maxRows); at += maxRows;
        _sumSlot = _activations.Slice(at, 1);
    }

    public MlpLayout Layout { get; }
    public int MaxRows { get; }
    public DeviceBuffer<float> Parameters { get; }
    public DeviceBuffer<float> Gradients { get; }

    private int HiddenLayers => Layout.HiddenLayers;
    private int Width => Layout.Width;
    private long MatrixCount => Layout.MatrixCount;
    private long Count => Layout.Count;
    private int FanIn(int l) => Layout.FanIn(l);
    private int FanOut(int l) => Layout.FanOut(l);

    private DeviceSlice<float> W(DeviceBuffer<float> buffer, int l) => buffer.Slice(Layout.WeightOffset(l), (long)FanOut(l) * FanIn(l));
    private DeviceSlice<float> Bias(DeviceBuffer<float> buffer, int l) => buffer.Slice(Layout.BiasOffset(l), FanOut(l));

    /// <summary>
    /// Initial parameters from Philox(seed, stream = tensor index + 1): weights N(0, 1/fan-in) (LeCun, so a unit-
    /// variance input keeps unit variance through each layer), biases 0; the Adam moments and step count reset.
    /// </summary>
    public void Initialize(ulong seed)
    {
        var values = new float[Count];
        for (int l = 0; l <= HiddenLayers; l++)
            GptInitializer.FillNormal(values.AsSpan((int)Layout.WeightOffset(l), FanOut(l) * FanIn(l)), 1 / Math.Sqrt(FanIn(l)), seed, (ulong)l + 1);
        _b.Upload<float>(values, Parameters);
        _b.Fill(_m, 0f);
        _b.Fill(_v, 0f);
        _step = 0;
    }

    /// <summary>
    /// ŷ − y for <paramref name="rows"/> points: <paramref name="inputs"/> [rows, 2], <paramref name="negTargets"/>
    /// [rows] holding −y. Keeps what <see cref="Backward"/> needs.
    /// </summary>
    public void Forward(DeviceSlice<float> inputs, DeviceSlice<float> negTargets, int rows)
    {
        CheckRows(rows);
        var x = inputs;
        for (int l = 0; l < HiddenLayers; l++)
        {
            _b.Gemm(new GemmSpec(rows, Width, FanIn(l), TransB: true), x, W(Parameters, l), _act[l], GemmEpilogue.BiasGelu, Bias(Parameters, l), _pre[l]);
            x = _act[l];
        }
        _b.Copy(_residual.Slice(0, rows), negTargets.Slice(0, rows));
        _b.Gemm(new GemmSpec(rows, 1, Width, TransB: true, Beta: 1f), x, W(Parameters, HiddenLayers), _residual, GemmEpilogue.Bias, Bias(Parameters, HiddenLayers));
    }

    /// <summary>Σ r² of the last <see cref="Forward"/> (one reduction on the device, one float back).</summary>
    public double SumOfSquaredResiduals(int rows)
    {
        CheckRows(rows);
        _b.Reduce(ReductionKind.SumOfSquares, _sumSlot, _residual, rows);
        Span<float> s = stackalloc float[1];
        _b.Download(_sumSlot, s);
        return s[0];
    }

    /// <summary>The residuals r = ŷ − y of the last <see cref="Forward"/>.</summary>
    public float[] Residuals(int rows)
    {
        CheckRows(rows);
        return _b.DownloadArray(_residual.Slice(0, rows));
    }

    /// <summary>Writes dJ/dθ, J = ½·Σ r², for the last <see cref="Forward"/> on the same <paramref name="inputs"/>.</summary>
    public void Backward(DeviceSlice<float> inputs, int rows)
    {
        CheckRows(rows);
        int h = Width, top = HiddenLayers;
        var r = _residual;
        // output row: dW_out = rᵀ·act_top, db_out = Σ r, dAct_top = r·W_out (an outer product, K = 1)
        _b.Gemm(new GemmSpec(1, h, rows, TransA: true), r, _act[top - 1], W(Gradients, top));
        _b.ColumnSum(Bias(Gradients, top), r, rows, 1, accumulate: false);
        _b.Gemm(new GemmSpec(rows, h, 1), r, W(Parameters, top), _gradA);
        DeviceSlice<float> dAct = _gradA, spare = _gradB;
        for (int l = top - 1; l >= 0; l--)
        {
            // dPre = GELU'(pre)·dAct in place; dW = dPreᵀ·input, db = Σ_rows dPre, dInput = dPre·W (not needed for the data)
            _b.GeluBackward(dAct, _pre[l], dAct, (long)rows * h);
            var input = l == 0 ? inputs : _act[l - 1];
            _b.Gemm(new GemmSpec(h, FanIn(l), rows, TransA: true), dAct, input, W(Gradients, l));
            _b.ColumnSum(Bias(Gradients, l), dAct, rows, h, accumulate: false);
            if (l == 0) break;
            _b.Gemm(new GemmSpec(rows, h, h), dAct, W(Parameters, l), spare);
            (dAct, spare) = (spare, dAct);
        }
    }

    /// <summary>
    /// One AdamW update on the mean squared error of the last <see cref="Backward"/>'s <paramref name="rows"/> points,
    /// with Adam's usual β2 = 0.999: full-batch gradients are not noisy, so the long second-moment memory costs nothing.
    /// </summary>
    public void Step(float learningRate, float weightDecay, int rows)
    {
        _step++;
        float scale = 2f / rows;
        _b.AdamW(Parameters.Slice(0, MatrixCount), Gradients.Slice(0, MatrixCount), _m.Slice(0, MatrixCount), _v.Slice(0, MatrixCount),
                 new AdamWStep(learningRate, _step, Beta2: 0.999f, WeightDecay: weightDecay, GradScale: scale));
        long vectors = Count - MatrixCount;
        _b.AdamW(Parameters.Slice(MatrixCount, vectors), Gradients.Slice(MatrixCount, vectors), _m.Slice(MatrixCount, vectors), _v.Slice(MatrixCount, vectors),
                 new AdamWStep(learningRate, _step, Beta2: 0.999f, WeightDecay: 0f, GradScale: scale));
    }

    private void CheckRows(int rows)
    {
        if (rows < 1 || rows > MaxRows) throw new ArgumentOutOfRangeException(nameof(rows), $"rows {rows} outside [1, {MaxRows}]");
    }

    public void Dispose()
    {
        Parameters.Dispose();
        Gradients.Dispose();
        _m.Dispose();
        _v.Dispose();
        _activations.Dispose();
    }
}
