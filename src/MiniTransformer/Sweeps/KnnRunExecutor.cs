using System.Diagnostics;
using System.Text.Json;
using MiniTransformer.Compute;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.IO;
using MiniTransformer.Knn;
using MiniTransformer.Percolation;

namespace MiniTransformer.Sweeps;

/// <summary>
/// Measures one k-NN run on the sweep's clusters with the experiments' own per-point code
/// (<see cref="DataScalingExperiment.Measure"/>, <see cref="ModelScalingExperiment.Measure"/>), so a sweep's number at
/// (x, seed) is the number `knn data-scaling` / `knn model-scaling` print for the same grid value and seed.
/// What all grid points of a seed share (its split; for model scaling the training order and s_k) is prepared once
/// and kept for the runs that follow: a few seeds at a time, since at full scale each is hundreds of MB.
/// </summary>
public sealed class KnnRunExecutor(ClusterSet set, PercolationData data, int cachedSeeds = 4) : IRunExecutor<KnnRunConfig>
{
    private readonly Lock _gate = new();
    private readonly LinkedList<(string Key, Lazy<object> Value)> _prepared = new();

    public RunOutcome Execute(KnnRunConfig config, int threads, CancellationToken cancellation)
    {
        if (config.Data != data) throw new ArgumentException($"run {config.Id} is for other clusters than this executor's");
        cancellation.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var scratch = new RegressorScratch();
        KnnMetrics metrics;
        if (config.Experiment == KnnSpec.ModelScalingName)
        {
            var regressor = new TreeNearestNeighbourRegressor(config.Regressor.Shrinkage ?? true);
            var a = config.Allocation ?? throw new ArgumentException($"model-scaling run {config.Id} has no allocation settings");
            var prepared = (ModelScalingSeed)Prepared($"model|{Json.Serialize(config with { X = 0 })}", () =>
                ModelScalingExperiment.Prepare(set, regressor, a.Theory, config.Seed, config.TestFraction, a.ExamplesPerDof, a.MaxDof, threads));
            var row = ModelScalingExperiment.Measure(prepared, regressor, config.X, scratch);
            metrics = new KnnMetrics(row.Dof, row.Loss, row.TrainSize, row.TestSize, clock.Elapsed.TotalSeconds,
                KBreak: row.KBreak, ClustersTrained: row.ClustersTrained, ExamplesPerDofMedian: row.ExamplesPerDofMedian);
        }
        else
        {
            var split = (SiteSplit)Prepared($"data|{config.Seed}|{config.TestFraction:R}", () => SiteSplit.Create(set, config.Seed, config.TestFraction));
            DataScalingRow row;
            if (config.Regressor.Model == KnnSpec.Euclidean)
            {
                using var backend = CreateBackend(config.Regressor.Backend ?? "cpu", threads);
                using var knn = new EuclideanKnn(backend);
                var regressor = new EuclideanKnnRegressor(knn, config.Regressor.K ?? 1,
                    config.Regressor.Weights == "distance" ? KnnWeights.Distance : KnnWeights.Uniform);
                row = DataScalingExperiment.Measure(set, split, regressor, config.Seed, config.X, scratch);
            }
            else row = DataScalingExperiment.Measure(set, split, new TreeNearestNeighbourRegressor(config.Regressor.Shrinkage ?? true), config.Seed, config.X, scratch);
            metrics = new KnnMetrics(row.TrainSize, row.Loss, row.TrainSizeRealized, row.TestSize, clock.Elapsed.TotalSeconds, Rate: row.Rate);
        }
        // A loss that is not a finite number is a broken measurement, never a result.
        if (!double.IsFinite(metrics.Loss)) return new RunOutcome(RunStatus.Failed, $"held-out MSE is {metrics.Loss}", null, [], JsonSerializer.Serialize(metrics, RunConfig.Canonical), metrics);
        return new RunOutcome(RunStatus.Done, null, null, [], JsonSerializer.Serialize(metrics, RunConfig.Canonical), metrics);
    }

    /// <summary>The prepared state under <paramref name="key"/>, made once (other runs of the same seed wait for it), the oldest dropped past capacity.</summary>
    private object Prepared(string key, Func<object> make)
    {
        Lazy<object> value;
        lock (_gate)
        {
            var node = _prepared.First;
            while (node is not null && node.Value.Key != key) node = node.Next;
            if (node is not null)
            {
                _prepared.Remove(node);
                _prepared.AddFirst(node);
                value = node.Value.Value;
            }
            else
            {
                value = new Lazy<object>(make, LazyThreadSafetyMode.ExecutionAndPublication);
                _prepared.AddFirst((key, value));
                while (_prepared.Count > Math.Max(1, cachedSeeds)) _prepared.RemoveLast();
            }
        }
        return value.Value;
    }

    private static ComputeBackend CreateBackend(string name, int threads)
    {
        try
        {
            return Backends.Parse(name) switch
            {
                BackendKind.Cpu => new CpuBackend(threads),
                var kind => Backends.Create(kind),
            };
        }
        catch (BackendUnavailableException e)
        {
            throw new UserInputException(e.Message);
        }
    }
}
