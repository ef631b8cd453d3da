using MiniTransformer.Sweeps;

namespace MiniTransformer.Tests.Sweeps;

/// <summary>
/// Plans hand out their runs most expensive first (longest-processing-time order), so a sweep's last minutes are not
/// one big run alone on one core. The expected costs are written out here from the runs' shapes, not read from the plan.
/// </summary>
public class PlanOrderTests
{
    [Fact]
    public void GraphWalkPlanRunsTheLargestModelsOnTheLargestBudgetsFirst()
    {
        var spec = SweepSpecLoader.Parse("""
            { "name": "o", "tokens": [8000, 64000], "learning_rates": [0.01], "seeds": [0],
              "model": { "layers": [1, 2], "widths": [16, 64] }, "batch": 4 }
            """);
        var runs = SweepPlan.Expand(spec, (l, w) => 12L * l * w * w).Runs;
        Assert.Equal((2, 64, 64000L), (runs[0].Layers, runs[0].Width, runs[0].Tokens));
        Assert.Equal((1, 16, 8000L), (runs[^1].Layers, runs[^1].Width, runs[^1].Tokens));
        AssertNonIncreasing(runs.Select(r => r.Tokens * (12.0 * r.Layers * r.Width * r.Width + 64.0 * r.Width)).ToList());
    }

    [Fact]
    public void LadderPlanRunsTheLargestStudentsOnTheLargestBudgetsFirst()
    {
        string corpus = Path.Combine(Path.GetTempPath(), $"mt-plan-order-{Guid.NewGuid():N}.txt");
        File.WriteAllText(corpus, "a small corpus the plan only hashes");
        try
        {
            var spec = SweepSpecLoader.Parse($$"""
                { "name": "l", "data": { "kind": "language_ladder", "sequence_length": 17 },
                  "ladder": { "corpus": "{{corpus}}", "rungs": [{ "name": "b", "kind": "bigram" }, { "name": "r", "kind": "real" }] },
                  "tokens": [256, 4096], "batch": 8, "model": { "layers": [2], "widths": [16, 32] } }
                """);
            var runs = LadderSweepPlan.Expand(spec).Runs;
            Assert.Equal((32, 4096L), (runs[0].Width, runs[0].Tokens));
            Assert.Equal((16, 256L), (runs[^1].Width, runs[^1].Tokens));
            AssertNonIncreasing(runs.Select(r => r.Tokens * (12.0 * r.Layers * r.Width * r.Width + 64.0 * r.Width)).ToList());
        }
        finally { File.Delete(corpus); }
    }

    private static void AssertNonIncreasing(IReadOnlyList<double> costs)
    {
        for (int i = 1; i < costs.Count; i++) Assert.True(costs[i] <= costs[i - 1], $"run {i} costs {costs[i]}, more than run {i - 1} ({costs[i - 1]})");
    }
}
