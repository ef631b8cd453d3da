namespace MiniTransformer.Reports;

/// <summary>Everything a report shows, computed once and rendered twice (HTML and Markdown).</summary>
public sealed record ReportModel(SweepResults Results, ScalingAnalysis Analysis, ProfileSection Profile, string Command, bool CommandRecorded,
    DateTime GeneratedUtc, string CodeVersion)
{
    public IReadOnlyList<RunRow> NotDone => Results.Runs.Where(r => r.Status != "done").OrderBy(r => r.Status).ThenBy(r => r.Layers)
        .ThenBy(r => r.Width).ThenBy(r => r.Tokens).ThenBy(r => r.LearningRate).ThenBy(r => r.Seed).ToList();

    public IReadOnlyList<(string Status, int Count)> StatusCounts => Results.Runs.GroupBy(r => r.Status)
        .Select(g => (g.Key, g.Count())).OrderBy(s => StatusOrder(s.Key)).ToList();

    /// <summary>Exact FLOPs vs 6ND per distinct (model, D): the count does not depend on learning rate or seed.</summary>
    public IReadOnlyList<RunRow> FlopRows => Results.Runs.Where(r => r.ExactFlops is > 0 && r.SixNd is > 0)
        .GroupBy(r => (r.Layers, r.Width, r.Tokens)).Select(g => g.First())
        .OrderBy(r => r.NonEmbeddingParameters).ThenBy(r => r.Tokens).ToList();

    /// <summary>IsoFLOP groups when the spec gives compute budgets: each cell joins the budget nearest its 6ND (in log space).</summary>
    public IReadOnlyList<(double Budget, IReadOnlyList<ScalingCell> Cells)> IsoFlops => Results.Spec.Compute is not { Length: > 0 } budgets ? []
        : Results.Cells.GroupBy(c => budgets.MinBy(b => Math.Abs(Math.Log(b / c.Compute))))
            .OrderBy(g => g.Key).Select(g => (g.Key, (IReadOnlyList<ScalingCell>)g.OrderBy(c => c.N).ToList())).ToList();

    private static int StatusOrder(string s) => s switch { "done" => 0, "diverged" => 1, "failed" => 2, "running" => 3, _ => 4 };
}
