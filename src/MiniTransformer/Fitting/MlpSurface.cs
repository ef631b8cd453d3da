using MiniTransformer.Compute;
using MiniTransformer.Compute.Cpu;

namespace MiniTransformer.Fitting;

/// <summary>
/// A small multilayer perceptron ln L = f(ln N, ln D), trained with this project's compute layer
/// (<see cref="MlpNetwork"/>): a nonparametric yardstick beside the parametric laws, like <see cref="KernelRidge"/>.
/// <list type="bullet">
/// <item>Inputs (ln N, ln D) and the target ln L are standardised by the training points' mean and s.d. The loss is
/// the mean squared error of standardised ln L: losses span a multiplicative range and their noise is roughly
/// proportional to L, so log space weighs every run alike (as the Chinchilla fit's Huber loss on ln L does).</item>
/// <item>Full-batch AdamW (β = 0.9, 0.999; decay on matrices only), constant learning rate. The number of steps is
/// chosen by early stopping: train on an inner 80/20 split of the training points (drawn from Philox), evaluate the
/// held-out error every few steps, stop after <see cref="MlpSurfaceOptions.Patience"/> steps without improvement;
/// then retrain from the same initial weights on all training points for the best step count, so no point is
/// wasted on the final fit.</item>
/// <item>Deterministic by seed: weights from Philox, full batches, and the CPU backend's fixed-order reductions give
/// the same bits on every run and thread count. A device backend sums in other orders, so its fit agrees with the
/// CPU's to float32 rounding rather than bit for bit (tested: within 10⁻³ rms in ln L).</item>
/// </list>
/// <see cref="Predict"/> runs the trained float32 weights through the same network in float64 on the host: the
/// frontier search calls it one point at a time, where a device launch per point would cost more than the maths.
/// Like kernel ridge it interpolates; it does not extrapolate a law, so read its frontier inside the data's range.
/// </summary>
public sealed class MlpSurface : ISurfaceFit
{
    /// <summary>Philox stream of the inner early-stopping split (initial weights use streams 1 … layers + 1).</summary>
    private const ulong InnerSplitStream = 0x4D4C50;

    private readonly double[] _weights;
    private readonly double[] _mean, _scale;
    private readonly double _yMean, _yScale;
    private readonly MlpLayout _layout;

    private MlpSurface(MlpLayout layout, double[] weights, double[] mean, double[] scale, double yMean, double yScale,
                       MlpSurfaceOptions options, string backend, int steps, int stepsSearched, double innerMse, double trainMse, int points)
    {
        (_layout, _weights, _mean, _scale, _yMean, _yScale) = (layout, weights, mean, scale, yMean, yScale);
        (Options, Backend, Steps, StepsSearched, InnerValidationMseLog, TrainMseLog, Points) = (options, backend, steps, stepsSearched, innerMse, trainMse, points);
    }

    public string Form => "mlp";
    public MlpSurfaceOptions Options { get; }
    /// <summary>The compute backend it was trained on (cpu, opencl, cuda).</summary>
    public string Backend { get; }
    /// <summary>Full-batch steps of the final fit: the early-stopping choice.</summary>
    public int Steps { get; }
    /// <summary>Steps run on the inner split before the search stopped.</summary>
    public int StepsSearched { get; }
    /// <summary>Best inner-validation MSE of ln L (natural units) during the step search.</summary>
    public double InnerValidationMseLog { get; }
    /// <summary>MSE of ln L of the final fit on its training points.</summary>
    public double TrainMseLog { get; }
    public int Points { get; }
    public long ParameterCount => _weights.Length;

    public IReadOnlyDictionary<string, double> Parameters => new Dictionary<string, double>
    {
        ["hidden_layers"] = Options.HiddenLayers, ["width"] = Options.Width, ["parameters"] = ParameterCount, ["steps"] = Steps,
        ["inner_val_mse_log_loss"] = InnerValidationMseLog, ["train_mse_log_loss"] = TrainMseLog,
    };

    /// <summary>Trains on <paramref name="backend"/> (default: a CPU backend made for this fit).</summary>
    public static MlpSurface Fit(IReadOnlyList<ScalingPoint> points, MlpSurfaceOptions? options = null, ComputeBackend? backend = null)
    {
        options ??= new();
        options.Validate();
        ScalingPoint.Validate(points, 0, "the MLP surface");
        if (points.Count < MlpSurfaceOptions.MinimumPoints)
            throw new UserInputException($"the MLP surface needs at least {MlpSurfaceOptions.MinimumPoints} points (it early-stops on an inner split); got {points.Count}");
        if (backend is null)
        {
            using var cpu = new CpuBackend();
            return Train(points, options, cpu);
        }
        return Train(points, options, backend);
    }

