using System.Diagnostics;
using MiniTransformer.Compute;
using MiniTransformer.Model;

namespace MiniTransformer.Training;

/// <summary>
/// One training run: a model, its optimizer and schedule, a training stream read once in order, a fixed set of test
/// batches evaluated at <see cref="TrainingOptions.EvaluationSteps"/>, exact FLOPs from the backend's op ledger,
/// divergence detection, and checkpoint/resume. Drive it with <see cref="RunSteps"/> / <see cref="RunToEnd"/>, then
/// read <see cref="Record"/>.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly ITrainingStream _train, _test;
    private readonly HashSet<int> _evaluationSteps;
    private readonly OpLedger _trainLedger = new(), _evalLedger = new();
    private readonly LearningRateSchedule _schedule;

    /// <summary>A run on token files (a training file streamed once, a test file for evaluation).</summary>
    public Trainer(ComputeBackend backend, TrainingOptions options, string trainPath, string testPath)
        : this(backend, options, OpenFiles(options, trainPath, testPath))
    {
    }

    /// <summary>A run on any pair of streams (token files, walks sampled on the device); the trainer owns and disposes them.</summary>
    public Trainer(ComputeBackend backend, TrainingOptions options, ITrainingStream train, ITrainingStream test)
        : this(backend, options, (train, test))
    {
    }

    private Trainer(ComputeBackend backend, TrainingOptions options, (ITrainingStream Train, ITrainingStream Test) data)
    {
        Backend = backend;
        Options = options;
        (_train, _test) = data;
        try
        {
            options.Validate();
            CheckData(options, _train, _test);
            Model = new Gpt(backend, options.Model, options.BatchSize);
            Optimizer = new AdamWOptimizer(Model, options.Adam);
        }
        catch
        {
            Model?.Dispose();
            _train.Dispose();
            _test.Dispose();
            throw;
        }
        backend.Upload<float>(GptInitializer.Initialize(Model.Layout, options.Seed), Model.Parameters);
        _schedule = LearningRateSchedule.WithWarmupFraction(options.LearningRate, options.Steps, options.WarmupFraction);
        _evaluationSteps = options.EvaluationSteps().ToHashSet();
    }

    private static (ITrainingStream, ITrainingStream) OpenFiles(TrainingOptions options, string trainPath, string testPath)
    {
        var train = new TokenBatches(trainPath, options.BatchSize);
        try
        {
            return (train, new TokenBatches(testPath, options.BatchSize));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    public ComputeBackend Backend { get; }
    public TrainingOptions Options { get; }

    /// <summary>The training data as the run record names it (a path, or the walk generator on the device).</summary>
    public string TrainSource => _train.Source;

    public string TestSource => _test.Source;
    public Gpt Model { get; }
    public AdamWOptimizer Optimizer { get; }
    public TrainingState State { get; private set; } = new();
    public LearningRateSchedule Schedule => _schedule;

    public bool Finished => State.Status != RunStatus.Running;

    /// <summary>Continues the run saved in <paramref name="checkpointPath"/>; the options must be the ones it was started with.</summary>
    public static Trainer Resume(ComputeBackend backend, string checkpointPath, TrainingOptions options, string trainPath, string testPath) =>
        Resume(backend, checkpointPath, options, () => new Trainer(backend, options, trainPath, testPath));

    /// <summary>Continues a saved run on streams (e.g. device walks); the trainer owns and disposes them.</summary>
    public static Trainer Resume(ComputeBackend backend, string checkpointPath, TrainingOptions options, ITrainingStream train, ITrainingStream test) =>
        Resume(backend, checkpointPath, options, () => new Trainer(backend, options, train, test));

    private static Trainer Resume(ComputeBackend backend, string checkpointPath, TrainingOptions options, Func<Trainer> start)
    {
        var (header, parameters, m, v) = Checkpoint.Read(checkpointPath);
        if (IO.Json.Serialize(header.Options) != IO.Json.Serialize(options))
            throw new UserInputException($"checkpoint '{checkpointPath}' belongs to a run with different options; resume with the same model, data and training settings");
        var trainer = start();
        if (header.ParameterCount != trainer.Model.Layout.Count)
        {
            trainer.Dispose();
            throw new UserInputException($"checkpoint '{checkpointPath}' holds {header.ParameterCount} parameters, the model has {trainer.Model.Layout.Count}");
        }
        backend.Upload<float>(parameters, trainer.Model.Parameters);
        backend.Upload<float>(m, trainer.Optimizer.M);
        backend.Upload<float>(v, trainer.Optimizer.V);
        trainer.Optimizer.StepCount = header.OptimizerSteps;
        trainer.State = header.State;
        return trainer;
    }

    public void SaveCheckpoint(string path, bool force)
    {
        var header = new Checkpoint.Header(Checkpoint.CurrentFormat, Options, State, Optimizer.StepCount, Model.Layout.Count);
        Checkpoint.Write(path, force, header,
            Backend.DownloadArray<float>(Model.Parameters), Backend.DownloadArray<float>(Optimizer.M), Backend.DownloadArray<float>(Optimizer.V));
    }

    public void RunToEnd(Action<Trainer>? afterStep = null)
    {
        while (!Finished) RunSteps(1, afterStep);
    }

    /// <summary>Takes up to <paramref name="count"/> steps (fewer when the run ends or diverges).</summary>
    public void RunSteps(int count, Action<Trainer>? afterStep = null)
    {
        var wall = Stopwatch.StartNew();
        for (int i = 0; i < count && !Finished; i++)
        {
            var t = Stopwatch.StartNew();
            TrainStep();
            State.TrainSeconds += t.Elapsed.TotalSeconds;
            if (!Finished && _evaluationSteps.Contains(State.Step)) Evaluate();
            if (!Finished && State.Step == Options.Steps) State.Status = RunStatus.Completed;
            afterStep?.Invoke(this);
        }
        State.WallSeconds += wall.Elapsed.TotalSeconds;
    }

    private void TrainStep()
    {
        int step = State.Step;
        // Loading is outside the ledger: the run's FLOPs are the model's and the optimizer's, whatever feeds them.
        _train.Load(step, Model);
        Backend.Ledger = _trainLedger;
        try
        {
            float loss = Model.Forward(training: true);
            State.FirstLoss ??= loss;
            double limit = Options.ExplosionFactor * Math.Max(Math.Log(Options.Model.VocabSize), State.FirstLoss.Value);
            if (!float.IsFinite(loss) || loss > limit)
            {
                Diverge(step + 1, float.IsFinite(loss) ? $"training loss {loss} exceeded {limit:G4} at step {step + 1}" : $"training loss {loss} at step {step + 1}");
                return;
            }
            Model.Backward();
            float scale = 1f;
            if (Options.ClipNorm > 0f)
            {
                float norm = Optimizer.GradientNorm();
                if (!float.IsFinite(norm)) { Diverge(step + 1, $"gradient norm {norm} at step {step + 1}"); return; }
                scale = AdamWOptimizer.ClipScale(norm, Options.ClipNorm);
            }
            float lr = _schedule.At(step);
            Optimizer.Step(lr, scale);
            State.Step = step + 1;
            long flops = _trainLedger.Total.Flops;
            if (step == 0) State.FlopsPerStep = flops;
            State.TrainingFlops += flops;
            if (State.Step % Options.LogInterval == 0 || State.Step == 1 || State.Step == Options.Steps)
                State.LossCurve.Add(new LossPoint(State.Step, (long)State.Step * Options.TokensPerStep, loss, lr));
        }
        finally
        {
            Backend.Ledger = null;
            _trainLedger.Clear();
        }
    }

    /// <summary>Mean test loss over the fixed evaluation batches, recorded at the current step.</summary>
    public double Evaluate()
    {
        double sum = 0;
        int batches = (int)Math.Min(Options.EvalBatches, _test.BatchCount);
        try
        {
            for (int i = 0; i < batches; i++)
            {
                Backend.Ledger = null;
                _test.Load(i, Model);
                Backend.Ledger = _evalLedger;
                sum += Model.Forward(training: false);
            }
        }
        finally
        {
            Backend.Ledger = null;
            State.EvaluationFlops += _evalLedger.Total.Flops;
            _evalLedger.Clear();
        }
        double loss = sum / batches;
        if (!double.IsFinite(loss)) Diverge(State.Step, $"test loss {loss} after step {State.Step}");
        else State.Evaluations.Add(new EvaluationPoint(State.Step, (long)State.Step * Options.TokensPerStep, loss));
        return loss;
    }

    private void Diverge(int step, string reason)
    {
        State.Status = RunStatus.Diverged;
        State.DivergenceReason = reason;
        State.LossCurve.Add(new LossPoint(step, (long)step * Options.TokensPerStep, float.NaN, _schedule.At(step - 1)));
    }

    public RunRecord Record()
    {
        var layout = Model.Layout;
        long tokens = (long)State.Step * Options.TokensPerStep;
        bool done = State.Status == RunStatus.Completed;
        return new RunRecord(
            RunRecord.CurrentFormat, Options.Model, Options, Options.Seed, CodeVersion.Current,
            $"{Backend.Kind.ToString().ToLowerInvariant()} ({Backend.Info.Name})",
            _train.Source, _test.Source,
            new ParameterCounts(layout.Count, layout.NonEmbeddingCount),
            Options.Steps, State.Step, tokens,
            new ComputeAccount(State.FlopsPerStep, State.TrainingFlops, State.EvaluationFlops,
                6.0 * layout.Count * tokens, 6.0 * layout.NonEmbeddingCount * tokens),
            State.LossCurve, State.Evaluations,
            done && State.Evaluations.Count > 0 ? State.Evaluations[^1].TestLoss : null,
            _train.EntropyRateNats,
            State.WallSeconds,
            State.TrainSeconds > 0 ? tokens / State.TrainSeconds : 0,
            State.Status, State.DivergenceReason);
    }

    private static void CheckData(TrainingOptions options, ITrainingStream train, ITrainingStream test)
    {
        var m = options.Model;
        if (train.VocabSize != m.VocabSize || train.SequenceLength - 1 != m.SequenceLength)
            throw new UserInputException($"'{train.Source}' has vocabulary {train.VocabSize} and context {train.SequenceLength - 1}; the model expects {m.VocabSize} and {m.SequenceLength}");
        if (test.VocabSize != train.VocabSize || test.SequenceLength != train.SequenceLength)
            throw new UserInputException($"test data '{test.Source}' (vocabulary {test.VocabSize}, sequences of {test.SequenceLength}) does not match the training data ({train.VocabSize}, {train.SequenceLength})");
        if (options.Steps > train.BatchCount)
            throw new UserInputException($"--tokens {options.Tokens} needs {options.Steps} batches of {options.BatchSize} sequences but '{train.Source}' holds {train.BatchCount} (one epoch, no reuse)");
        if (test.BatchCount < 1)
            throw new UserInputException($"test data '{test.Source}' holds fewer sequences than one batch of {options.BatchSize}");
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Model.Dispose();
        _train.Dispose();
        _test.Dispose();
    }
}
