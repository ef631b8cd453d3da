using MiniTransformer.IO;
using MiniTransformer.Reports;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Tests.Sweeps;

public sealed class KnnQuickPresetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mt-knn-quick-").FullName;

    /// <summary>
    /// The knn-quick preset (Bethe p_c, z = 200, sizes 30 … 10^5: ~58 clusters and ~2·10^5 sites; 5 seeds; 1% held out)
    /// shows the theory's power laws. The least-squares slope of ln(median MSE) over the upper half of the decades is
    /// within 0.1 of −α/(1+α) = −c/D = −1/2 for data scaling and within 0.15 of −min(α, c/D) = −1/2 for model scaling
    /// (the logarithmic case flattens the local data slope, and the allocation's finite k_br bends the model curve;
    /// the same tolerances as the standalone experiments' tests). The report's offset law fitted over that range is a
    /// power law: its exponent's 95% interval is finite and positive.
    /// </summary>
    [Fact]
    public void QuickPresetSlopesMatchTheory()
    {
        var spec = SweepPresets.Load("knn-quick");
        var data = KnnSweepPlan.ResolveData(spec);
        var (_, set) = KnnSweepData.Prepare(data, _dir);
        var plan = KnnSweepPlan.Expand(spec, set);
        using (var store = new ResultsStore(Path.Combine(_dir, ResultsStore.FileName)))
            SweepExecutor.Run(spec.Name, plan.Runs, store, new KnnRunExecutor(set, data), workers: Environment.ProcessorCount);
        AtomicFile.WriteAllText(Path.Combine(_dir, "spec.json"), SweepSpecLoader.Serialize(spec), force: true);

        var results = KnnSweepResults.Load(_dir);
        Assert.All(results.Runs, r => Assert.Equal("done", r.Status));
        var analyses = KnnExperimentAnalysis.Run(results, new ReportFitOptions { IntervalResamples = 200, BandResamples = 20 });
        var dataScaling = analyses.Single(a => a.Experiment == KnnSpec.DataScalingName);
        var modelScaling = analyses.Single(a => a.Experiment == KnnSpec.ModelScalingName);
        Assert.Equal(0.5, dataScaling.TheoryExponent, 12);
        Assert.Equal(0.5, modelScaling.TheoryExponent, 12);
        Assert.InRange(dataScaling.Slope.Slope, -0.5 - 0.1, -0.5 + 0.1);
        Assert.InRange(modelScaling.Slope.Slope, -0.5 - 0.15, -0.5 + 0.15);
        foreach (var a in analyses)
        {
            var ci = a.Fit!.Intervals!["alpha"];
            Assert.True(ci.Lower > 0 && double.IsFinite(ci.Upper), $"{a.Experiment}: α interval [{ci.Lower}, {ci.Upper}]");
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