    private static MlpSurface Train(IReadOnlyList<ScalingPoint> points, MlpSurfaceOptions o, ComputeBackend backend)
    {
        int n = points.Count;
        var raw = points.Select(p => new[] { Math.Log(p.N), Math.Log(p.D) }).ToArray();
        var lnL = points.Select(p => Math.Log(p.Loss)).ToArray();
        var mean = new double[2]; var scale = new double[2];
        for (int d = 0; d < 2; d++) (mean[d], scale[d]) = MeanStd(raw.Select(r => r[d]).ToArray());
        var (yMean, yScale) = MeanStd(lnL);
        if (yScale == 0) yScale = 1;   // a flat surface: standardising would divide by zero, any unit scale will do

        // inner split for early stopping; rows of the uploaded data: inner-train, inner-validation, then all points
        var perm = SurfaceValidation.Permutation(n, o.Seed, InnerSplitStream);
        int nVal = Math.Max(2, (int)Math.Round(o.InnerValidationFraction * n)), nInner = n - nVal;
        var order = perm.Concat(Enumerable.Range(0, n)).ToArray();
        var x = new float[order.Length * 2];
        var negY = new float[order.Length];
        for (int r = 0; r < order.Length; r++)
        {
            int i = order[r];
            x[2 * r] = (float)((raw[i][0] - mean[0]) / scale[0]);
            x[2 * r + 1] = (float)((raw[i][1] - mean[1]) / scale[1]);
            negY[r] = (float)(-(lnL[i] - yMean) / yScale);
        }
        using var xs = backend.UploadNew<float>(x);
        using var ys = backend.UploadNew<float>(negY);
        var (innerX, innerY) = (xs.Slice(0, 2L * nInner), ys.Slice(0, nInner));
        var (valX, valY) = (xs.Slice(2L * nInner, 2L * nVal), ys.Slice(nInner, nVal));
        var (allX, allY) = (xs.Slice(2L * n, 2L * n), ys.Slice(n, n));

        using var net = new MlpNetwork(backend, o.HiddenLayers, o.Width, n);
        net.Initialize(o.Seed);
        double best = double.PositiveInfinity;
        int bestStep = 0, step = 0;
        while (step < o.MaxSteps && step - bestStep < o.Patience)
        {
            step++;
            net.Forward(innerX, innerY, nInner);
            net.Backward(innerX, nInner);
            net.Step(o.LearningRate, o.WeightDecay, nInner);
            if (step % o.EvaluateEvery != 0) continue;
            net.Forward(valX, valY, nVal);
            double mse = net.SumOfSquaredResiduals(nVal) / nVal;
            if (!double.IsFinite(mse)) break;
            if (mse < best) (best, bestStep) = (mse, step);
        }
        if (bestStep == 0)
            throw new UserInputException($"the MLP surface diverged before its first evaluation (learning rate {o.LearningRate}); lower the learning rate");

        net.Initialize(o.Seed);
        for (int s = 0; s < bestStep; s++)
        {
            net.Forward(allX, allY, n);
            net.Backward(allX, n);
            net.Step(o.LearningRate, o.WeightDecay, n);
        }
        net.Forward(allX, allY, n);
        double trainMse = net.SumOfSquaredResiduals(n) / n;
        var weights = Array.ConvertAll(backend.DownloadArray<float>(net.Parameters), v => (double)v);
        if (!weights.All(double.IsFinite) || !double.IsFinite(trainMse))
            throw new UserInputException($"the MLP surface diverged in its final {bestStep}-step fit (learning rate {o.LearningRate}); lower the learning rate");
        double lnVariance = yScale * yScale;
        return new MlpSurface(new MlpLayout(o.HiddenLayers, o.Width), weights, mean, scale, yMean, yScale, o,
                              backend.Kind.ToString().ToLowerInvariant(), bestStep, step, best * lnVariance, trainMse * lnVariance, n);
    }

    public double Predict(double n, double d)
    {
        int h = _layout.Width;
        Span<double> a = stackalloc double[h], b = stackalloc double[h];
        Span<double> input = [(Math.Log(n) - _mean[0]) / _scale[0], (Math.Log(d) - _mean[1]) / _scale[1]];
        ReadOnlySpan<double> x = input;
        for (int l = 0; l < _layout.HiddenLayers; l++)
        {
            var w = _weights.AsSpan((int)_layout.WeightOffset(l), h * x.Length);
            var bias = _weights.AsSpan((int)_layout.BiasOffset(l), h);
            var output = l % 2 == 0 ? a : b;
            for (int j = 0; j < h; j++)
            {
                double s = bias[j];
                var row = w.Slice(j * x.Length, x.Length);
                for (int k = 0; k < x.Length; k++) s += row[k] * x[k];
                output[j] = Gelu(s);
            }
            x = output;
        }
        var top = _weights.AsSpan((int)_layout.WeightOffset(_layout.HiddenLayers), h);
        double y = _weights[_layout.BiasOffset(_layout.HiddenLayers)];
        for (int k = 0; k < h; k++) y += top[k] * x[k];
        return Math.Exp(_yMean + _yScale * y);
    }

    /// <summary>The tanh approximation the engine's GELU uses (GPT-2, PyTorch approximate="tanh").</summary>
    private static double Gelu(double v) => 0.5 * v * (1 + Math.Tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));

    private static (double Mean, double Std) MeanStd(double[] v)
    {
        double m = v.Average();
        return (m, Math.Sqrt(v.Sum(t => (t - m) * (t - m)) / v.Length));
    }
}
